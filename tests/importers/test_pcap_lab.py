"""The pcap importer on a real capture of the emulated lab, taken with tcpdump on the loopback
interface (root only): HTTP, RTSP, TLS 1.2 and unicast discovery answers."""

from __future__ import annotations

import http.client
import os
import select
import shutil
import signal
import socket
import ssl
import struct
import subprocess
import time
from pathlib import Path

import pytest

from camaudit.identify import Identifier
from camaudit.importers import PcapImporter
from camaudit.lab import LabDevice, LabThread, build_fleet
from tests.importers.conftest import LAB_MIX, LAB_PORT_OFFSET, lab_subnet, makers

# --- a real capture of the emulated lab, taken with tcpdump -------------------------------


def _wait_for_text(fd: int, wanted: bytes, timeout: float) -> bool:
    """Read from ``fd`` until ``wanted`` has appeared (False on timeout or end of output).

    Reads the raw descriptor (no Python-side buffering that ``select`` cannot see)."""
    seen = b""
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            return False
        chunk = os.read(fd, 65536)
        if not chunk:
            return False
        seen = (seen + chunk)[-65536:]
        if wanted in seen:
            return True
    return False


_WSD_PROBE = (
    b'<?xml version="1.0" encoding="utf-8"?><Envelope xmlns="http://www.w3.org/2003/05/soap-envelope"'
    b' xmlns:dn="http://www.onvif.org/ver10/network/wsdl"><Header><wsa:MessageID'
    b' xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing">uuid:0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d'
    b'</wsa:MessageID><wsa:To xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing">'
    b"urn:schemas-xmlsoap-org:ws:2005:04:discovery</wsa:To><wsa:Action"
    b' xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing">'
    b"http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</wsa:Action></Header><Body>"
    b'<Probe xmlns="http://schemas.xmlsoap.org/ws/2005/04/discovery"><Types>dn:NetworkVideoTransmitter'
    b"</Types><Scopes/></Probe></Body></Envelope>"
)
_DHIP_BODY = b'{"method":"DHDiscover.search","params":{"mac":"","uni":1}}\n'
_DISCOVERY_PROBES = {
    "sadp": b'<?xml version="1.0" encoding="utf-8"?><Probe><Uuid>8282F1DB-2FA6-4709-B261-3C6B6A48CA17'
    b"</Uuid><Types>inquiry</Types></Probe>",
    "dhip": struct.pack("<I", 32)
    + b"DHIP"
    + bytes(8)
    + struct.pack("<QQ", len(_DHIP_BODY), len(_DHIP_BODY))
    + _DHIP_BODY,
    "wsd": _WSD_PROBE,
    "ssdp": b'M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: "ssdp:discover"\r\nMX: 1\r\n'
    b"ST: upnp:rootdevice\r\n\r\n",
}


def _discover(device: LabDevice) -> set[str]:
    """Ask each discovery service the device runs (unicast); the protocols that answered."""
    answered = set()
    for protocol, probe in _DISCOVERY_PROBES.items():
        if protocol not in device.ports:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.settimeout(5)
            sock.sendto(probe, (device.ip, device.ports[protocol]))
            try:
                sock.recvfrom(65536)
            except TimeoutError:
                continue
            answered.add(protocol)
    return answered


def _tls12_and_rtsp(device: LabDevice) -> set[str]:
    """A TLS 1.2 handshake (so the certificate is visible on the wire) and an RTSP DESCRIBE."""
    done = set()
    if "https" in device.ports:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE  # the lab's self-signed certificate
        context.maximum_version = ssl.TLSVersion.TLSv1_2
        with (
            socket.create_connection((device.ip, device.ports["https"]), timeout=10) as raw,
            context.wrap_socket(raw) as tls,
        ):
            tls.sendall(b"GET / HTTP/1.0\r\n\r\n")
            tls.recv(65536)
        done.add("tls")
    if "rtsp" in device.ports:
        url = f"rtsp://{device.ip}:{device.ports['rtsp']}/"
        with socket.create_connection((device.ip, device.ports["rtsp"]), timeout=10) as sock:
            sock.sendall(
                f"DESCRIBE {url} RTSP/1.0\r\nCSeq: 2\r\nAccept: application/sdp\r\n\r\n".encode()
            )
            reply = b""
            while b"\r\n\r\n" not in reply and (chunk := sock.recv(65536)):
                reply += chunk
        done.add("rtsp")
    return done


def _browse(device: LabDevice) -> None:
    for path in ("/", "/index.html", "/doc/page/login.asp", "/ISAPI/System/deviceInfo"):
        conn = http.client.HTTPConnection(device.ip, device.ports["http"], timeout=10)
        try:
            conn.request("GET", path, headers={"Connection": "close"})
            conn.getresponse().read()
        finally:
            conn.close()


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("tcpdump") is None, reason="tcpdump is not installed")
@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="capturing needs root")
def test_tcpdump_capture_of_the_lab(tmp_path: Path, identifier: Identifier) -> None:
    fleet = build_fleet(mix=LAB_MIX, subnet=lab_subnet(), seed=12, port_offset=LAB_PORT_OFFSET)
    capture = tmp_path / "lab.pcap"
    bpf = " or ".join(f"host {d.ip}" for d in fleet.devices)
    sentinel = fleet.devices[0].ip
    with LabThread(fleet):
        proc = subprocess.Popen(
            ["tcpdump", "-i", "lo", "-n", "-U", "-l", "--print", "-w", str(capture), bpf],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        try:
            assert proc.stderr is not None and proc.stdout is not None
            assert _wait_for_text(proc.stderr.fileno(), b"listening on", 20), "tcpdump not ready"
            answered: dict[str, set[str]] = {}
            for device in fleet.devices:
                _browse(device)
                answered[device.ip] = _discover(device) | _tls12_and_rtsp(device)
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
                sock.sendto(b"end of capture", (sentinel, 9))
            marker = f"> {sentinel}.9: UDP".encode()
            assert _wait_for_text(proc.stdout.fileno(), marker, 20), "sentinel not captured"
        finally:
            proc.send_signal(signal.SIGINT)
            proc.communicate(timeout=20)
    evidence = list(PcapImporter().read(capture))
    kinds = {(e.ip, e.kind.value) for e in evidence}
    discovery = {"sadp": "sadp", "dhip": "dhip", "wsd": "wsd_probematch", "ssdp": "upnp"}
    discovery.update(tls="tls", rtsp="rtsp")
    for device in fleet.devices:
        assert (device.ip, "http") in kinds
        for protocol in answered[device.ip]:
            assert (device.ip, discovery[protocol]) in kinds, (device.persona, protocol)
    found = makers(identifier, evidence)
    for device in fleet.devices:
        assert found[device.ip].manufacturer == device.manufacturer, (
            device.persona,
            found[device.ip],
        )
