"""FTP and telnet greetings: vendor banners, bounded dialogues, polite closes."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from camaudit.lab import Fleet, LabDevice, LabSettings, LabThread, build_fleet
from tests.lab.lab_helpers import TEST_PORT_OFFSET, by_persona, unique_subnet

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "raw"


@pytest.fixture(scope="module")
def estate() -> Iterator[Fleet]:
    fleet = build_fleet(
        subnet=unique_subnet(),
        mix={"axis-ipc": 1, "bosch-ipc": 1, "vivotek-ipc": 1, "hikvision-dvr": 1},
        seed=4,
        port_offset=TEST_PORT_OFFSET,
    )
    settings = LabSettings(line_timeout=1.0, line_max=256, line_max_commands=8)
    with LabThread(fleet, settings=settings, protocols={"ftp", "telnet"}):
        yield fleet


class Session:
    def __init__(self, device: LabDevice, protocol: str) -> None:
        self.sock = socket.create_connection((device.ip, device.ports[protocol]), timeout=5)
        self.buffer = b""

    def until(self, marker: bytes) -> bytes:
        while marker not in self.buffer:
            chunk = self.sock.recv(4096)
            if not chunk:
                break
            self.buffer += chunk
        head, sep, self.buffer = self.buffer.partition(marker)
        return head + sep

    def send(self, line: bytes) -> None:
        self.sock.sendall(line + b"\r\n")

    def rest(self) -> bytes:
        data = self.buffer
        while chunk := self.sock.recv(4096):
            data += chunk
        return data

    def close(self) -> None:
        self.sock.close()


def test_axis_ftp_greeting_matches_real_banners(estate: Fleet) -> None:
    device = by_persona(estate, "axis-ipc")
    session = Session(device, "ftp")
    greeting = session.until(b"\r\n").decode()
    pattern = r"^220 AXIS (\S+(?: Mk II)?) (PTZ )?Network Camera (\S+) \((\d{4})\) ready\.\r\n$"
    match = re.match(pattern, greeting)
    assert match is not None, greeting
    assert match.group(1) == device.model and match.group(3) == device.firmware
    real = CORPUS / "axis" / "gb_ftp_banner_Q3517.txt"
    if real.exists():  # the corpus banner has the same shape
        assert re.match(
            r"^220 AXIS \S+ [\w ]*Network Camera \S+ \(\d{4}\) ready\.", real.read_text()
        )
    session.close()


def test_ftp_login_dialogue(estate: Fleet) -> None:
    device = by_persona(estate, "axis-ipc")
    session = Session(device, "ftp")
    session.until(b"\r\n")
    session.send(b"SYST")
    assert session.until(b"\r\n").startswith(b"530 ")
    session.send(f"USER {device.username}".encode())
    assert session.until(b"\r\n").startswith(b"331 ")
    session.send(b"PASS wrong")
    assert session.until(b"\r\n") == b"530 Login incorrect.\r\n"
    session.send(f"USER {device.username}".encode())
    session.until(b"\r\n")
    session.send(f"PASS {device.password}".encode())
    assert session.until(b"\r\n").startswith(b"230 ")
    session.send(b"SYST")
    assert session.until(b"\r\n").startswith(b"215 ")
    session.send(b"QUIT")
    assert session.rest() == b"221 Goodbye.\r\n"
    session.close()


def test_ftp_limits(estate: Fleet) -> None:
    device = by_persona(estate, "vivotek-ipc")
    session = Session(device, "ftp")
    assert session.until(b"\r\n") == b"220 Welcome to Network Camera FTP Server\r\n"
    session.send(b"X" * 1000)  # longer than line_max: the server gives up politely
    assert session.rest() == b"421 Timeout.\r\n"
    session.close()
    session = Session(device, "ftp")
    session.until(b"\r\n")
    for _ in range(8):
        session.send(b"NOOP")
    assert session.rest().endswith(b"421 Too many commands.\r\n")
    session.close()
    session = Session(device, "ftp")
    session.until(b"\r\n")
    assert session.rest() == b"421 Timeout.\r\n"  # silent client: 1 s line timeout
    session.close()


def test_bosch_telnet_greeting_and_refusal(estate: Fleet) -> None:
    device = by_persona(estate, "bosch-ipc")
    session = Session(device, "telnet")
    greeting = session.until(b"-> ")
    assert greeting.startswith(b"\xff\xfb\x01\xff\xfb\x03\r\n\r\nWelcome to ")
    assert f"{device.context['product']} {device.ip} from 127.0.0.1\r\n".encode() in greeting
    for _ in range(3):
        session.send(b"service")
        assert session.until(b"Password: ")
        session.send(device.password.encode())  # even the right password: no shell, ever
        assert b"Login incorrect" in session.until(b"incorrect\r\n")
    assert session.rest() == b""
    session.close()


def test_hikvision_recorder_telnet_prompt(estate: Fleet) -> None:
    device = by_persona(estate, "hikvision-dvr")
    session = Session(device, "telnet")
    assert session.until(b"login: ") == b"\r\n192.0.0.64 login: "  # the factory address
    session.send(b"admin")
    session.until(b"Password: ")
    session.send(b"12345")
    assert session.until(b"login: ").endswith(b"Login incorrect\r\n192.0.0.64 login: ")
    session.close()
