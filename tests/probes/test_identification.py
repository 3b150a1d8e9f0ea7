"""The evidence each probe emits identifies the maker: probes run against fakes answering with
real device responses (../shared/corpus, read at test time) or shapes from protocols.md."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from camaudit.identify import Identifier
from camaudit.models import Evidence, EvidenceKind
from camaudit.probes.banner import BannerProbe
from camaudit.probes.dhip import DhipProbe, build_frame
from camaudit.probes.http import HttpProbe
from camaudit.probes.mdns import MdnsProbe
from camaudit.probes.onvif import OnvifProbe
from camaudit.probes.rtsp import RtspProbe
from camaudit.probes.sadp import SadpProbe
from camaudit.probes.ssdp import SsdpProbe
from camaudit.probes.tls import TlsProbe
from camaudit.probes.wsd import WsdProbe
from tests.probes.fakes import (
    HOST,
    ctx,
    http_responder,
    response,
    server_tls_context,
    tcp_server,
    udp_server,
)
from tests.probes.test_ssdp_mdns import DESCRIPTION, axis_answer, ssdp_reply


@pytest.fixture(scope="module")
def identifier() -> Identifier:
    return Identifier()


def read(corpus: Path, name: str) -> bytes:
    return (corpus / "raw" / name).read_bytes()


def tcp_run(probe, handler, **kw):
    async def main():
        async with tcp_server(handler, **kw) as port:
            return await probe.run(HOST, port, ctx())

    return asyncio.run(main())


def udp_run(probe, reply):
    async def main():
        async with udp_server(reply) as (port, _):
            return await probe.run(HOST, port, ctx())

    return asyncio.run(main())


def identify(identifier: Identifier, evidence: list[Evidence]):
    assert evidence, "the probe recorded nothing"
    return identifier.identify(evidence)


def test_http_isapi_401_realm_names_hikvision(identifier, corpus):
    unauthorized = read(corpus, "hikvision/http_401_isapi_deviceinfo_realm_IPCamera_FG513.http")
    unauthorized = unauthorized.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    unauthorized = re.sub(rb"Content-Length: \d+", b"Content-Length: 0", unauthorized)

    def routes(req: bytes) -> bytes:
        if b"/ISAPI/System/deviceInfo" in req.split(b"\r\n", 1)[0]:
            return unauthorized.split(b"\r\n\r\n")[0] + b"\r\n\r\n"
        return response("200 OK", {"Content-Type": "text/html"}, b"<html><head></head></html>")

    result = tcp_run(HttpProbe(favicon=False), http_responder(routes))
    assert identify(identifier, result.evidence).manufacturer == "Hikvision"


def test_favicon_md5_fragment_shape_is_read_as_a_favicon(identifier):
    ev = Evidence(EvidenceKind.HTTP, b"89b932fcc47cf4ca3faadb0cfdef89cf", ip=HOST, port=80)
    assert identifier.identify([ev]).manufacturer == "Hikvision"


def test_rtsp_dahua_realm(identifier, corpus):
    describe = read(corpus, "dahua/gb_rtsp_wwwauth_DahuaRtsp.txt").strip().replace(b"\n", b"\r\n")

    async def handler(reader, writer):
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"RTSP/1.0 200 OK\r\nCSeq: 1\r\nPublic: OPTIONS, DESCRIBE\r\n\r\n")
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"RTSP/1.0 401 Unauthorized\r\nCSeq: 2\r\n" + describe + b"\r\n\r\n")
        await writer.drain()
        await asyncio.sleep(1)

    result = tcp_run(RtspProbe(), handler)
    assert identify(identifier, result.evidence).manufacturer == "Dahua"


@pytest.mark.parametrize(
    "name, telnet, maker",
    [
        ("axis/gb_ftp_banner_Q3517.txt", False, "Axis"),
        (
            "hikvision/recog_telnet_banners_Hikvision-cameras-and-NVRs-multiple_1.txt",
            True,
            "Hikvision",
        ),
    ],
)
def test_banners(identifier, corpus, monkeypatch, name, telnet, maker):
    greeting = read(corpus, name).strip() + (b" " if telnet else b"\r\n")

    async def handler(reader, writer):
        if telnet:
            writer.write(bytes((255, 253, 24)))  # IAC DO TERMINAL-TYPE
        writer.write(greeting)
        await writer.drain()
        await asyncio.sleep(1)

    async def main():
        async with tcp_server(handler) as port:
            monkeypatch.setattr(BannerProbe, "telnet_ports", frozenset({port} if telnet else ()))
            return await BannerProbe().run(HOST, port, ctx())

    result = asyncio.run(main())
    identity = identify(identifier, result.evidence)
    assert identity.manufacturer == maker
    if maker == "Axis":
        assert identity.model == "Q3517"


def test_tls_factory_certificate(identifier, corpus, tmp_path):
    subject = read(corpus, "hikvision/recog_x509_subjects_HIKVISION-DVR_1.txt").decode().strip()
    parts = dict(item.split("=", 1) for item in subject.split(","))
    tls, _ = server_tls_context(str(tmp_path), parts)

    async def handler(reader, writer):
        await asyncio.sleep(0.3)

    result = tcp_run(TlsProbe(), handler, tls=tls)
    assert identify(identifier, result.evidence).manufacturer == "Hikvision"


def test_wsd_probe_match(identifier, corpus):
    match = read(corpus, "hikvision/wsd_probematch_DS-2CD3955FWD-IWS.xml")
    result = udp_run(WsdProbe(), lambda d, a: [match])
    identity = identify(identifier, result.evidence)
    assert identity.manufacturer == "Hikvision" and identity.model == "DS-2CD3955FWD-IWS"


def test_sadp_probe_match(identifier, corpus):
    match = read(corpus, "hikvision/sadp_probematch_DS-2CD5026EFWD-A_TRUNCATED.xml")
    result = udp_run(SadpProbe(), lambda d, a: [match])
    identity = identify(identifier, result.evidence)
    assert identity.manufacturer == "Hikvision" and identity.model == "DS-2CD5026EFWD-A"


def test_dhip_reply(identifier, corpus):
    body = read(corpus, "dahua/dhip_notifyDevInfo_IPC-HDW5421S.json")
    result = udp_run(DhipProbe(), lambda d, a: [build_frame(body + b"\x00")])
    identity = identify(identifier, result.evidence)
    assert identity.manufacturer == "Dahua" and identity.model == "IPC-HDW5421S"


def test_ssdp_description(identifier):
    async def main():
        routes = http_responder(
            lambda r: response("200 OK", {"Content-Type": "text/xml"}, DESCRIPTION)
        )
        async with tcp_server(routes) as http_port:
            reply = ssdp_reply(f"http://{HOST}:{http_port}/rootdesc.xml")
            async with udp_server(reply) as (port, _):
                return await SsdpProbe().run(HOST, port, ctx())

    identity = identify(identifier, asyncio.run(main()).evidence)
    assert identity.manufacturer == "Axis" and identity.model == "M1014"


def test_mdns_axis(identifier):
    result = udp_run(MdnsProbe(), lambda d, a: axis_answer(d))
    identity = identify(identifier, result.evidence)
    assert identity.manufacturer == "Axis" and identity.model == "M5014"


def test_onvif_device_information(identifier, corpus):
    fragment = read(corpus, "dahua/onvif_GetDeviceInformationResponse_IPC-HDW1025C.xml")
    envelope = (
        b'<?xml version="1.0" encoding="UTF-8"?><env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" '
        b'xmlns:tds="http://www.onvif.org/ver10/device/wsdl"><env:Body>'
        + fragment
        + b"</env:Body></env:Envelope>"
    )

    def routes(req: bytes) -> bytes:
        if b"GetSystemDateAndTime" in req:
            return response("200 OK", {"Content-Type": "application/soap+xml"}, b"<env:Envelope/>")
        return response("200 OK", {"Content-Type": "application/soap+xml"}, envelope)

    result = tcp_run(OnvifProbe(), http_responder(routes))
    identity = identify(identifier, result.evidence)
    assert identity.manufacturer == "Dahua" and identity.model == "IPC-HDW1025C"


def test_http_probe_names_every_lab_vendor(identifier):
    """Unauthenticated HTTP evidence from the lab's emulated devices names each maker."""
    from camaudit.lab import LabThread, build_fleet
    from tests.probes.fakes import own_subnet

    mix = {"hikvision-ipc": 1, "dahua-ipc": 1, "axis-ipc": 1}
    fleet = build_fleet(subnet=own_subnet(), seed=7, mix=mix, port_offset=20000)

    async def main():
        c = ctx(timeout=3.0, scope=fleet.subnet)
        return await asyncio.gather(
            *(HttpProbe().run(d.ip, d.ports["http"], c) for d in fleet.devices)
        )

    with LabThread(fleet):
        results = asyncio.run(main())
    for device, result in zip(fleet.devices, results, strict=True):
        assert identify(identifier, result.evidence).manufacturer == device.manufacturer, device
