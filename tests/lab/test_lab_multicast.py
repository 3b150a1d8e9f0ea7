"""Multicast discovery on a real (non-loopback) interface: two network namespaces joined by a
veth pair; a WS-Discovery responder in one answers a multicast Probe sent from the other."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.netns
SRC = str(Path(__file__).resolve().parents[2] / "src")
ROOT = str(Path(__file__).resolve().parents[2])
IP = shutil.which("ip") or "/usr/sbin/ip"


def _ip(*args: str) -> None:
    subprocess.run([IP, *args], check=True, capture_output=True, timeout=10)


@pytest.fixture
def namespaces() -> Iterator[tuple[str, str]]:
    if os.geteuid() != 0 or not Path(IP).exists():
        pytest.skip("needs root and iproute2")
    a, b = f"camlab-a{os.getpid()}", f"camlab-b{os.getpid()}"
    va, vb = f"cla{os.getpid() % 100000}", f"clb{os.getpid() % 100000}"
    try:
        _ip("netns", "add", a)
        _ip("netns", "add", b)
        _ip("link", "add", va, "type", "veth", "peer", "name", vb)
        _ip("link", "set", va, "netns", a)
        _ip("link", "set", vb, "netns", b)
        _ip("-n", a, "addr", "add", "10.231.7.1/24", "dev", va)
        _ip("-n", b, "addr", "add", "10.231.7.2/24", "dev", vb)
        for ns, dev in ((a, va), (b, vb)):
            _ip("-n", ns, "link", "set", dev, "up")
            _ip("-n", ns, "link", "set", "lo", "up")
    except subprocess.CalledProcessError as exc:
        for ns in (a, b):
            subprocess.run([IP, "netns", "del", ns], capture_output=True, timeout=10)
        pytest.skip(f"cannot create network namespaces here: {exc.stderr!r}")
    try:
        yield a, b
    finally:
        for ns in (a, b):
            subprocess.run([IP, "netns", "del", ns], capture_output=True, timeout=10)


SERVER = textwrap.dedent(
    """
    import asyncio, sys
    sys.path.insert(0, {src!r})
    from camaudit.lab import LabSettings, build_fleet, load_personas
    from camaudit.lab.base import ConnectionTracker, LabResources, ServiceContext
    from camaudit.lab.wsd import WsdService
    device = build_fleet(subnet="127.30.0.0/24", mix={{"axis-ipc": 1}}, port_offset=0).devices[0]
    device.ip = "10.231.7.1"
    async def main():
        ctx = ServiceContext(device, load_personas()["axis-ipc"], "wsd", device.ip, 3702,
                             b"k" * 32, LabSettings(), ConnectionTracker(), LabResources())
        service = WsdService(ctx)
        await service.start()
        print("READY", service.group_transport is not None, flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        service.close()
    asyncio.run(main())
    """
)
CLIENT = textwrap.dedent(
    """
    import socket, sys
    sys.path.insert(0, {root!r})
    from tests.lab.lab_clients import wsd_probe
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("10.231.7.2", 0))
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton("10.231.7.2"))
    sock.settimeout(5)
    sock.sendto(wsd_probe(message_id="uuid:multicast"), ("239.255.255.250", 3702))
    data, (source, _) = sock.recvfrom(65535)
    print(source, b"uuid:multicast" in data, b"10.231.7.1/onvif/device_service" in data)
    """
)


def test_wsd_answers_a_multicast_probe(namespaces: tuple[str, str]) -> None:
    a, b = namespaces
    server = subprocess.Popen(
        [IP, "netns", "exec", a, sys.executable, "-c", SERVER.format(src=SRC)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None and server.stdin is not None
        assert server.stdout.readline().split() == ["READY", "True"]  # joined the group
        client = subprocess.run(
            [IP, "netns", "exec", b, sys.executable, "-c", CLIENT.format(root=ROOT)],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert client.stdout.split() == ["10.231.7.1", "True", "True"], client.stderr
        server.stdin.write("\n")
        server.stdin.flush()
        assert server.wait(timeout=10) == 0
    finally:
        if server.poll() is None:
            server.kill()
