"""assess / diff / audits over a scanned lab estate, through the CLI."""

from __future__ import annotations

import json

import pytest

from camaudit import api
from camaudit.lab import LabThread, build_fleet
from camaudit.models import Sensitivity
from camaudit.scan import ScanOptions
from camaudit.store import Store


@pytest.fixture
def scanned(tmp_path, loopback_subnet):
    """Two scans of one organisation: the second after the Hikvision camera was swapped out."""
    url = f"sqlite:///{tmp_path / 'a.db'}"
    fleet = build_fleet(devices=3, subnet=loopback_subnet, port_offset=24000)
    opts = ScanOptions(timeout=2, rate=0)
    with Store.open(url) as store:
        store.set_site("Council", "Town Hall", Sensitivity.SENSITIVE)
        with LabThread(fleet):
            first = api.scan(
                [loopback_subnet],
                store=store,
                ports={"http": [24080]},
                options=opts,
                org="Council",
                site="Town Hall",
            )
        # The Hikvision device (first address) is gone in the second scan.
        rest = [d.ip for d in fleet.devices[1:]]
        with LabThread(fleet):
            second = api.scan(
                rest,
                store=store,
                ports={"http": [24080]},
                options=opts,
                org="Council",
                site="Town Hall",
            )
    return url, first.audit.id, second.audit.id


def test_assess_flags_restricted_and_fails_on_high(cli, scanned, tmp_path):
    url, _, _ = scanned
    out = tmp_path / "assessment.json"
    result = cli("assess", "--db", url, "--json", str(out), "--fail-on", "high")
    assert result.code == 1, result.err  # restricted kit on a sensitive site
    doc = json.loads(out.read_text())
    by_maker = (
        {d["manufacturer"]: d for d in doc["devices"]}
        if "manufacturer" in doc["devices"][0]
        else None
    )
    policies = {f["policy"] for d in doc["devices"] for f in d["findings"]}
    assert "ndaa-889" in policies and "uk-2022-sensitive-sites" in policies
    assert by_maker is None or not [
        f for f in by_maker["Axis"]["findings"] if f["policy"] == "ndaa-889"
    ]
    report = tmp_path / "r.json"
    assert cli("report", "--db", url, "--format", "json", "-o", str(report)).code == 0
    devices = json.loads(report.read_text())["devices"]
    flagged = {
        d["manufacturer"] for d in devices if any(f["policy"] == "ndaa-889" for f in d["findings"])
    }
    assert flagged == {"Hikvision", "Dahua"}


def test_assess_bad_fail_on_is_exit_2(cli, scanned):
    url, _, _ = scanned
    result = cli("assess", "--db", url, "--fail-on", "dreadful")
    assert result.code == 2 and "--fail-on takes one of" in result.err


def test_diff_shows_removed_device(cli, scanned, tmp_path):
    url, a, b = scanned
    out = tmp_path / "diff.json"
    result = cli("diff", str(a), str(b), "--db", url, "--json", str(out))
    assert result.code == 0, result.err
    doc = json.loads(out.read_text())
    assert len(doc["removed"]) == 1
    assert "removed 1" in result.out
    assert cli("audits", "--db", url).code == 0
    assert cli("diff", str(a), "999", "--db", url).code == 2


def test_site_sensitivity_drives_uk_2022(cli, tmp_path):
    from pathlib import Path

    register = (
        Path(__file__).parents[1] / "fixtures" / "importers" / "register" / "messy_register.csv"
    )
    url = f"sqlite:///{tmp_path / 's.db'}"
    assert (
        cli(
            "import",
            "register",
            str(register),
            "--db",
            url,
            "--org",
            "C",
            "--site",
            "HQ",
            "--quiet",
        ).code
        == 0
    )
    out = tmp_path / "a.json"

    def uk_breaches() -> int:
        assert cli("assess", "--db", url, "--json", str(out)).code == 0
        doc = json.loads(out.read_text())
        return sum(
            1
            for d in doc["devices"]
            for f in d["findings"]
            if f["policy"] == "uk-2022-sensitive-sites" and f["severity"] in ("high", "critical")
        )

    assert uk_breaches() == 0  # a standard site: information only
    assert cli("site", "HQ", "--org", "C", "--sensitivity", "sensitive", "--db", url).code == 0
    assert uk_breaches() > 0
    assert cli("site", "HQ", "--org", "C", "--sensitivity", "secret", "--db", url).code == 2
