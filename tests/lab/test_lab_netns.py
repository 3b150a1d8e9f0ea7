"""The namespace mode: multicast discovery for real, by a stock WS-Discovery client and by
camaudit's own probes, inside namespaces the test creates; and cleanup whatever happens."""

from __future__ import annotations

import asyncio
import importlib.util
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from camaudit.errors import LabError
from camaudit.lab import Fleet, LabServer, build_fleet
from camaudit.lab.fleet import NETNS_NETWORK
from camaudit.lab.namespaces import (
    NAME_PREFIX,
    batch,
    ip_command,
    list_namespaces,
    reap_stale,
    unavailable_reason,
)
from camaudit.lab.netns import NetnsLab
from camaudit.net.ratelimit import RateLimiter
from camaudit.net.scope import Scope
from camaudit.probes import DhipProbe, SadpProbe, WsdProbe
from camaudit.probes.base import ProbeContext, ProbeResult

REASON = unavailable_reason()
pytestmark = [pytest.mark.netns, pytest.mark.skipif(REASON is not None, reason=REASON or "")]
ROOT = Path(__file__).resolve().parents[2]
CAMAUDIT = Path(sys.executable).with_name("camaudit")
MIX = {"hikvision-ipc": 2, "dahua-ipc": 2, "axis-ipc": 1, "lts-ipc": 1, "amcrest-ipc": 1}


def _host_links() -> str:
    return subprocess.run(
        [ip_command() or "ip", "-o", "addr"], capture_output=True, text=True, check=True
    ).stdout


def _ours() -> list[str]:
    prefix = f"{NAME_PREFIX}-{os.getpid()}-"
    return [name for name in list_namespaces() if name.startswith(prefix)]


@pytest.fixture(scope="module")
def lab() -> Iterator[NetnsLab]:
    fleet = build_fleet(mix=MIX, netns=True, subnet="10.231.0.0/16", seed=4)
    with NetnsLab(fleet, devices_per_namespace=3) as running:  # three device namespaces
        yield running
    assert _ours() == []


def _with(fleet: Fleet, protocol: str) -> set[str]:
    return {d.ip for d in fleet.devices if protocol in d.ports}


def test_layout_stays_inside_the_namespaces(lab: NetnsLab) -> None:
    assert len(lab.device_namespaces) == 3 and set(lab.namespaces) <= set(list_namespaces())
    assert "10.231." not in _host_links()  # the host has no address in the private range
    inside = lab.run_in_scanner(["ip", "-o", "-4", "addr"], capture_output=True, text=True)
    assert f"inet {lab.scanner_ip}/16" in inside.stdout
    assert all(d.ip.startswith("10.231.0.") for d in lab.fleet.devices)
    assert lab.endpoint_counts()["wsd"] == len(_with(lab.fleet, "wsd"))


def test_stock_ws_discovery_client_finds_the_onvif_devices(lab: NetnsLab) -> None:
    if importlib.util.find_spec("wsdiscovery") is None:
        pytest.skip("the WSDiscovery package is not installed")
    script = textwrap.dedent(
        """
        from wsdiscovery import QName
        from wsdiscovery.discovery import ThreadedWSDiscovery
        client = ThreadedWSDiscovery()
        client.start()
        try:
            kind = QName("http://www.onvif.org/ver10/network/wsdl", "NetworkVideoTransmitter")
            for service in client.searchServices(types=[kind], timeout=2):
                print(*service.getXAddrs())
        finally:
            client.stop()
        """
    )
    done = lab.run_in_scanner(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    found = set(done.stdout.split())
    wanted = {f"http://{ip}/onvif/device_service" for ip in _with(lab.fleet, "wsd")}
    assert found == wanted


def _discover(lab: NetnsLab, probe: WsdProbe | SadpProbe | DhipProbe) -> list[ProbeResult]:
    ctx = ProbeContext(Scope.parse([str(NETNS_NETWORK)]), RateLimiter(0), timeout=1.5)
    results: list[ProbeResult] = lab.call_in_scanner(
        asyncio.run, probe.discover(ctx, interface=lab.scanner_ip)
    )
    return results


def test_camaudit_multicast_discovery_finds_the_makers(lab: NetnsLab) -> None:
    fleet = lab.fleet
    wsd = _discover(lab, WsdProbe())
    assert {r.ip for r in wsd} == _with(fleet, "wsd")
    sadp = _discover(lab, SadpProbe())
    hikvision = {d.ip for d in fleet.devices if d.manufacturer == "Hikvision"}
    assert {r.ip for r in sadp} == hikvision == _with(fleet, "sadp")
    for result in sadp:
        device = fleet.device(result.ip)
        assert device.mac.replace(":", "-").encode() in result.evidence[0].payload
    dhip = _discover(lab, DhipProbe())
    dahua = {d.ip for d in fleet.devices if d.manufacturer == "Dahua"}
    assert {r.ip for r in dhip} == dahua == _with(fleet, "dhip")
    assert len(hikvision) == 3 and len(dahua) == 3


def test_cleanup_when_the_body_raises() -> None:
    fleet = build_fleet(mix={"axis-ipc": 2}, netns=True, subnet="10.231.7.0/24")
    lab = NetnsLab(fleet)
    with pytest.raises(RuntimeError, match="boom"), lab:
        assert set(lab.namespaces) <= set(list_namespaces())
        raise RuntimeError("boom")
    assert lab.leftovers() == [] and lab.stop() == []  # stop again: nothing to do
    assert f"v{os.getpid() % 10_000_000}p" not in _host_links()


def test_failed_start_cleans_up() -> None:
    fleet = build_fleet(mix={"axis-ipc": 1}, netns=True, subnet="10.231.8.0/24")
    fleet.devices[0].persona = "no-such-persona"
    lab = NetnsLab(fleet)
    with pytest.raises(LabError, match="unknown persona"):
        lab.start()
    assert lab.leftovers() == []


def test_addresses_are_checked() -> None:
    with pytest.raises(LabError, match=r"outside 10\.231\.0\.0/16"):
        build_fleet(devices=1, netns=True, subnet="10.99.0.0/24")
    with pytest.raises(LabError, match="loopback"):
        NetnsLab(build_fleet(devices=1, subnet="127.30.0.0/24", port_offset=0))
    fleet = build_fleet(devices=1, netns=True, subnet="10.231.9.0/24")

    async def serve_outside() -> None:
        async with LabServer(fleet, namespace="camlab-0-0-nowhere"):
            pass

    with pytest.raises(LabError, match="not running there"):  # only inside that namespace
        asyncio.run(serve_outside())
    with pytest.raises(LabError, match=r"outside 127\.0\.0\.0/8"):
        asyncio.run(_serve_on_host(fleet))


async def _serve_on_host(fleet: Fleet) -> None:
    async with LabServer(fleet):
        pass


def test_stale_namespaces_of_dead_runs_are_reaped() -> None:
    finished = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    stale = f"{NAME_PREFIX}-{finished.stdout.strip()}-0-hub"
    batch([f"netns add {stale}"])
    try:
        assert stale in reap_stale()
        assert stale not in list_namespaces()
    finally:
        subprocess.run([ip_command() or "ip", "netns", "delete", stale], capture_output=True)


def _cli(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(CAMAUDIT), "lab", "run", "--netns", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )


def _namespaces_of(pid: int) -> list[str]:
    return [name for name in list_namespaces() if name.startswith(f"{NAME_PREFIX}-{pid}-")]


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_cli_cleans_up_on_signals(tmp_path: Path, sig: signal.Signals) -> None:
    truth = tmp_path / "truth.json"
    process = _cli("--devices", "4", "--truth", str(truth))
    try:
        assert process.stderr is not None
        for line in process.stderr:  # "ready" comes after the truth file is written
            if "lab: ready" in line:
                break
        assert truth.exists() and len(_namespaces_of(process.pid)) == 3
        process.send_signal(sig)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert _namespaces_of(process.pid) == []


@pytest.mark.slow
def test_cli_scan_command_runs_in_the_scanner_namespace(tmp_path: Path) -> None:
    probe = (
        "import socket, sys; s = socket.create_connection(('10.231.0.10', 80), 5); "
        "s.sendall(b'GET / HTTP/1.0\\r\\n\\r\\n'); "
        "sys.exit(7 if s.recv(12).startswith(b'HTTP/1.') else 1)"
    )
    process = _cli("--fleet", "demo", "--scan-cmd", f'{sys.executable} -c "{probe}"')
    _, err = process.communicate(timeout=60)
    assert process.returncode == 7, err  # the command's own status
    assert _namespaces_of(process.pid) == []
