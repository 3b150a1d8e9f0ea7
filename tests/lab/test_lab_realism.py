"""Wire details that fingerprinting tools rely on: per-era headers, versions, casing, nmap."""

from __future__ import annotations

import shutil
import socket
import subprocess
from collections.abc import Iterator

import pytest

from camaudit.lab import Fleet, LabDevice, LabThread
from tests.lab.lab_helpers import TEST_PORT_OFFSET, pinned_fleet, request, unique_subnet

ERAS = [
    ("hikvision-ipc", "V5.2."),
    ("hikvision-ipc", "V5.5."),
    ("hikvision-ipc", "V5.7."),
    ("dahua-ipc", "2.800."),
    ("dahua-ipc", "2.84"),
    ("axis-ipc", "6."),
    ("axis-ipc", "10."),
    ("hikvision-dvr", "V3."),
    ("axis-ipc", "8."),
]


@pytest.fixture(scope="module")
def estate() -> Iterator[Fleet]:
    """One device per firmware era of interest (pinned, not left to the seed)."""
    fleet = pinned_fleet(unique_subnet(), ERAS)
    with LabThread(fleet, protocols={"http", "ftp"}):
        yield fleet


def _pick(fleet: Fleet, persona: str, prefix: str) -> LabDevice:
    return fleet.devices[ERAS.index((persona, prefix))]


def _raw_get(device: LabDevice, path: str = "/", version: str = "HTTP/1.0") -> bytes:
    with socket.create_connection((device.ip, device.ports["http"]), timeout=10) as sock:
        sock.sendall(f"GET {path} {version}\r\nHost: {device.ip}\r\n\r\n".encode())
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_hikvision_goahead_era_header_order(estate: Fleet) -> None:
    old = _pick(estate, "hikvision-ipc", "V5.2.")
    head = _raw_get(old).split(b"\r\n\r\n")[0].decode().split("\r\n")
    assert head[0] == "HTTP/1.0 200 OK"  # echoes the request version
    assert head[1] == "Server: Hikvision-Webs"
    assert head[2].startswith("Date: ") and not head[2].endswith("GMT")  # ctime style
    status, headers, _ = request(old, "/ISAPI/System/deviceInfo")
    assert status == 401
    challenges = headers.get_all("WWW-Authenticate") or []
    assert [c.split()[0] for c in challenges] == ["Digest", "Basic"]
    assert f'realm="{old.model}"' in challenges[0]


def test_hikvision_app_webs_and_recent_eras(estate: Fleet) -> None:
    middle = _pick(estate, "hikvision-ipc", "V5.5.")
    head = _raw_get(middle).split(b"\r\n")
    assert head[0] == b"HTTP/1.0 200 OK"
    assert head[1].startswith(b"Date: ") and head[1].endswith(b" GMT")
    assert head[2] == b"Server: App-webs/"
    assert request(middle, "/ISAPI/Security/sessionLogin/capabilities?username=admin")[0] == 200
    recent = _pick(estate, "hikvision-ipc", "V5.7.")
    assert b"\r\nServer:" not in _raw_get(recent).split(b"\r\n\r\n")[0]
    assert _raw_get(recent, version="HTTP/1.1").startswith(b"HTTP/1.1 200 OK\r\n")


def test_dahua_header_casing_and_bom_page(estate: Fleet) -> None:
    old = _pick(estate, "dahua-ipc", "2.800.")
    answer = _raw_get(old)
    head, body = answer.split(b"\r\n\r\n", 1)
    lines = head.split(b"\r\n")
    assert lines[0] == b"HTTP/1.1 200 OK"  # Dahua does not echo HTTP/1.0
    assert lines[1] == b"CONNECTION: close"
    assert lines[2] == f"CONTENT-LENGTH: {len(body)}".encode()
    assert lines[-1] == b"CONTENT-TYPE: text/html"
    assert body.startswith(b"\xef\xbb\xbf<!DOCTYPE html PUBLIC") and b"\r\n<html>\r\n" in body
    assert b"Server:" not in head
    new = _pick(estate, "dahua-ipc", "2.84")
    head = _raw_get(new).split(b"\r\n\r\n")[0]
    assert b"P3P: CP=CAO PSA OUR" in head and b"Content-Security-Policy: " in head
    assert request(new, "/")[2].count(b"<title>WEB</title>") == 1


def test_axis_pre_840_has_no_anonymous_device_info(estate: Fleet) -> None:
    old = _pick(estate, "axis-ipc", "6.")
    body = b'{"apiVersion":"1.0","method":"getAllUnrestrictedProperties"}'
    assert request(old, "/axis-cgi/basicdeviceinfo.cgi", "POST", body)[0] == 401
    new = _pick(estate, "axis-ipc", "10.")
    assert request(new, "/axis-cgi/basicdeviceinfo.cgi", "POST", body)[0] == 200


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("nmap") is None, reason="nmap is not installed")
def _nmap(port: int, targets: list[str]) -> dict[str, str]:
    out = subprocess.run(
        ["nmap", "-sV", "-Pn", "-n", "-p", str(port), *targets],
        capture_output=True,
        text=True,
        timeout=100,
        check=True,
    ).stdout
    reports = out.split("Nmap scan report for ")[1:]
    return {report.split()[0]: report for report in reports}


def test_nmap_names_the_vendors(estate: Fleet) -> None:
    """nmap's own service database names the maker: Hikvision and Dahua from their web servers
    (IPC and DVR), Axis from its FTP greeting (its web server is unknown to nmap)."""
    web = {
        _pick(estate, "hikvision-ipc", "V5.2.").ip: "Hikvision camera httpd",
        _pick(estate, "hikvision-ipc", "V5.5.").ip: "Hikvision IP camera httpd",
        _pick(estate, "hikvision-dvr", "V3.").ip: "Hikvision DVR web UI",
        _pick(estate, "dahua-ipc", "2.800.").ip: "Dahua webcam httpd",
    }
    found = _nmap(80 + TEST_PORT_OFFSET, list(web))
    for ip, name in web.items():
        assert name in found[ip], found.get(ip)
    axis = _pick(estate, "axis-ipc", "8.")
    report = _nmap(21 + TEST_PORT_OFFSET, [axis.ip])[axis.ip]
    assert f"Axis {axis.model} Network Camera ftpd {axis.firmware}" in report, report
