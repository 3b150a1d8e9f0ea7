"""Server robustness and lifecycle: hostile input, timeouts, bind errors, shutdown, signals."""

from __future__ import annotations

import asyncio
import signal
import socket
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from camaudit.errors import LabError
from camaudit.lab import LabServer, LabSettings, LabThread, build_fleet, detect_port_offset
from camaudit.lab.digest import authorization_header, parse_authorization
from camaudit.lab.fleet import LabDevice
from tests.lab.lab_helpers import TEST_PORT_OFFSET, by_persona, request, unique_subnet


@pytest.fixture(scope="module")
def strict_lab() -> Iterator[LabDevice]:
    """An Axis camera (keep-alive server) with short timeouts."""
    fleet = build_fleet(
        subnet=unique_subnet(), mix={"axis-ipc": 1}, port_offset=TEST_PORT_OFFSET, seed=3
    )
    settings = LabSettings(http_head_timeout=0.5, http_idle_timeout=0.5, http_max_body=1024)
    with LabThread(fleet, settings=settings):
        yield fleet.devices[0]


def _raw(device: LabDevice, payload: bytes, *, read_all: bool = True) -> bytes:
    with socket.create_connection((device.ip, device.ports["http"]), timeout=10) as sock:
        sock.sendall(payload)
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            chunks.append(chunk)
            if not read_all:
                break
        return b"".join(chunks)


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        (b"GARBAGE\r\n\r\n", b"400"),
        (b"\x00\xff\x16\x03\x01binary junk\r\n\r\n", b"400"),
        (b"GET / HTTP/1.1\r\nHost x\r\n\r\n", b"400"),
        (b"GET / HTTP/2.0\r\n\r\n", b"505"),
        (b"GET / HTTP/1.1\r\n folded: header\r\n\r\n", b"400"),
        (b"GET nopath HTTP/1.1\r\n\r\n", b"400"),
        (b"POST / HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n", b"413"),
        (b"POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello", b"400"),
        (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", b"501"),
        (b"GET / HTTP/1.1\r\n" + b"X-Big: " + b"a" * 40000 + b"\r\n\r\n", b"431"),
        (b"GET / HTTP/1.1\r\n" + b"X-H: 1\r\n" * 150 + b"\r\n", b"431"),
    ],
)
def test_bad_requests_get_an_error_and_server_survives(
    strict_lab: LabDevice, payload: bytes, status: bytes
) -> None:
    answer = _raw(strict_lab, payload)
    assert answer.startswith(b"HTTP/1.1 " + status + b" "), answer[:100]
    assert b"Connection: close" in answer
    assert request(strict_lab, "/index.html")[0] == 200


def test_silent_and_slow_clients_are_dropped(strict_lab: LabDevice) -> None:
    # No sleep: the server's own 0.5 s head timeout closes the socket and recv() returns b"".
    assert _raw(strict_lab, b"") == b""
    assert _raw(strict_lab, b"GET / HTTP/1.1\r\nHost: x\r\n") == b""
    assert request(strict_lab, "/index.html")[0] == 200


def test_client_vanishing_mid_request(strict_lab: LabDevice) -> None:
    for _ in range(20):
        sock = socket.create_connection((strict_lab.ip, strict_lab.ports["http"]), timeout=5)
        sock.sendall(b"GET /index.html HTTP/1.1\r\nHo")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        sock.close()  # RST
    assert request(strict_lab, "/index.html")[0] == 200


def test_pipelined_requests(strict_lab: LabDevice) -> None:
    two = b"GET /index.html HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
    answer = _raw(strict_lab, two)
    assert answer.count(b"HTTP/1.1 200 ") == 1 and answer.count(b"HTTP/1.1 302 ") == 1


def test_body_over_limit_and_under(strict_lab: LabDevice) -> None:
    body = b'{"apiVersion":"1.0","method":"getAllUnrestrictedProperties"}'
    status, _, _ = request(strict_lab, "/axis-cgi/basicdeviceinfo.cgi", "POST", body)
    assert status in (200, 401)  # 401: AXIS OS before 8.40 has no anonymous basicdeviceinfo
    status, _, _ = request(strict_lab, "/axis-cgi/basicdeviceinfo.cgi", "POST", b"x" * 2000)
    assert status == 413


def test_second_lab_on_same_addresses_fails_cleanly() -> None:
    fleet = build_fleet(devices=3, subnet=unique_subnet(), port_offset=TEST_PORT_OFFSET)
    with LabThread(fleet) as lab:
        assert len(lab.endpoints) == sum(len(d.ports) for d in fleet.devices)
        with pytest.raises(LabError, match="already in use"), LabThread(fleet):
            pass
        assert request(fleet.devices[0], "/")[0] == 200  # the first lab is unharmed


def test_privileged_port_error_message_for_non_root() -> None:
    subnet = unique_subnet()
    if detect_port_offset(subnet.replace(".0/24", ".10"), 80) == 0:
        pytest.skip("this process may bind privileged ports")
    fleet = build_fleet(devices=1, subnet=subnet, port_offset=0)
    with pytest.raises(LabError, match="port offset"), LabThread(fleet):
        pass


def test_labserver_async_start_stop_releases_ports() -> None:
    fleet = build_fleet(devices=6, subnet=unique_subnet(), port_offset=TEST_PORT_OFFSET)

    async def scenario() -> None:
        axis = by_persona(fleet, "axis-ipc")  # a keep-alive persona
        for _ in range(2):  # the second round proves every socket was released
            async with LabServer(fleet) as lab:
                assert sorted(lab.endpoints) == sorted(
                    (d.ip, port, proto) for d in fleet.devices for proto, port in d.ports.items()
                )
                reader, writer = await asyncio.open_connection(axis.ip, axis.ports["http"])
                writer.write(b"GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n")
                await writer.drain()
                head = await reader.readuntil(b"\r\n\r\n")
                assert head.startswith(b"HTTP/1.1 200") and b"Connection: keep-alive" in head
                length = int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0])
                await reader.readexactly(length)
                # Leave this keep-alive connection open: stop() must end it.
            assert lab.endpoints == []
            assert await reader.read() == b""
            writer.close()

    asyncio.run(scenario())


def test_labserver_refuses_non_loopback_device() -> None:
    fleet = build_fleet(devices=1, subnet=unique_subnet(), port_offset=TEST_PORT_OFFSET)
    fleet.devices[0].ip = "10.1.2.3"

    async def scenario() -> None:
        with pytest.raises(LabError, match=r"outside 127\.0\.0\.0/8"):
            async with LabServer(fleet):
                pass

    asyncio.run(scenario())


def test_run_forever_serves_until_sigterm(tmp_path: Path) -> None:
    subnet = unique_subnet()
    truth = tmp_path / "truth.json"
    src = Path(__file__).resolve().parents[2] / "src"
    script = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(src)!r})
        from camaudit.lab import build_fleet, run_forever
        fleet = build_fleet(devices=3, subnet={subnet!r}, port_offset={TEST_PORT_OFFSET})
        run_forever(fleet, {str(truth)!r}, on_ready=lambda lab: print("READY", flush=True))
        print("STOPPED", flush=True)
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "READY"  # blocks until bound: no sleep
        assert truth.exists()
        fleet = build_fleet(devices=3, subnet=subnet, port_offset=TEST_PORT_OFFSET)
        assert request(by_persona(fleet, "axis-ipc"), "/")[0] == 302
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert out.strip() == "STOPPED"


def test_stale_nonce_is_reported_stale() -> None:
    fleet = build_fleet(
        subnet=unique_subnet(), mix={"hikvision-ipc": 1}, port_offset=TEST_PORT_OFFSET
    )
    # Every nonce is older than 1 ns by the time it comes back: always stale, never a race.
    with LabThread(fleet, settings=LabSettings(nonce_lifetime=1e-9)):
        device = fleet.devices[0]
        path = "/ISAPI/System/deviceInfo"
        _, headers, _ = request(device, path)
        _, challenge = parse_authorization(headers["WWW-Authenticate"])
        assert isinstance(challenge, dict) and challenge["stale"] == "FALSE"
        header = authorization_header(
            challenge, method="GET", uri=path, username="admin", password=device.password
        )
        status, headers, _ = request(device, path, headers={"Authorization": header})
        assert status == 401
        assert 'stale="TRUE"' in headers["WWW-Authenticate"]
