"""The scanner against the hostile behaviours added for issue 15: compression bombs, absurd
chunk sizes, endless 100 Continue, out-of-scope redirects and discovery replies, listeners that
never read, slow TLS handshakes, deep SOAP and invalid UTF-8/UTF-16. The scan stays within its
bound, names no maker, records no device out of scope, and a capture on the out-of-scope
addresses sees no packet from it."""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from camaudit import api
from camaudit.lab import Fleet, LabThread, build_fleet
from camaudit.probes.base import ProbeResult
from camaudit.scan import ScanOptions
from camaudit.store import Store
from tests.figures import record
from tests.lab.capture import OUT_OF_SCOPE, Capture, capture_available
from tests.lab.lab_helpers import ADDED_HOSTILE, TEST_PORT_OFFSET, unique_subnet
from tests.lab.test_lab_hostile_scan import TIMEOUT, scan_bound

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not capture_available(), reason="needs tcpdump and root (make test)"),
]
NEW = ADDED_HOSTILE
Scanned = tuple[Fleet, api.ScanReport, list[ProbeResult], float, Capture]


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scanned]:
    subnet = unique_subnet()
    fleet = build_fleet(
        mix=dict.fromkeys(NEW, 1), subnet=subnet, seed=15, port_offset=TEST_PORT_OFFSET
    )
    db = tmp_path_factory.mktemp("hostile-more") / "scan.db"
    results: list[ProbeResult] = []
    with LabThread(fleet), Store.open(f"sqlite:///{Path(db)}") as store, Capture() as capture:
        start = time.monotonic()
        report = api.scan(
            [subnet],
            store=store,
            port_offset=TEST_PORT_OFFSET,
            options=ScanOptions(timeout=TIMEOUT),
            on_result=results.append,
        )
        elapsed = time.monotonic() - start
    yield fleet, report, results, elapsed, capture


def test_the_scan_stays_within_its_bound(scanned: Scanned) -> None:
    fleet, _, results, elapsed, _ = scanned
    assert elapsed < scan_bound(fleet, ScanOptions(timeout=TIMEOUT))
    assert [r for r in results if r.detail == "probe overran"] == []


def test_every_hostile_port_was_probed(scanned: Scanned) -> None:
    fleet, _, results, _, _ = scanned
    probed = {(r.ip, r.port) for r in results}
    for device in fleet.devices:
        missing = [key for key, port in device.ports.items() if (device.ip, port) not in probed]
        assert missing == [], (device.persona, missing)


def test_no_maker_is_named_for_a_hostile_device(scanned: Scanned) -> None:
    fleet, report, _, _, _ = scanned
    hostile = {d.ip for d in fleet.devices}
    named = {d.ip: d.identity.manufacturer for d in report.devices if d.identity.manufacturer}
    assert named == {}
    assert {d.ip for d in report.devices} <= hostile


def test_nothing_is_recorded_out_of_scope(scanned: Scanned) -> None:
    _, report, results, _, _ = scanned
    out = ipaddress.ip_network(OUT_OF_SCOPE)
    assert [d.ip for d in report.devices if d.ip and ipaddress.ip_address(d.ip) in out] == []
    assert [r.ip for r in results if ipaddress.ip_address(r.ip) in out] == []


def test_no_packet_is_sent_out_of_scope(scanned: Scanned) -> None:
    *_, capture = scanned
    record("out_of_scope", sent=capture.sent, replies=capture.received, live=capture.control_seen)
    assert capture.control_seen  # the capture saw its own control datagram: it was live
    assert capture.received > 0  # the spoofed SADP/DHIP replies did reach the scanner...
    assert capture.sent == 0, capture.seen  # ...which sent nothing to those addresses
