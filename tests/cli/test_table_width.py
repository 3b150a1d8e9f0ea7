"""Every table command at 80 columns: no line past the edge, one line per row (no cell wraps),
organisation and site as group titles instead of columns; --wide shows every column."""

from __future__ import annotations

from pathlib import Path

import pytest

from camaudit.cli import common
from camaudit.lab import LabThread, build_fleet
from tests.importers.conftest import FIXTURES

REGISTER = FIXTURES / "register" / "messy_register_2.csv"
WIDTH = 80


@pytest.fixture
def narrow(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(common.console, "width", WIDTH)


@pytest.fixture
def estate(cli, tmp_path: Path, narrow) -> str:
    db = f"sqlite:///{tmp_path / 'w.db'}"
    for org, site in (("Westshire District Council", "Civic Centre"), ("Eastshire", "Depot")):
        done = cli("import", "register", str(REGISTER), "--org", org, "--site", site, "--db", db)
        assert done.code == 0, done
    return db


def _body_rows(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith("│")]


def _fits(out: str) -> None:
    long = [line for line in out.splitlines() if len(line) > WIDTH and line.startswith(("│", "┃"))]
    assert long == []


def test_devices_and_import_fit_80_columns(cli, estate) -> None:
    result = cli("devices", "--db", estate)
    assert result.code == 0
    _fits(result.out)
    rows = _body_rows(result.out)
    assert len(rows) == 2 * 95  # one line per device: nothing wrapped
    assert "Westshire District Council · Civic Centre: 95 devices" in result.out
    assert "Eastshire · Depot: 95 devices" in result.out
    header = next(line for line in result.out.splitlines() if line.startswith("┃"))
    assert "org" not in header.split() and "restricted" in header
    assert any("Hikvision (LTS)" in r and "yes" in r for r in rows)
    again = cli("import", "register", str(REGISTER), "--org", "Eastshire", "--db", estate)
    _fits(again.out)
    assert len(_body_rows(again.out)) == 95


def test_wide_shows_every_column(cli, estate) -> None:
    result = cli("devices", "--db", estate, "--wide")
    header = next(line for line in result.out.splitlines() if line.startswith("┃"))
    for col in ("mac", "firmware", "conf.", "org", "site", "location"):
        assert col in header
    assert "uk-2022-sensitive-sites" in result.out  # policies in full
    assert len(_body_rows(result.out)) == 2 * 95


def test_assess_and_audits_fit_80_columns(cli, estate) -> None:
    result = cli("assess", "--db", estate)
    assert result.code == 0, result
    _fits(result.out)
    assert len(_body_rows(result.out)) == 2 * 95
    audits = cli("audits", "--db", estate)
    _fits(audits.out)
    assert len(_body_rows(audits.out)) == 2


def test_identify_fits_80_columns(cli, tmp_path, narrow) -> None:
    files = []
    for n, server in enumerate(("App-webs/", "DNVRS-Webs", "Webs")):
        f = tmp_path / f"{'x' * 40}-{n}.http"
        f.write_text(f"HTTP/1.1 200 OK\r\nServer: {server}\r\n\r\n")
        files.append(str(f))
    result = cli("identify", "--kind", "http", *files)
    assert result.code == 0
    _fits(result.out)
    assert len(_body_rows(result.out)) == 3


def test_scan_table_fits_80_columns(cli, tmp_path, loopback_subnet, narrow) -> None:
    db = f"sqlite:///{tmp_path / 's.db'}"
    fleet = build_fleet(devices=3, subnet=loopback_subnet, port_offset=25000)
    with LabThread(fleet):
        ips = [d.ip for d in fleet.devices]
        result = cli("scan", *ips, "--ports", "http=25080", "--org", "Westshire", "--db", db)
    assert result.code == 0, result
    _fits(result.out)
    assert len(_body_rows(result.out)) == 3
