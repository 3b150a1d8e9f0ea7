"""``camaudit lab run`` as a user runs it: a thousand devices, the truth file as the ready signal,
answers from devices across the block, Ctrl-C, a clean exit and every socket released."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.lab import lab_clients as client

CAMAUDIT = Path(sys.executable).with_name("camaudit")
OFFSET = 20000


def _subnet() -> str:
    """A /16 of its own (other tests use 127.21-220.x.0/24 blocks)."""
    worker = "".join(ch for ch in os.environ.get("PYTEST_XDIST_WORKER", "gw0") if ch.isdigit())
    return f"127.{240 + int(worker or 0) % 10}.0.0/16"


def _free(ip: str, port: int, kind: int) -> bool:
    with socket.socket(socket.AF_INET, kind) as sock:
        if kind == socket.SOCK_STREAM:  # connections in TIME_WAIT do not count, a listener does
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((ip, port))
        except OSError:
            return False
        return True


@pytest.mark.slow
def test_lab_run_serves_a_thousand_devices_until_ctrl_c(tmp_path: Path) -> None:
    truth = tmp_path / "truth.json"
    command = [str(CAMAUDIT), "lab", "run", "--devices", "1000", "--subnet", _subnet()]
    command += ["--port-offset", str(OFFSET), "--truth", str(truth)]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stderr is not None
        for line in process.stderr:  # "ready" is printed right after the truth is written
            if "lab: ready" in line:
                break
        devices = json.loads(truth.read_text())["devices"]
        assert len(devices) == 1000
        assert all(d["manufacturer"] is not None for d in devices)  # no hostile persona
        for device in (devices[0], devices[499], devices[999]):
            ip, ports = device["ip"], device["ports"]
            answer = client.tcp_exchange(ip, ports["http"], b"GET / HTTP/1.0\r\n\r\n")
            assert answer.startswith(b"HTTP/1."), device["persona"]
            rtsp = b"OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n"
            assert client.tcp_exchange(ip, ports["rtsp"], rtsp).startswith(b"RTSP/1.0 200")
        process.send_signal(signal.SIGINT)
        _, rest = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0 and "Traceback" not in rest
    udp = {"wsd", "sadp", "dhip", "ssdp", "mdns"}
    busy = [
        (d["ip"], port, protocol)
        for d in devices
        for protocol, port in d["ports"].items()
        if not _free(d["ip"], port, socket.SOCK_DGRAM if protocol in udp else socket.SOCK_STREAM)
    ]
    assert busy == []
