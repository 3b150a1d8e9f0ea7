"""End to end on the emulated lab: scan → identify → store → assess (the CLI's path)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from camaudit import api
from camaudit.assess import FindingKind, assess
from camaudit.lab import Fleet, LabThread, build_fleet
from camaudit.models import Sensitivity
from camaudit.store import Store
from tests.lab.lab_helpers import TEST_PORT_OFFSET, unique_subnet


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Fleet, Store]]:
    mix = {"hikvision-ipc": 2, "dahua-ipc": 2, "axis-ipc": 2}
    fleet = build_fleet(mix=mix, subnet=unique_subnet(), seed=11, port_offset=TEST_PORT_OFFSET)
    db = tmp_path_factory.mktemp("assess") / "lab.db"
    ports = sorted({p for d in fleet.devices for proto, p in d.ports.items() if proto == "http"})
    with LabThread(fleet), Store.open(f"sqlite:///{db}") as store:
        store.set_site("Lab Council", "Police HQ", Sensitivity.SENSITIVE)
        api.scan(
            [d.ip for d in fleet.devices],
            store=store,
            ports={"http": ports},
            org="Lab Council",
            site="Police HQ",
        )
        yield fleet, store


def test_lab_estate_assessed_from_the_store(scanned):
    fleet, store = scanned
    devices = store.devices("Lab Council")
    assert len(devices) == len(fleet.devices)
    result = assess(
        devices,
        evidence_of=lambda d: [ev for _, ev in store.device_evidence(d.id or 0)],
        sensitivity_of=lambda d: store.site_sensitivity(d.organisation, d.site),
    )
    truth = {d.ip: d.manufacturer for d in fleet.devices}
    assert set(truth.values()) == {"Hikvision", "Dahua", "Axis"}
    for d in result.devices:
        rules = {f.rule for f in d.findings if f.kind is FindingKind.BREACH}
        covered = truth[d.device.ip] in ("Hikvision", "Dahua")
        assert ("ndaa-889.covered-maker" in rules) is covered, d.device.ip
        assert ("uk-2022-sensitive-sites.covered-kit-on-sensitive-site" in rules) is covered
    # the scan reached the web interfaces over plain HTTP
    assert any("exposure.plain-http-admin" in {f.rule for f in d.findings} for d in result.devices)
    # findings fit the store as they are
    for d in result.devices:
        assert d.device.id is not None
        store.replace_findings(d.device.id, d.store_findings())
    assert len(store.findings("Lab Council")) == len(result.findings)
    assert result.plan.actions[0].kind.value == "replace"
