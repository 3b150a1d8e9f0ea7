"""`camaudit report` in every format over an imported register."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

REGISTER = Path(__file__).parents[1] / "fixtures" / "importers" / "register" / "messy_register.csv"


@pytest.fixture
def db(cli, tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    assert (
        cli("import", "register", str(REGISTER), "--db", url, "--org", "Council", "--quiet").code
        == 0
    )
    assert cli("assess", "--db", url).code == 0
    return url


@pytest.mark.parametrize(
    "fmt, suffix",
    [
        ("html", "html"),
        ("csv", "csv"),
        ("xlsx", "xlsx"),
        ("json", "json"),
        ("cyclonedx", "cdx.json"),
        ("answer", "md"),
    ],
)
def test_report_formats(cli, db, tmp_path, fmt, suffix):
    out = tmp_path / f"report.{suffix}"
    result = cli("report", "--db", db, "--format", fmt, "-o", str(out))
    assert result.code == 0, result.err
    assert out.stat().st_size > 200
    if fmt == "json":
        doc = json.loads(out.read_text())
        assert any(f["policy"] == "ndaa-889" for d in doc["devices"] for f in d["findings"])
    if fmt == "answer":
        assert "Hikvision" in out.read_text()


def test_report_to_missing_directory_is_exit_2(cli, db, tmp_path):
    assert cli("report", "--db", db, "-o", str(tmp_path / "nope" / "r.html")).code == 2
