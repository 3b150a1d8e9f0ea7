"""UDP responders' safety rules (no reflection, bounded replies, rate limits) and parsers of
untrusted datagrams that must never raise."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from camaudit.lab import LabSettings, build_fleet, load_personas
from camaudit.lab.base import ConnectionTracker, LabResources, ServiceContext
from camaudit.lab.dhip import parse_search
from camaudit.lab.dns_message import (
    DnsParseError,
    Message,
    Question,
    a_record,
    encode_message,
    parse_message,
    ptr_record,
    read_name_at,
    srv_record,
    txt_record,
)
from camaudit.lab.onvif_soap import parse_request
from camaudit.lab.rtsp_server import parse_rtsp_head
from camaudit.lab.sadp import SadpService, parse_inquiry
from camaudit.lab.ssdp import parse_msearch
from camaudit.lab.udp_base import TokenBuckets, is_unicast_source, reply_budget
from camaudit.lab.wsd import parse_probe, scope_matches
from tests.lab.lab_clients import sadp_inquiry


class FakeTransport:
    def __init__(self) -> None:
        self.sent: list[tuple[bytes, Any]] = []

    def sendto(self, data: bytes, addr: Any) -> None:
        self.sent.append((data, addr))


def _sadp(settings_: LabSettings) -> tuple[SadpService, FakeTransport]:
    fleet = build_fleet(subnet="127.30.0.0/24", mix={"hikvision-ipc": 1}, port_offset=0)
    device = fleet.devices[0]
    ctx = ServiceContext(
        device,
        load_personas()["hikvision-ipc"],
        "sadp",
        device.ip,
        37020,
        b"k" * 32,
        settings_,
        ConnectionTracker(),
        LabResources(),
    )
    service = SadpService(ctx)
    transport = FakeTransport()
    service.transport = transport  # type: ignore[assignment]
    return service, transport


def test_token_buckets() -> None:
    buckets = TokenBuckets(rate=1.0, burst=2.0, max_sources=2)
    assert [buckets.allow("a", now=0.0) for _ in range(3)] == [True, True, False]
    assert buckets.allow("a", now=1.0)  # one token back after a second
    assert buckets.allow("b", now=1.0) and buckets.allow("c", now=1.0)
    assert buckets.allow("a", now=1.0)  # "a" was forgotten (max 2 sources): a fresh bucket


def test_only_unicast_sources_are_answered() -> None:
    assert is_unicast_source(("127.0.0.1", 5000))
    for address in [
        ("239.255.255.250", 3702),
        ("255.255.255.255", 1),
        ("0.0.0.0", 1),
        ("127.0.0.1", 0),
        ("240.0.0.1", 9),
        ("bad", 1),
    ]:
        assert not is_unicast_source(address), address
    assert reply_budget(100, 12.0, 1400) == 1400 and reply_budget(1000, 12.0, 1400) == 12000


def test_service_enforces_source_size_rate_and_budget() -> None:
    service, transport = _sadp(LabSettings(udp_rate=0.0001, udp_burst=2))
    inquiry = sadp_inquiry()
    service.datagram_received(inquiry, ("239.255.255.250", 37020))  # forged multicast source
    service.datagram_received(inquiry + b" " * 9000, ("127.0.0.1", 5000))  # oversized
    assert transport.sent == []
    for _ in range(4):
        service.datagram_received(inquiry, ("127.0.0.1", 5000))
    assert len(transport.sent) == 2 and service.dropped == 4  # burst of 2, then rate-limited
    service.datagram_received(inquiry, ("127.0.0.2", 5000))
    assert len(transport.sent) == 3  # another source has its own bucket
    tight, tight_transport = _sadp(
        LabSettings(udp_max_amplification=1.0, udp_min_reply_allowance=200)
    )
    tight.datagram_received(inquiry, ("127.0.0.1", 5000))
    assert tight_transport.sent == []  # the ~1 KB ProbeMatch exceeds 1x a ~130-byte inquiry


def test_responder_bug_is_contained(monkeypatch: pytest.MonkeyPatch) -> None:
    service, transport = _sadp(LabSettings())

    def broken(data: bytes, addr: Any) -> list[bytes]:
        raise RuntimeError("persona bug")

    monkeypatch.setattr(service, "answer", broken)
    service.datagram_received(sadp_inquiry(), ("127.0.0.1", 5000))
    assert transport.sent == []


def test_wsd_scope_rules() -> None:
    offered = "onvif://www.onvif.org/hardware/D1-566"
    assert scope_matches("onvif://www.onvif.org/hardware/D1-566", offered)
    assert scope_matches("ONVIF://WWW.ONVIF.ORG/hardware", offered)
    assert not scope_matches("onvif://www.onvif.org/hardware/D1", offered)
    assert not scope_matches("onvif://www.onvif.org/Hardware/D1-566", offered)
    strcmp = "http://schemas.xmlsoap.org/ws/2005/04/discovery/strcmp0"
    assert scope_matches(offered, offered, strcmp) and not scope_matches(
        offered + "/", offered, strcmp
    )


# -- DNS codec --------------------------------------------------------------------------------


def test_dns_round_trip_with_compression() -> None:
    message = Message(
        id=7,
        flags=0x8400,
        questions=(Question("_axis-video._tcp.local", 12, 1, True),),
        answers=(ptr_record("_axis-video._tcp.local", "cam 1._axis-video._tcp.local", 10),),
        additionals=(
            srv_record("cam 1._axis-video._tcp.local", "axis-1.local", 80, 10),
            txt_record("cam 1._axis-video._tcp.local", ["a=b", "c"], 10),
            a_record("axis-1.local", "127.0.0.9", 10),
        ),
    )
    wire = encode_message(message)
    assert wire.count(b"_axis-video") == 1  # later uses are compression pointers
    parsed = parse_message(wire)
    assert parsed.id == 7 and parsed.questions == message.questions
    assert read_name_at(wire, wire.index(parsed.answers[0].data)) == "cam 1._axis-video._tcp.local"
    assert parsed.additionals[2].data == bytes([127, 0, 0, 9]) and parsed.additionals[2].cache_flush


@pytest.mark.parametrize(
    "wire",
    [
        b"",
        b"\x00" * 11,
        b"\x00\x01\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\xc0\x0c\x00\x01\x00\x01",  # self pointer
        b"\x00\x01\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x05ab",  # label past the end
        b"\x00\x01\x00\x00\xff\xff\x00\x00\x00\x00\x00\x00",  # 65535 questions claimed
        b"\x00\x01\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00" + b"\x3fa" * 5,
    ],
)
def test_dns_rejects_malformed(wire: bytes) -> None:
    with pytest.raises(DnsParseError):
        parse_message(wire)


def test_dns_name_length_and_pointer_loops_are_bounded() -> None:
    label = b"\x3f" + b"a" * 63
    too_long = b"\x00" * 4 + b"\x00\x01" + b"\x00" * 6 + label * 5 + b"\x00\x00\x01\x00\x01"
    with pytest.raises(DnsParseError, match="255"):
        parse_message(too_long)
    # a label then a pointer back to it: loops until the 255-byte name limit stops it
    loop = b"\x00" * 4 + b"\x00\x01" + b"\x00" * 6 + b"\x01a\xc0\x0c" + b"\x00\x01\x00\x01"
    with pytest.raises(DnsParseError):
        parse_message(loop)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600))
def test_datagram_parsers_are_total(data: bytes) -> None:
    with contextlib.suppress(DnsParseError):
        parse_message(data)
    parse_probe(data)
    parse_inquiry(data)
    parse_search(data)
    parse_msearch(data)
    parse_request(data)


@settings(max_examples=200, deadline=None)
@given(
    st.binary(max_size=40).map(
        lambda tail: b"\x12\x34\x00\x00\x00\x01\x00\x01\x00\x00\x00\x00" + tail
    )
)
def test_dns_parser_total_on_plausible_headers(data: bytes) -> None:
    with contextlib.suppress(DnsParseError):
        parse_message(data)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_rtsp_head_parser_raises_only_parse_errors(data: bytes) -> None:
    from camaudit.lab.http_messages import HttpParseError

    with contextlib.suppress(HttpParseError):
        parse_rtsp_head(data)
