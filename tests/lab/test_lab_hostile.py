"""Hostile personas behave as specified: each check is bounded by short client timeouts."""

from __future__ import annotations

import socket
import ssl
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from cryptography import x509
from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from camaudit.lab import Fleet, LabDevice, LabSettings, LabThread, build_fleet
from camaudit.lab.onvif_soap import parse_xml
from tests.lab import lab_clients as client
from tests.lab.lab_helpers import TEST_PORT_OFFSET, by_persona, hostile_fleet, unique_subnet

SETTINGS = LabSettings(hostile_max_seconds=5.0, write_timeout=2.0, hostile_wait_timeout=1.0)
GET = b"GET / HTTP/1.1\r\nHost: lab\r\n\r\n"


@dataclass
class Outcome:
    data: bytes
    ended: str  # "eof", "timeout", "reset" or "cap" (stopped reading at max_bytes)
    elapsed: float


def exchange(
    device: LabDevice,
    key: str,
    send: bytes = GET,
    *,
    max_bytes: int = 1 << 20,
    timeout: float = 2.0,
    deadline: float = 10.0,
) -> Outcome:
    """Connect to port ``key``, send ``send``, read until EOF, reset, ``max_bytes``, a gap of
    ``timeout`` or ``deadline`` seconds in all."""
    start = time.monotonic()
    data = b""
    try:
        sock = socket.create_connection((device.ip, device.ports[key]), timeout=timeout)
    except ConnectionResetError:  # a reset may already arrive while connect() completes
        return Outcome(data, "reset", time.monotonic() - start)
    with sock:
        try:
            if send:
                sock.sendall(send)
            while len(data) < max_bytes:
                if time.monotonic() - start > deadline:
                    return Outcome(data, "timeout", time.monotonic() - start)
                chunk = sock.recv(min(1 << 16, max_bytes - len(data)))
                if not chunk:
                    return Outcome(data, "eof", time.monotonic() - start)
                data += chunk
        except TimeoutError:
            return Outcome(data, "timeout", time.monotonic() - start)
        except ConnectionResetError:
            return Outcome(data, "reset", time.monotonic() - start)
    return Outcome(data, "cap", time.monotonic() - start)


@pytest.fixture(scope="module")
def hostile() -> Iterator[tuple[Fleet, LabThread]]:
    fleet = hostile_fleet(unique_subnet())
    with LabThread(fleet, settings=SETTINGS) as lab:
        assert lab.server.unserved == []
        yield fleet, lab


def _device(hostile: tuple[Fleet, LabThread], persona: str) -> LabDevice:
    return by_persona(hostile[0], persona)


def test_tarpit_accepts_and_never_answers(hostile: tuple[Fleet, LabThread]) -> None:
    device = _device(hostile, "hostile-tarpit")
    for key in ("http", "https", "rtsp", "ftp", "telnet", "http_alt", "https_alt"):
        outcome = exchange(device, key, timeout=0.3)
        assert (outcome.ended, outcome.data) == ("timeout", b""), key
    for key, probe in (("wsd", client.wsd_probe()), ("sadp", client.sadp_inquiry())):
        assert client.udp_query(device.ip, device.ports[key], probe, timeout=0.3) is None


def test_slow_drip_sends_one_byte_per_second(hostile: tuple[Fleet, LabThread]) -> None:
    device = _device(hostile, "hostile-slow-drip")
    outcome = exchange(device, "http", timeout=3.0, deadline=2.2)
    assert outcome.ended == "timeout"
    assert 2 <= len(outcome.data) <= 4  # one now, then one a second
    assert b"HTTP/1.1 200 OK\r\n".startswith(outcome.data)


def test_endless_body_never_ends(hostile: tuple[Fleet, LabThread]) -> None:
    device = _device(hostile, "hostile-endless-body")
    plain = exchange(device, "http", max_bytes=2 << 20)
    assert plain.ended == "cap" and plain.elapsed < 5
    head, _, body = plain.data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK") and b"Content-Length" not in head
    assert body.count(b"<p>and on and on and on</p>") > 60_000
    huge = exchange(device, "http_alt", max_bytes=1 << 20)
    assert huge.ended == "cap" and b"Content-Length: 1099511627776\r\n" in huge.data
    chunked = exchange(device, "onvif", max_bytes=1 << 18)
    head, _, body = chunked.data.partition(b"\r\n\r\n")
    assert b"Transfer-Encoding: chunked" in head and chunked.ended == "cap"
    size, _, rest = body.partition(b"\r\n")
    assert int(size, 16) == 18 and rest.startswith(b"<pad>endless</pad>\r\n12\r\n")
    rtsp = exchange(device, "rtsp", b"DESCRIBE rtsp://x/ RTSP/1.0\r\nCSeq: 1\r\n\r\n")
    assert rtsp.ended == "cap" and rtsp.data.startswith(b"RTSP/1.0 200 OK\r\n")


def test_ten_megabytes_of_headers_and_a_line_that_never_ends(
    hostile: tuple[Fleet, LabThread],
) -> None:
    device = _device(hostile, "hostile-huge-header")
    huge = exchange(device, "http", max_bytes=12 << 20)
    assert huge.ended == "eof" and len(huge.data) == 10 * 1024 * 1024
    assert b"\r\n\r\n" not in huge.data and huge.data.count(b"\r\nX-Padding: ") > 90_000
    for key, request in (("http_alt", GET), ("rtsp", b"OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n")):
        line = exchange(device, key, request, max_bytes=1 << 20)
        assert line.ended == "cap"
        start = line.data.index(b"X-Never-Ends: ")
        assert b"\n" not in line.data[start:] and len(line.data) - start > 1_000_000


def test_reset_on_connect(hostile: tuple[Fleet, LabThread]) -> None:
    device = _device(hostile, "hostile-reset")
    for key in device.ports:
        outcome = exchange(device, key, b"", timeout=2.0)
        assert (outcome.ended, outcome.data) == ("reset", b""), key


def test_wrong_protocol_on_a_port(hostile: tuple[Fleet, LabThread]) -> None:
    device = _device(hostile, "hostile-wrong-protocol")
    ssh = exchange(device, "http", b"", timeout=0.5)
    assert ssh.data == b"SSH-2.0-OpenSSH_9.2p1\r\n" and ssh.ended == "timeout"
    http = exchange(device, "rtsp", b"OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n")
    assert http.ended == "eof" and http.data.startswith(b"HTTP/1.1 200 OK\r\n")
    junk = exchange(device, "https", b"")  # before any ClientHello
    assert junk.ended == "eof" and len(junk.data) == 4096
    rtsp = exchange(device, "http_alt")
    assert rtsp.data.startswith(b"RTSP/1.0 200 OK\r\n")


def _get(device: LabDevice, path: str) -> bytes:
    request = f"GET {path} HTTP/1.1\r\nHost: lab\r\nConnection: close\r\n\r\n".encode()
    outcome = exchange(device, "http", request)
    assert outcome.ended == "eof"
    head, _, body = outcome.data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK")
    return body


def _onvif(device: LabDevice) -> bytes:
    envelope = (
        f'<s:Envelope xmlns:s="{client.SOAP12}"><s:Body>'
        '<GetDeviceInformation xmlns="http://www.onvif.org/ver10/device/wsdl"/>'
        "</s:Body></s:Envelope>"
    ).encode()
    request = (
        "POST /onvif/device_service HTTP/1.1\r\nHost: lab\r\nConnection: close\r\n"
        f"Content-Type: application/soap+xml\r\nContent-Length: {len(envelope)}\r\n\r\n"
    ).encode()
    outcome = exchange(device, "http", request + envelope)
    head, _, body = outcome.data.partition(b"\r\n\r\n")
    assert outcome.ended == "eof" and head.startswith(b"HTTP/1.1 200 OK")
    return body


def test_xxe_documents_and_canary(hostile: tuple[Fleet, LabThread]) -> None:
    fleet, lab = hostile
    device = by_persona(fleet, "hostile-xxe")
    canary = f"http://{device.ip}:{device.ports['http']}/xxe-canary".encode()
    for body in (_onvif(device), _get(device, "/ISAPI/System/deviceInfo")):
        assert b'SYSTEM "file:///etc/passwd"' in body and canary in body
        with pytest.raises(DefusedXmlException):
            SafeET.fromstring(body)
        assert parse_xml(body) is None
    answer = client.udp_query(device.ip, device.ports["wsd"], client.wsd_probe())
    assert answer is not None and b"<!ENTITY passwd SYSTEM" in answer and canary in answer
    assert client.udp_query(device.ip, device.ports["wsd"], b"hello", timeout=0.3) is None
    events = lab.server.resources.events
    key = f"xxe-fetch {device.ip}"
    before = events[key]
    assert _get(device, "/xxe-canary?from=test") == b"camaudit-lab-xxe-canary\n"
    assert events[key] == before + 1  # so a client that resolves the entity is caught


def test_xml_bombs(hostile: tuple[Fleet, LabThread]) -> None:
    device = _device(hostile, "hostile-xml-bomb")
    laughs = _onvif(device)
    assert laughs.count(b"<!ENTITY l") == 10 and len(laughs) < 2000
    with pytest.raises(DefusedXmlException):
        SafeET.fromstring(laughs)
    quadratic = _get(device, "/")
    assert len(quadratic) < 100_000 and quadratic.count(b"&a;") == 10_000
    with pytest.raises(DefusedXmlException):
        SafeET.fromstring(quadratic)
    deep = _get(device, "/ISAPI/System/deviceInfo")
    assert deep.count(b"<DeviceInfo>") == 8000 == deep.count(b"</DeviceInfo>")
    assert parse_xml(deep) is None  # the lab's own parser refuses the depth
    answer = client.udp_query(device.ip, device.ports["wsd"], client.wsd_probe())
    assert answer is not None and b'<!ENTITY l9 "&l8;' in answer


def test_malformed_xml(hostile: tuple[Fleet, LabThread]) -> None:
    device = _device(hostile, "hostile-xml-broken")
    onvif = _onvif(device)
    isapi = _get(device, "/ISAPI/System/deviceInfo")
    with pytest.raises(UnicodeDecodeError):
        isapi.decode("utf-8")
    assert b"\x00" in isapi and b"<![CDATA[" in isapi
    for body in (onvif, isapi):
        with pytest.raises(SafeET.ParseError):
            SafeET.fromstring(body)
    assert _get(device, "/").startswith(b"<html><head><title>Device <b>")
    answer = client.udp_query(device.ip, device.ports["wsd"], client.wsd_probe())
    assert answer is not None and parse_xml(answer) is None and b"ProbeMatch>" in answer


def _handshake(device: LabDevice, key: str) -> tuple[bytes, bytes]:
    """(certificate DER, the first answer to a request) over TLS without verification."""
    with (
        socket.create_connection((device.ip, device.ports[key]), timeout=5) as raw,
        client.insecure_context().wrap_socket(raw) as tls,
    ):
        der = tls.getpeercert(binary_form=True) or b""
        tls.sendall(GET)
        return der, tls.recv(4096)


def test_broken_tls_handshakes(hostile: tuple[Fleet, LabThread]) -> None:
    device = _device(hostile, "hostile-tls-broken")
    with pytest.raises(ssl.SSLError):
        _handshake(device, "https")
    with pytest.raises((ConnectionResetError, ssl.SSLError)):
        _handshake(device, "https_alt")


def test_absurd_certificates(hostile: tuple[Fleet, LabThread]) -> None:
    device = _device(hostile, "hostile-tls-cert")
    der, answer = _handshake(device, "https")
    assert answer.startswith(b"HTTP/1.1 200 OK\r\n")
    cert = x509.load_der_x509_certificate(der)
    assert len(der) > 60_000 and cert.serial_number == (1 << 159) - 1
    assert cert.not_valid_before_utc.year == 1950 and cert.not_valid_after_utc.year == 9999
    sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert len(sans.get_values_for_type(x509.DNSName)) == 300
    assert any(
        ext.critical and ext.oid.dotted_string.startswith("1.3.6.1.4.1.32473")
        for ext in cert.extensions
    )
    der, _ = _handshake(device, "https_alt")
    cert = x509.load_der_x509_certificate(der)
    assert cert.not_valid_after_utc.year == 1950
    common_name = cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value
    assert common_name == "<script>alert(1)</script>\x00%s%n"


def test_udp_flood_is_bounded_and_rate_limited(hostile: tuple[Fleet, LabThread]) -> None:
    device = _device(hostile, "hostile-udp-flood")
    for key, probe in (("wsd", client.wsd_probe()), ("dhip", client.dhip_search())):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
            sock.bind(("127.0.0.1", 0))
            sock.settimeout(0.5)
            start = time.monotonic()
            for _ in range(3):  # a flood in progress ignores further probes
                sock.sendto(probe, (device.ip, device.ports[key]))
            count, last = 0, start
            while True:
                try:
                    sock.recvfrom(65535)
                except TimeoutError:
                    break
                count, last = count + 1, time.monotonic()
        assert 500 <= count <= 1000, (key, count)  # 1000 sent; a busy receiver may drop some
        assert last - start >= 0.4, key  # 2,000 datagrams a second at most
    assert client.udp_query(device.ip, device.ports["sadp"], b"no trigger", timeout=0.3) is None


def test_hostile_connections_are_capped_in_number_and_time() -> None:
    fleet = build_fleet(
        subnet=unique_subnet(), mix={"hostile-tarpit": 1}, port_offset=TEST_PORT_OFFSET
    )
    settings = LabSettings(hostile_max_seconds=0.5, hostile_max_connections=2)
    device = fleet.devices[0]
    with LabThread(fleet, settings=settings) as lab:
        held = [socket.create_connection((device.ip, device.ports["http"]), timeout=3)]
        held.append(socket.create_connection((device.ip, device.ports["http"]), timeout=3))
        try:
            extra = exchange(device, "http", b"", timeout=3)
            assert extra.data == b"" and extra.ended in ("eof", "reset")  # over the cap
            start = time.monotonic()
            assert held[0].recv(10) == b""  # the time cap closes the tarpit
            assert time.monotonic() - start < 2
        finally:
            for sock in held:
                sock.close()
        assert lab.server.connections <= 2


def test_lab_stops_promptly_while_hostile_connections_hang() -> None:
    fleet = build_fleet(
        subnet=unique_subnet(),
        mix={"hostile-tarpit": 1, "hostile-slow-drip": 1, "hostile-endless-body": 1},
        port_offset=TEST_PORT_OFFSET,
    )
    lab = LabThread(fleet)  # default 120 s connection cap
    lab.start()
    sockets = [socket.create_connection((d.ip, d.ports["http"]), timeout=5) for d in fleet.devices]
    try:
        for sock in sockets:
            sock.sendall(GET)  # the endless body now fills the buffers; nobody reads
        start = time.monotonic()
        lab.stop()
        assert time.monotonic() - start < 10
        for device, sock in zip(fleet.devices, sockets, strict=True):
            try:
                ended = _until_closed(sock)
            except TimeoutError:
                ended = f"timeout {device.persona}"
            assert ended in ("eof", "reset"), ended
    finally:
        for sock in sockets:
            sock.close()


def _until_closed(sock: socket.socket, timeout: float = 5.0) -> str:
    """Read until the peer closes: "eof" or "reset" (a TimeoutError if it never does)."""
    sock.settimeout(timeout)
    try:
        while sock.recv(1 << 16):
            pass
    except ConnectionResetError:
        return "reset"
    return "eof"
