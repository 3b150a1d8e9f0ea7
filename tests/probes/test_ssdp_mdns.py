"""SSDP (M-SEARCH + same-host description) and unicast mDNS / DNS-SD, with their parsers."""

from __future__ import annotations

import asyncio
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from camaudit.models import EvidenceKind
from camaudit.probes.base import ProbeStatus
from camaudit.probes.dnswire import (
    CLASS_IN,
    TYPE_A,
    TYPE_PTR,
    TYPE_SRV,
    TYPE_TXT,
    decode_message,
    encode_name,
    encode_query,
    name_labels,
)
from camaudit.probes.mdns import MdnsProbe
from camaudit.probes.ssdp import SsdpProbe, parse_response, same_host_location
from tests.probes.fakes import HOST, ctx, http_responder, response, tcp_server, udp_server

DESCRIPTION = b"""<?xml version="1.0"?>
<root xmlns="urn:schemas-upnp-org:device-1-0"><device>
<deviceType>urn:schemas-upnp-org:device:Basic:1</deviceType>
<friendlyName>AXIS M1014 - ACCC8E270AD8</friendlyName><manufacturer>AXIS</manufacturer>
<modelName>AXIS M1014</modelName><modelNumber>M1014</modelNumber><serialNumber>ACCC8E270AD8</serialNumber>
</device></root>"""


def ssdp_reply(location: str):
    def reply(data: bytes, addr):
        if not data.startswith(b"M-SEARCH * HTTP/1.1\r\n") or b'MAN: "ssdp:discover"' not in data:
            return []
        return [
            (
                "HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=1800\r\nEXT:\r\n"
                f"LOCATION: {location}\r\n"
                "SERVER: Linux/4.9.94-axis5, UPnP/1.0, Portable SDK for UPnP devices/1.6.22\r\n"
                "ST: upnp:rootdevice\r\nUSN: uuid:Upnp-BasicDevice-1_0-ACCC8E270AD8::upnp:rootdevice\r\n\r\n"
            ).encode()
        ]

    return reply


def run_ssdp(location_template: str):
    fetched: list[bytes] = []

    async def main():
        routes = http_responder(
            lambda r: response("200 OK", {"Content-Type": "text/xml"}, DESCRIPTION), fetched
        )
        async with tcp_server(routes) as http_port:
            location = location_template.format(port=http_port)
            async with udp_server(ssdp_reply(location)) as (port, fake):
                return await SsdpProbe().run(HOST, port, ctx()), fake.received

    result, received = asyncio.run(main())
    return result, received, fetched


def test_ssdp_response_and_same_host_description():
    result, received, fetched = run_ssdp("http://127.0.0.1:{port}/rootdesc.xml")
    assert result.status is ProbeStatus.SUCCESS
    kinds = [e.kind for e in result.evidence]
    assert kinds == [EvidenceKind.HTTP, EvidenceKind.UPNP]
    assert result.evidence[1].payload == DESCRIPTION
    assert result.evidence[1].source == "probe:ssdp GET /rootdesc.xml"
    assert len(received) == 1 and fetched[0].startswith(b"GET /rootdesc.xml HTTP/1.1")


@pytest.mark.parametrize(
    "location",
    [
        "http://127.0.0.2:{port}/rootdesc.xml",
        "https://127.0.0.1:{port}/d.xml",
        "http://evil.example/x",
    ],
)
def test_ssdp_location_elsewhere_is_not_fetched(location):
    result, _, fetched = run_ssdp(location)
    assert fetched == []
    assert [e.kind for e in result.evidence] == [EvidenceKind.HTTP]
    assert "not fetched" in (result.detail or "")


def test_ssdp_parser_and_location_rules():
    parsed = parse_response(
        b"HTTP/1.1 200 OK\r\nLocation: http://10.0.0.5:49152/d.xml\r\nST: x\r\n\r\n"
    )
    assert (
        parsed is not None
        and parsed.status == 200
        and parsed.location == "http://10.0.0.5:49152/d.xml"
    )
    assert parse_response(b"NOTIFY * HTTP/1.1\r\n\r\n") is None
    assert same_host_location("http://10.0.0.5:49152/d.xml?a=1", "10.0.0.5") == (
        49152,
        "/d.xml?a=1",
    )
    assert same_host_location("http://10.0.0.5/", "10.0.0.6") is None
    assert same_host_location("http://10.0.0.5:99999/", "10.0.0.5") is None
    assert same_host_location("http://[::1]:80/x", "::1") == (80, "/x")


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=2000))
def test_ssdp_parser_is_total(data):
    parsed = parse_response(data)
    if parsed is not None:
        assert 0 <= parsed.status <= 999 and len(parsed.headers) <= 200


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        st.from_regex(r"[A-Za-z][A-Za-z0-9-]{0,15}", fullmatch=True),
        st.from_regex(r"[ -~]{0,40}", fullmatch=True),
        max_size=8,
    )
)
def test_ssdp_parser_reads_what_was_written(headers):
    text = "HTTP/1.1 200 OK\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    parsed = parse_response(text.encode())
    assert parsed is not None
    first: dict[str, str] = {}
    for k, v in headers.items():
        first.setdefault(k.lower(), v.strip())
    assert parsed.headers == first


# ------------------------------------------------------------------------------------------ mDNS
def rr(name: str | tuple[str, ...], rtype: int, rdata: bytes, ttl: int = 120) -> bytes:
    labels = name if isinstance(name, tuple) else name_labels(name)
    return (
        encode_name(labels)
        + struct.pack("!HHIH", rtype, CLASS_IN | 0x8000, ttl, len(rdata))
        + rdata
    )


INSTANCE = ("AXIS M5014 - ACCC8E3C0419", "_axis-video", "_tcp", "local")


def axis_answer(query: bytes) -> list[bytes]:
    msg = decode_message(query)
    assert msg is not None
    asked = {q for q, _ in msg.questions}
    answers: list[bytes] = []
    if name_labels("_services._dns-sd._udp.local") in asked:
        answers.append(
            rr(
                "_services._dns-sd._udp.local",
                TYPE_PTR,
                encode_name(name_labels("_axis-video._tcp.local")),
            )
        )
        answers.append(
            rr(
                "_services._dns-sd._udp.local",
                TYPE_PTR,
                encode_name(name_labels("_printer._tcp.local")),
            )
        )
    if name_labels("_axis-video._tcp.local") in asked:
        answers.append(rr("_axis-video._tcp.local", TYPE_PTR, encode_name(INSTANCE)))
    if INSTANCE in asked:  # follow-up SRV/TXT
        answers.append(
            rr(
                INSTANCE,
                TYPE_SRV,
                struct.pack("!HHH", 0, 0, 80) + encode_name(name_labels("axis-accc8e3c0419.local")),
            )
        )
        txt = b"".join(
            bytes((len(t),)) + t
            for t in (b"macaddress=ACCC8E3C0419", b"path=/", b"evil=a\nservice=HIKVISION")
        )
        answers.append(rr(INSTANCE, TYPE_TXT, txt))
        answers.append(rr("axis-accc8e3c0419.local", TYPE_A, bytes((127, 0, 0, 1))))
    header = struct.pack("!HHHHHH", msg.query_id, 0x8400, 0, len(answers), 0, 0)
    return [header + b"".join(answers)]


def test_mdns_services_instances_srv_and_txt():
    async def main():
        async with udp_server(lambda d, a: axis_answer(d)) as (port, fake):
            return await MdnsProbe().run(HOST, port, ctx()), fake.received

    result, received = asyncio.run(main())
    assert result.status is ProbeStatus.SUCCESS
    assert len(received) == 2  # the service list + known types, then one follow-up
    texts = [e.payload.decode() for e in result.evidence]
    assert texts[0].splitlines() == [
        "service=_axis-video._tcp.local",
        "instance=AXIS M5014 - ACCC8E3C0419",
        "hostname=axis-accc8e3c0419.local",
        "port=80",
        "txt.macaddress=ACCC8E3C0419",
        "txt.path=/",
        "txt.evil=a service=HIKVISION",  # a newline in a TXT value cannot forge a line
    ]
    assert texts[1] == "service=_printer._tcp.local\n"
    assert all(e.kind is EvidenceKind.MDNS for e in result.evidence)


def test_mdns_silent_and_garbage():
    async def main():
        async with udp_server(lambda d, a: [b"\x00" * 3, b"not dns at all"]) as (port, _):
            garbage = await MdnsProbe().run(HOST, port, ctx(timeout=0.3))
        async with udp_server(lambda d, a: []) as (port, _):
            silent = await MdnsProbe().run(HOST, port, ctx(timeout=0.3))
        return garbage, silent

    garbage, silent = asyncio.run(main())
    assert silent.status is ProbeStatus.NO_RESPONSE
    assert garbage.status is ProbeStatus.PROTOCOL_ERROR and garbage.evidence == []


def test_dns_round_trip_and_compression_loops():
    q = encode_query(0x1234, [(name_labels("_http._tcp.local"), TYPE_PTR)])
    msg = decode_message(q)
    assert msg is not None and msg.query_id == 0x1234 and not msg.is_response
    assert msg.questions == [(("_http", "_tcp", "local"), TYPE_PTR)]
    # a pointer to itself, and a forward pointer, are rejected
    loop = struct.pack("!HHHHHH", 1, 0x8400, 1, 0, 0, 0) + b"\xc0\x0c" + b"\x00\x01\x00\x01"
    assert decode_message(loop) is None
    fwd = struct.pack("!HHHHHH", 1, 0x8400, 1, 0, 0, 0) + b"\xc0\x20" + b"\x00" * 40
    assert decode_message(fwd) is None
    # records after a broken one are dropped, the message is marked incomplete
    head = struct.pack("!HHHHHH", 1, 0x8400, 0, 2, 0, 0)
    good = rr("a.local", TYPE_A, bytes(4))
    cut = decode_message(head + good + b"\x01")
    assert cut is not None and len(cut.records) == 1 and not cut.complete
    with pytest.raises(ValueError):
        encode_name(("x" * 64,))


@settings(max_examples=1000, deadline=None)
@given(st.binary(max_size=512))
def test_dns_decoder_is_total(data):
    msg = decode_message(data)
    if msg is not None:
        assert len(msg.records) <= 256
        for rec in msg.records:
            assert len(rec.name) <= 128 and all(0 < len(label) < 64 for label in rec.name)


label = st.text(
    alphabet=st.characters(min_codepoint=32, max_codepoint=0x24F), min_size=1, max_size=20
).filter(lambda s: len(s.encode()) < 64)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.lists(label, min_size=1, max_size=4).map(tuple),
            st.sampled_from([TYPE_PTR, TYPE_SRV, TYPE_TXT, TYPE_A]),
        ),
        min_size=1,
        max_size=5,
    ),
    st.integers(0, 0xFFFF),
)
def test_dns_query_round_trip(questions, qid):
    msg = decode_message(encode_query(qid, questions))
    assert msg is not None and msg.query_id == qid and msg.questions == questions


def test_ssdp_opt_in_multicast():
    from tests.probes.fakes import multicast_group

    async def main():
        async with multicast_group(
            "239.255.255.250", ssdp_reply("http://127.0.0.8:1/x.xml"), ("127.0.0.8", "127.0.0.9")
        ) as (port, received):
            results = await SsdpProbe().discover(
                ctx(timeout=0.5, scope="127.0.0.8"), HOST, port=port
            )
            return results, received

    results, received = asyncio.run(main())
    if not received:
        pytest.skip("multicast did not loop back on this host")
    assert received[0].startswith(b"M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:")
    assert [r.ip for r in results] == ["127.0.0.8"]
    assert results[0].evidence[0].kind is EvidenceKind.HTTP
