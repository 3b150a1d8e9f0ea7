"""UDP discovery probes: WS-Discovery, SADP, DHIP against fake responders on loopback."""

from __future__ import annotations

import asyncio
import json
import re
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from camaudit.models import EvidenceKind
from camaudit.probes.base import ProbeStatus
from camaudit.probes.dhip import DhipProbe, build_frame, parse_frame, search_request
from camaudit.probes.sadp import SadpProbe
from camaudit.probes.wsd import WsdProbe, xaddrs
from tests.probes.fakes import HOST, ctx, udp_server

PROBE_MATCH = """<?xml version="1.0" encoding="utf-8"?>
<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" xmlns:wsadis="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:dn="http://www.onvif.org/ver10/network/wsdl" xmlns:tds="http://www.onvif.org/ver10/device/wsdl">
<env:Header><wsadis:MessageID>urn:uuid:18ec6401-3aa0-11b5-83f6-b4a3820fd92d</wsadis:MessageID>
<wsadis:RelatesTo>{relates}</wsadis:RelatesTo>
<wsadis:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches</wsadis:Action></env:Header>
<env:Body><d:ProbeMatches><d:ProbeMatch>
<wsadis:EndpointReference><wsadis:Address>urn:uuid:18ec6401-3aa0-11b5-83f6-b4a3820fd92d</wsadis:Address></wsadis:EndpointReference>
<d:Types>dn:NetworkVideoTransmitter tds:Device</d:Types>
<d:Scopes>onvif://www.onvif.org/type/video_encoder onvif://www.onvif.org/hardware/DS-2CD3955FWD-IWS onvif://www.onvif.org/name/HIKVISION%20DS-2CD3955FWD-IWS onvif://www.onvif.org/location/city/hangzhou</d:Scopes>
<d:XAddrs>http://{ip}/onvif/device_service http://[fe80::1]/onvif/device_service</d:XAddrs>
<d:MetadataVersion>10</d:MetadataVersion>
</d:ProbeMatch></d:ProbeMatches></env:Body></env:Envelope>"""

SADP_MATCH = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<ProbeMatch>\n<Uuid>{uuid}</Uuid>\n<Types>inquiry</Types>\n'
    b"<DeviceType>140071</DeviceType>\n<DeviceDescription>DS-2CD5026EFWD-A</DeviceDescription>\n"
    b"<DeviceSN>DS-2CD5026EFWD-A20171214AACH147955970</DeviceSN>\n<CommandPort>8000</CommandPort>\n"
    b"<MAC>64-db-8b-08-cf-45</MAC>\n<SoftwareVersion>V5.5.0build 170914</SoftwareVersion>\n"
    b"<Activated>true</Activated>\n</ProbeMatch>\n"
)
DHIP_REPLY = {
    "mac": "3c:ef:8c:41:6c:ce",
    "method": "client.notifyDevInfo",
    "params": {
        "deviceInfo": {
            "DeviceClass": "IPC",
            "DeviceType": "IPC-HDW5421S",
            "SerialNo": "3C06520PAN00001",
            "Vendor": "Dahua",
            "Version": "2.400.0.8",
            "Port": 37777,
        }
    },
}


def wsd_reply(data: bytes, addr):
    m = re.search(rb"<a:MessageID>([^<]+)<", data)
    if b"tds:Device" not in data or not m:
        return []
    text = PROBE_MATCH.format(relates=m.group(1).decode(), ip=HOST)
    return [text.encode(), text.encode()]  # SOAP-over-UDP repeats unicast messages


def sadp_reply(data: bytes, addr):
    m = re.search(rb"<Uuid>([0-9A-F-]{36})</Uuid><Types>inquiry</Types>", data)
    return [SADP_MATCH.replace(b"{uuid}", m.group(1))] if m else []


def dhip_reply(data: bytes, addr):
    frame = parse_frame(data)
    if frame is None or json.loads(frame.json_text)["method"] != "DHDiscover.search":
        return []
    body = json.dumps(DHIP_REPLY).encode() + b"\x00\x00"
    return [build_frame(body, session=0x7FFFFE62, request_id=2)]


def run_probe(probe, reply, **kw):
    async def main():
        async with udp_server(reply) as (port, fake):
            c = ctx(**kw)
            result = await probe.run(HOST, port, c)
            return result, fake.received, c

    return asyncio.run(main())


def test_wsd_probe_match_and_xaddrs_hint():
    result, received, c = run_probe(WsdProbe(), wsd_reply)
    assert result.status is ProbeStatus.SUCCESS
    assert len(result.evidence) == 1  # the repeat is the same bytes: kept once
    ev = result.evidence[0]
    assert ev.kind is EvidenceKind.WSD_PROBEMATCH and ev.source == "probe:wsd Probe"
    assert b"DS-2CD3955FWD-IWS" in ev.payload
    assert c.hints.xaddrs[HOST][0] == f"http://{HOST}/onvif/device_service"
    assert len(received) == 1  # stopped before the second (NVT) Probe
    assert b"<d:Types>tds:Device</d:Types>" in received[0]


def test_wsd_older_device_answers_only_the_nvt_probe():
    def reply(data, addr):
        if b"dn:NetworkVideoTransmitter" not in data:
            return []
        return [PROBE_MATCH.format(relates="x", ip=HOST).encode()]

    result, received, _ = run_probe(WsdProbe(), reply)
    assert result.status is ProbeStatus.SUCCESS and len(received) == 2


def test_sadp_inquiry():
    result, received, _ = run_probe(SadpProbe(), sadp_reply)
    assert result.status is ProbeStatus.SUCCESS
    assert re.fullmatch(
        rb'<\?xml version="1.0" encoding="utf-8"\?><Probe><Uuid>[0-9A-F-]{36}</Uuid><Types>inquiry</Types></Probe>',
        received[0],
    )
    assert result.evidence[0].kind is EvidenceKind.SADP
    assert b"<DeviceSN>DS-2CD5026EFWD-A" in result.evidence[0].payload


def test_dhip_search_and_reply():
    result, received, _ = run_probe(DhipProbe(), dhip_reply)
    assert result.status is ProbeStatus.SUCCESS
    header = struct.unpack_from("<I4sIIIIII", received[0])
    body = received[0][32:]
    assert header == (32, b"DHIP", 0, 0, len(body), 0, len(body), 0)
    assert json.loads(body) == {"method": "DHDiscover.search", "params": {"mac": "", "uni": 1}}
    payload = result.evidence[0].payload
    assert result.evidence[0].kind is EvidenceKind.DHIP
    assert json.loads(payload) == DHIP_REPLY  # the JSON part, NULs stripped


@pytest.mark.parametrize("probe", [WsdProbe(), SadpProbe(), DhipProbe()], ids=lambda p: p.name)
def test_out_of_scope_target_gets_no_datagram(probe):
    result, received, _ = run_probe(probe, lambda d, a: [b"x"], scope="127.0.0.2")
    assert result.status is ProbeStatus.OUT_OF_SCOPE and received == []


@pytest.mark.parametrize("probe", [WsdProbe(), SadpProbe(), DhipProbe()], ids=lambda p: p.name)
def test_wrong_protocol_reply_is_a_protocol_error(probe):
    result, _, _ = run_probe(probe, lambda d, a: [b"HTTP/1.1 400 Bad Request\r\n\r\n"], timeout=0.3)
    assert result.status is ProbeStatus.PROTOCOL_ERROR and result.evidence == []


def test_dhip_ignores_an_echo_of_its_own_request():
    result, _, _ = run_probe(DhipProbe(), lambda d, a: [d], timeout=0.3)
    assert result.status is ProbeStatus.PROTOCOL_ERROR


def test_dhip_frame_variants():
    assert parse_frame(b"") is None
    assert parse_frame(b"\x20\x00\x00\x00DHIP") is None  # no JSON
    assert parse_frame(b"\x20\x00\x00\x00XXXX{}") is None  # wrong magic
    short = parse_frame(b"\x20\x00\x00\x00PIHD" + b'{"a":1}')
    assert short is not None and short.json_text == b'{"a":1}'
    cut = parse_frame(build_frame(b'{"mac":"aa", "params":{"deviceInfo":{"Vendor":"Dah'))
    assert cut is not None and cut.json_text.startswith(b'{"mac"')
    frame = parse_frame(search_request())
    assert frame is not None and frame.length == len(frame.json_text) + 1  # trailing newline


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=600))
def test_dhip_parser_is_total(data):
    frame = parse_frame(data)
    if frame is not None:
        assert frame.json_text.startswith(b"{") and len(frame.json_text) <= len(data)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300), st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1))
def test_dhip_frame_round_trip(body, session, request_id):
    body = b"{" + body.replace(b"}", b"") + b"}"
    frame = parse_frame(build_frame(body, session, request_id))
    assert frame is not None
    assert (frame.header_size, frame.session, frame.request_id, frame.length) == (
        32,
        session,
        request_id,
        len(body),
    )
    assert frame.json_text == body.rstrip(b"\x00")


def test_xaddrs_are_bounded():
    payload = b"<d:XAddrs>" + b" http://h/x" * 10000 + b"</d:XAddrs>"
    assert len(xaddrs(payload)) <= 16


@pytest.mark.parametrize(
    "probe, reply",
    [(WsdProbe(), wsd_reply), (SadpProbe(), sadp_reply), (DhipProbe(), dhip_reply)],
    ids=lambda p: getattr(p, "name", ""),
)
def test_opt_in_multicast_keeps_in_scope_repliers_only(probe, reply):
    from tests.probes.fakes import multicast_group

    group = probe.discovery_address[0]

    async def main():
        async with multicast_group(group, reply, ("127.0.0.8", "127.0.0.9")) as (port, received):
            results = await probe.discover(ctx(timeout=0.5, scope="127.0.0.8"), HOST, port=port)
            return results, received

    results, received = asyncio.run(main())
    if not received:
        pytest.skip("multicast did not loop back on this host")
    assert [r.ip for r in results] == ["127.0.0.8"]
    assert results[0].status is ProbeStatus.SUCCESS and results[0].evidence
    assert all(e.ip == "127.0.0.8" for e in results[0].evidence)
