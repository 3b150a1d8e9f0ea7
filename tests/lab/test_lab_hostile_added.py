"""The hostile behaviours added for issue 15, checked on the lab itself (what a client sees)."""

from __future__ import annotations

import socket
import time
import zlib
from collections.abc import Iterator

import pytest

from camaudit.lab import Fleet, LabDevice, LabSettings, LabThread, build_fleet
from tests.lab import lab_clients as client
from tests.lab.lab_helpers import (
    ADDED_HOSTILE,
    TEST_PORT_OFFSET,
    by_persona,
    request,
    unique_subnet,
)

SETTINGS = LabSettings(hostile_max_seconds=5.0, write_timeout=2.0, hostile_wait_timeout=1.0)
ADDED = ADDED_HOSTILE


@pytest.fixture(scope="module")
def lab() -> Iterator[Fleet]:
    fleet = build_fleet(
        mix=dict.fromkeys(ADDED, 1), subnet=unique_subnet(), seed=15, port_offset=TEST_PORT_OFFSET
    )
    with LabThread(fleet, settings=SETTINGS) as running:
        assert running.server.unserved == []
        yield fleet


def _read(device: LabDevice, key: str, send: bytes, cap: int = 1 << 20) -> bytes:
    data = b""
    with socket.create_connection((device.ip, device.ports[key]), timeout=2) as sock:
        sock.sendall(send)
        try:
            while len(data) < cap and (chunk := sock.recv(65536)):
                data += chunk
        except (TimeoutError, ConnectionResetError):
            pass
    return data


def test_compression_bombs_are_small_on_the_wire_and_huge_decoded(lab: Fleet) -> None:
    device = by_persona(lab, "hostile-encoding-bomb")
    status, headers, body = request(device, "/")
    assert status == 200 and headers["Content-Encoding"] == "gzip"
    assert len(body) < 200_000
    inflater = zlib.decompressobj(31)
    head = inflater.decompress(body, 1 << 20)  # read a bounded part only
    assert head == b"\x00" * (1 << 20) and inflater.unconsumed_tail  # far more remains
    status, headers, body = request(device, "/ISAPI/System/deviceInfo")
    assert headers["Content-Encoding"] == "deflate" and zlib.decompressobj().decompress(body, 9)


def test_absurd_chunk_sizes(lab: Fleet) -> None:
    device = by_persona(lab, "hostile-chunked")
    data = _read(device, "http", b"GET / HTTP/1.1\r\n\r\n", cap=200_000)
    assert b"\r\n100000000000000000000\r\n" in data and len(data) >= 200_000
    data = _read(device, "http_alt", b"GET / HTTP/1.1\r\n\r\n", cap=100_000)
    assert data.endswith(b"ffff") and data.count(b"\r\n") == 3  # the size line never ends


def test_endless_interim_responses(lab: Fleet) -> None:
    device = by_persona(lab, "hostile-continue")
    data = _read(device, "http", b"GET / HTTP/1.1\r\n\r\n", cap=100_000)
    assert data.count(b"HTTP/1.1 100 Continue\r\n\r\n") > 1000
    assert b"200" not in data.replace(b"100", b"")


def test_redirects_point_out_of_scope(lab: Fleet) -> None:
    device = by_persona(lab, "hostile-redirect")
    status, headers, _ = request(device, "/")
    assert status == 302 and headers["Location"].startswith("http://127.254.254.1/")


def test_deaf_listener_never_reads(lab: Fleet) -> None:
    device = by_persona(lab, "hostile-deaf")
    with socket.create_connection((device.ip, device.ports["http"]), timeout=1) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 65536)
        start = time.monotonic()
        with pytest.raises(TimeoutError):
            sock.sendall(b"x" * (64 << 20))  # the buffers fill, then the write stalls
        assert time.monotonic() - start < 10


def test_slow_tls_handshake_drips(lab: Fleet) -> None:
    device = by_persona(lab, "hostile-tls-slow")
    with socket.create_connection((device.ip, device.ports["https"]), timeout=3) as sock:
        sock.sendall(b"\x16\x03\x01\x00\x05hello")
        start = time.monotonic()
        first = sock.recv(4096)
        more = sock.recv(4096)
        assert first[:1] == b"\x16" and len(first) + len(more) <= 80  # 40 bytes a second
        assert time.monotonic() - start > 0.2


def test_bad_text_is_served_as_bytes(lab: Fleet) -> None:
    device = by_persona(lab, "hostile-bad-text")
    data = _read(device, "http_alt", b"GET / HTTP/1.1\r\n\r\n")
    assert b"\xff\xfe" in data and b"\xed\xa0\x80" in data
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")


def test_discovery_replies_come_from_out_of_scope(lab: Fleet) -> None:
    device = by_persona(lab, "hostile-discovery-spoof")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(2)
        sock.bind(("127.0.0.1", 0))
        sock.sendto(client.sadp_inquiry(), (device.ip, device.ports["sadp"]))
        data, source = sock.recvfrom(4096)
    assert source[0] == "127.254.254.3" and b"<ProbeMatch>" in data
    replies = client.udp_all(device.ip, device.ports["wsd"], client.wsd_probe())
    assert replies and all(b"http://127.254.254.1" in r for r in replies)
