"""The scanner against the hostile fleet: it finishes within a bound derived from its own limits,
keeps its memory, resolves no external entity and names no maker for any hostile device."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from camaudit import api
from camaudit.lab import Fleet, LabThread
from camaudit.lab.limits import max_rss_kb
from camaudit.probes import DEFAULT_PROBES, REGISTRY, UDP_PROBES, sweep_ports
from camaudit.probes.base import ProbeResult
from camaudit.scan import ScanOptions
from camaudit.store import Store
from tests.lab.lab_helpers import TEST_PORT_OFFSET, hostile_fleet, unique_subnet

pytestmark = pytest.mark.slow
Scanned = tuple[Fleet, LabThread, api.ScanReport, list[ProbeResult], float, int]
TIMEOUT = 1.0
SLACK = 0.5  # scheduling, connection set-up and the store, per wave


def scan_bound(fleet: Fleet, options: ScanOptions) -> float:
    """Worst case if every probe keeps its own budget (design: a UDP exchange within one
    timeout, a TCP connect within one, a TCP probe run within three), with ``per_host`` jobs of
    a host at a time and every host in parallel."""
    per_host = options.per_host
    udp_jobs = len([name for name in DEFAULT_PROBES if name in UDP_PROBES])
    sweep = len(sweep_ports(list(DEFAULT_PROBES)))
    tcp_jobs = 0
    for device in fleet.devices:  # the busiest host: every TCP probe on each open port
        open_ports = {port - TEST_PORT_OFFSET for port in device.ports.values()}
        jobs = sum(
            1
            for name in DEFAULT_PROBES
            if name not in UDP_PROBES
            for port in REGISTRY[name].default_ports
            if port in open_ports
        )
        tcp_jobs = max(tcp_jobs, jobs)
    waves = (math.ceil(n / per_host) for n in (udp_jobs, sweep, tcp_jobs))
    udp_waves, sweep_waves, tcp_waves = waves
    return (
        udp_waves * (options.timeout + SLACK)
        + sweep_waves * (options.timeout + SLACK)
        + tcp_waves * (3 * options.timeout + SLACK)
    )


@pytest.fixture(scope="module")
def scanned(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Scanned]:
    subnet = unique_subnet()
    fleet = hostile_fleet(subnet)
    options = ScanOptions(timeout=TIMEOUT)
    db = tmp_path_factory.mktemp("hostile") / "scan.db"
    results: list[ProbeResult] = []
    with LabThread(fleet) as lab, Store.open(f"sqlite:///{Path(db)}") as store:
        rss_before = max_rss_kb()
        start = time.monotonic()
        report = api.scan(
            [subnet],
            store=store,
            port_offset=TEST_PORT_OFFSET,
            options=options,
            on_result=results.append,
        )
        elapsed = time.monotonic() - start
        yield fleet, lab, report, results, elapsed, max_rss_kb() - rss_before


def test_scan_of_the_hostile_fleet_is_bounded(scanned: Scanned) -> None:
    fleet, _, report, results, elapsed, _ = scanned
    bound = scan_bound(fleet, ScanOptions(timeout=TIMEOUT))
    assert elapsed < bound, (elapsed, bound)
    assert report.jobs == len(results) > 254 * 5
    overran = [(r.probe, r.ip, r.port) for r in results if r.detail == "probe overran"]
    assert overran == []  # every probe kept its own budget; the engine's guard never struck


def test_scan_memory_stays_bounded(scanned: Scanned) -> None:
    *_, rss_delta_kb = scanned
    assert rss_delta_kb < 200 * 1024


def test_no_hostile_device_is_identified(scanned: Scanned) -> None:
    fleet, _, report, _, _, _ = scanned
    hostile = {d.ip: d.persona for d in fleet.devices}
    seen = {d.ip: d for d in report.devices if d.ip in hostile}
    # the scan did reach the devices that answer in some protocol...
    for persona in ("hostile-xxe", "hostile-xml-bomb", "hostile-xml-broken", "hostile-tls-cert"):
        assert any(hostile[ip] == persona for ip in seen), persona
    # ...and named no maker for any of them
    assert {ip: d.identity.manufacturer for ip, d in seen.items()} == dict.fromkeys(seen)


def test_no_external_entity_was_resolved(scanned: Scanned) -> None:
    fleet, lab, _, results, _, _ = scanned
    xxe = next(d for d in fleet.devices if d.persona == "hostile-xxe")
    assert any(r.ip == xxe.ip and r.probe == "onvif" and r.evidence for r in results)
    assert not [event for event in lab.server.resources.events if event.startswith("xxe-fetch")]


#: What each reply that once stopped a whole audit (issue 16) must leave on its device instead.
ISOLATION_NOTES = {
    "hostile-xml-encoding": "not an allowed XML encoding",
    "hostile-cert-version": "read tolerantly",
    "hostile-cert-oversized": "cut at a byte cap",
}


def test_replies_that_once_crashed_the_audit_leave_notes(scanned: Scanned) -> None:
    fleet, _, report, results, _, _ = scanned
    by_ip = {d.ip: d for d in report.devices}
    for persona, note in ISOLATION_NOTES.items():
        device = next(d for d in fleet.devices if d.persona == persona)
        found = by_ip.get(device.ip)
        assert found is not None, persona
        assert found.identity.manufacturer is None
        assert any(note in n for n in found.identity.notes), (persona, found.identity.notes)
    oversized = next(d for d in fleet.devices if d.persona == "hostile-cert-oversized")
    kept = [e for r in results if r.ip == oversized.ip for e in r.evidence]
    assert kept and all(e.truncated for e in kept if e.kind.value == "tls")
