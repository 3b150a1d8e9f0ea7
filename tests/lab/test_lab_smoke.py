"""Every well-behaved persona, every port: one device of each answers each protocol it serves
(hostile personas have their own tests, tests/lab/test_lab_hostile.py)."""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator

import pytest

from camaudit.lab import Fleet, LabDevice, LabThread, build_fleet, load_personas
from camaudit.lab.dns_message import parse_message
from tests.lab import lab_clients as client
from tests.lab.lab_helpers import TEST_PORT_OFFSET, request, unique_subnet

PERSONAS = sorted(pid for pid, p in load_personas().items() if p.hostile is None)


def _http(device: LabDevice, port: int) -> None:
    assert request(device, "/")[0] in (200, 302, 401)


def _https(device: LabDevice, port: int) -> None:
    status, _, der = client.https_get(device)
    assert status in (200, 302, 401) and der


def _rtsp(device: LabDevice, port: int) -> None:
    assert client.rtsp(device, "OPTIONS").startswith(b"RTSP/1.0 200 OK\r\n")


def _onvif(device: LabDevice, port: int) -> None:
    assert client.soap(device, "GetSystemDateAndTime")[0] == 200
    header = client.wsse_header(device.username, device.password)
    status, _, body = client.soap(device, "GetDeviceInformation", header=header)
    assert status == 200 and b"GetDeviceInformationResponse" in body


def _wsd(device: LabDevice, port: int) -> None:
    answer = client.udp_query(device.ip, port, client.wsd_probe())
    assert answer is not None and b"ProbeMatches" in answer
    onvif = device.ports["onvif"]
    host = device.ip if onvif == 80 else f"{device.ip}:{onvif}"
    assert f"<d:XAddrs>http://{host}/onvif/device_service<".encode() in answer


def _sadp(device: LabDevice, port: int) -> None:
    answer = client.udp_query(device.ip, port, client.sadp_inquiry())
    assert answer is not None and device.mac.replace(":", "-").encode() in answer


def _dhip(device: LabDevice, port: int) -> None:
    answer = client.udp_query(device.ip, port, client.dhip_search())
    assert answer is not None and b"client.notifyDevInfo" in answer
    assert struct.unpack_from("<I", answer, 16)[0] == len(answer) - 32


def _ssdp(device: LabDevice, port: int) -> None:
    answer = client.udp_query(device.ip, port, client.msearch("upnp:rootdevice"))
    assert answer is not None and answer.startswith(b"HTTP/1.1 200 OK\r\n")


def _mdns(device: LabDevice, port: int) -> None:
    answer = client.udp_query(device.ip, port, client.mdns_query("_services._dns-sd._udp.local"))
    assert answer is not None and parse_message(answer).answers


def _ftp(device: LabDevice, port: int) -> None:
    assert client.tcp_exchange(device.ip, port, read_first=True).startswith(b"220 ")


def _telnet(device: LabDevice, port: int) -> None:
    assert client.tcp_exchange(device.ip, port, read_first=True)


CHECKS: dict[str, Callable[[LabDevice, int], None]] = {
    "http": _http,
    "https": _https,
    "rtsp": _rtsp,
    "onvif": _onvif,
    "wsd": _wsd,
    "sadp": _sadp,
    "dhip": _dhip,
    "ssdp": _ssdp,
    "mdns": _mdns,
    "ftp": _ftp,
    "telnet": _telnet,
}


@pytest.fixture(scope="module")
def estate() -> Iterator[Fleet]:
    fleet = build_fleet(
        subnet=unique_subnet(), mix=dict.fromkeys(PERSONAS, 1), seed=8, port_offset=TEST_PORT_OFFSET
    )
    with LabThread(fleet) as lab:
        assert lab.server.unserved == []
        yield fleet


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_port_answers(estate: Fleet, persona: str) -> None:
    device = next(d for d in estate.devices if d.persona == persona)
    assert set(device.ports) <= set(CHECKS), device.ports
    for protocol, port in device.ports.items():
        CHECKS[protocol](device, port)
