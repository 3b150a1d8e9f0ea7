"""Fuzz harnesses for the scanner's own readers of device bytes: the HTTP and RTSP response
reader (the bounded asyncio reader and the parser behind it, chunked decoding, same-host
redirects), the ONVIF SOAP clock and XAddrs readers, WS-Discovery XAddrs, SSDP answers, DHIP
frames, DNS/mDNS messages, raw TLS flights (the first certificate), Telnet negotiation and
``WWW-Authenticate`` challenges. Each is fed the bytes a device could send; identification and
the importers have their harnesses in :mod:`bench.fuzz`.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable

from camaudit.lab import dns_message as dm
from camaudit.net.digest import choose_digest, parse_challenges
from camaudit.probes.banner import TelnetFilter
from camaudit.probes.dhip import build_frame, parse_frame
from camaudit.probes.dnswire import decode_message
from camaudit.probes.http import _same_host_redirect
from camaudit.probes.http_request import classify, dechunk, read_message
from camaudit.probes.mdns import Findings
from camaudit.probes.onvif import device_utc, xaddr_paths
from camaudit.probes.ssdp import parse_response, same_host_location
from camaudit.probes.tls_raw import first_certificate, handshake_bytes
from camaudit.probes.wsd import xaddrs

Harness = tuple[str, Callable[[bytes], object], list[bytes]]
IP = "127.0.0.5"
MAX_READ = 256 * 1024

HTTP_SEEDS = [
    b"HTTP/1.1 200 OK\r\nServer: App-webs/\r\nContent-Type: text/html\r\nContent-Length: 44\r\n"
    b"\r\n<html><head><title>login</title></head></html>",
    b'HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Digest realm="IP Camera(C1234)", '
    b'qop="auth", nonce="4e6a51", opaque="", algorithm=MD5, stale=FALSE\r\n'
    b'WWW-Authenticate: Basic realm="x"\r\nContent-Length: 0\r\n\r\n',
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;x=1\r\n world\r\n"
    b"0\r\n\r\n",
    b"HTTP/1.0 302 Found\r\nLocation: http://127.0.0.5:8080/doc/page/login.asp\r\n\r\n",
    b"HTTP/1.1 301 Moved\r\nLocation: https://203.0.113.9/evil\r\nContent-Length: 0\r\n\r\n",
    b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
    b"HTTP/1.1 200 OK\nServer: lighttpd\n\nbare LF head",
    b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 20\r\n\r\n\x1f\x8b\x08\x00"
    b"\x00\x00\x00\x00\x00\x03\x03\x00\x00\x00\x00\x00\x00\x00\x00\x00",
]
RTSP_SEEDS = [
    b"RTSP/1.0 200 OK\r\nCSeq: 1\r\nServer: Rtsp Server/3.0\r\n"
    b"Public: OPTIONS, DESCRIBE, SETUP, TEARDOWN, PLAY\r\n\r\n",
    b'RTSP/1.0 401 Unauthorized\r\nCSeq: 2\r\nWWW-Authenticate: Digest realm="IP Camera", '
    b'nonce="abc"\r\n\r\n',
    b"RTSP/1.0 200 OK\r\nCSeq: 3\r\nContent-Type: application/sdp\r\nContent-Length: 30\r\n"
    b"\r\nv=0\r\ns=Media Presentation\r\nt=0 0\r\n",
]
SOAP_SEEDS = [
    b'<?xml version="1.0"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
    b'xmlns:tt="http://www.onvif.org/ver10/schema"><s:Body><tds:GetSystemDateAndTimeResponse>'
    b"<tds:SystemDateAndTime><tt:UTCDateTime><tt:Time><tt:Hour>12</tt:Hour><tt:Minute>3"
    b"</tt:Minute><tt:Second>60</tt:Second></tt:Time><tt:Date><tt:Year>2026</tt:Year>"
    b"<tt:Month>12</tt:Month><tt:Day>6</tt:Day></tt:Date></tt:UTCDateTime>"
    b"</tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse></s:Body></s:Envelope>",
]
WSD_SEEDS = [
    b'<?xml version="1.0"?><e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope" '
    b'xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery"><e:Body><d:ProbeMatches>'
    b"<d:ProbeMatch><d:Types>dn:NetworkVideoTransmitter</d:Types><d:XAddrs>"
    b"http://127.0.0.5:80/onvif/device_service http://198.51.100.7/onvif/device_service"
    b" http://[::1]:8899/x</d:XAddrs></d:ProbeMatch></d:ProbeMatches></e:Body></e:Envelope>",
]
SSDP_SEEDS = [
    b"HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=1800\r\nST: upnp:rootdevice\r\n"
    b"LOCATION: http://127.0.0.5:49152/rootDesc.xml\r\nSERVER: Linux/3.0 UPnP/1.0 IpCam/1.0\r\n"
    b"USN: uuid:1234::upnp:rootdevice\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nLOCATION: http://192.0.2.1:80/desc.xml\r\n\r\n",
]


def _dhip_seeds() -> list[bytes]:
    body = {
        "mac": "3c:ef:8c:01:02:03",
        "method": "client.notifyDevInfo",
        "params": {"deviceInfo": {"DeviceType": "IPC-HDW2431T", "Vendor": "Dahua"}},
    }
    return [build_frame(json.dumps(body).encode()), build_frame(b"{}", 7, 9)]


def _mdns_seeds() -> list[bytes]:
    records = [
        dm.ptr_record("_services._dns-sd._udp.local", "_http._tcp.local", 120),
        dm.ptr_record("_http._tcp.local", "cam._http._tcp.local", 120),
        dm.srv_record("cam._http._tcp.local", "cam.local", 80, 120),
        dm.txt_record("cam._http._tcp.local", ["model=DS-2CD", "vendor=HIK"], 120),
        dm.a_record("cam.local", IP, 120),
    ]
    message = dm.Message(id=0, flags=0x8400, answers=tuple(records))
    return [dm.encode_message(message)]


def _tls_seeds() -> list[bytes]:
    from tests.importers import capture_builder as cb

    return [cb.tls12_server_flight(cb.self_signed_der("IPC", "Hikvision"))]


class _Reader:
    """The probes' bounded response reader over a stream that holds ``data`` then EOF."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()

    async def _read(self, data: bytes) -> tuple[bytes, bool, bool]:
        reader = asyncio.StreamReader(limit=MAX_READ)
        reader.feed_data(data)
        reader.feed_eof()
        return await read_message(reader, deadline=time.monotonic() + 2.0, max_bytes=MAX_READ)

    def __call__(self, data: bytes) -> object:
        raw, truncated, _complete = self.loop.run_until_complete(self._read(data))
        out = classify(raw, truncated)
        if out.response is not None:
            values = [v for k, v in out.response.headers if k == "www-authenticate"]
            choose_digest(parse_challenges(values))
        return _same_host_redirect(data, IP, 80, False), dechunk(data)


def _soap(data: bytes) -> object:
    return device_utc(data), xaddr_paths(xaddrs(data), IP, 80)


def _ssdp(data: bytes) -> object:
    found = parse_response(data)
    if found is None:
        return None
    return [same_host_location(v, IP) for v in found.headers.values()]


def _mdns(data: bytes) -> object:
    msg = decode_message(data)
    if msg is None:
        return None
    findings = Findings()
    findings.add(msg)
    findings.follow_up(set())
    return findings.records()


def _tls(data: bytes) -> object:
    return first_certificate(handshake_bytes(data)), first_certificate(data)


def _telnet(data: bytes) -> object:
    telnet = TelnetFilter()
    half = len(data) // 2
    return telnet.feed(data[:half]) + telnet.feed(data[half:]), bytes(telnet.text)


def _challenges(data: bytes) -> object:
    values = data.decode("latin-1").split("\n")
    return choose_digest(parse_challenges(values))


def probe_harnesses(corpus: dict[str, list[bytes]]) -> list[Harness]:
    """(name, run, seeds) of every scanner-side reader; ``corpus``: shared items by kind."""
    reader = _Reader()
    auth = [line for seed in HTTP_SEEDS + RTSP_SEEDS for line in seed.split(b"\r\n")]
    return [
        ("probe:http_response", reader, HTTP_SEEDS + corpus.get("http", [])),
        ("probe:rtsp_response", reader, RTSP_SEEDS + corpus.get("rtsp", [])),
        ("probe:onvif_soap", _soap, SOAP_SEEDS + corpus.get("onvif_devinfo", [])),
        ("probe:wsd_xaddrs", _soap, WSD_SEEDS + corpus.get("wsd_probematch", [])),
        ("probe:ssdp", _ssdp, SSDP_SEEDS),
        ("probe:dhip_frame", parse_frame, _dhip_seeds() + corpus.get("dhip", [])),
        ("probe:mdns_message", _mdns, _mdns_seeds()),
        ("probe:tls_flight", _tls, _tls_seeds()),
        ("probe:telnet", _telnet, [b"\xff\xfd\x18\xff\xfb\x01login: ", *corpus.get("banner", [])]),
        ("probe:www_authenticate", _challenges, [a for a in auth if b"realm" in a]),
    ]
