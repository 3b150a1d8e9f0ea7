"""Errors in our own words: one line, no leading blank line, exit 2; option errors list the valid
choices; a forgotten --org is said out loud."""

from __future__ import annotations

from pathlib import Path

import pytest


def _one_line(result, code: int = 2) -> str:
    assert result.code == code, result
    assert result.err == result.err.lstrip(), "leading blank line"
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    assert lines[0].startswith("camaudit: error: ")
    assert "Traceback" not in result.err + result.out
    return lines[0]


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'audit.db'}"


def test_empty_file_is_not_a_missing_file(cli, db, tmp_path) -> None:
    line = _one_line(cli("import", "nmap", "/dev/null", "--db", db, "--org", "X"))
    assert "/dev/null is empty" in line and "no such file" not in line
    empty = tmp_path / "scan.xml"
    empty.write_bytes(b"")
    assert "is empty: nothing to import" in _one_line(cli("import", "nmap", str(empty), "--db", db))
    missing = tmp_path / "nothere.xml"
    assert "no such file" in _one_line(cli("import", "nmap", str(missing), "--db", db))
    assert "is a folder" in _one_line(cli("import", "nmap", str(tmp_path), "--db", db))
    assert "is empty: no evidence" in _one_line(cli("identify", str(empty)))


@pytest.mark.parametrize(
    ("url", "wanted", "never"),
    [
        ("bogus://x", "camaudit stores audits in SQLite", "Can't load plugin"),
        ("not a url", "invalid database URL", "Could not parse"),
        (
            "postgresql+psycopg://auditor:s3cret@127.0.0.1:1/audit",
            "the server refused the connection",
            "s3cret",
        ),
    ],
)
def test_database_url_errors_in_our_words(cli, url: str, wanted: str, never: str) -> None:
    line = _one_line(cli("devices", "--db", url))
    assert wanted in line and never not in line
    assert "sqlalchemy" not in line.lower()


def test_site_sensitivity_lists_the_choices(cli, db) -> None:
    for args in (("site", "Civic Centre"), ("site", "Civic Centre", "secret")):
        line = _one_line(cli(*args, "--db", db))
        assert all(c in line for c in ("standard", "sensitive", "critical")), line
    done = cli("site", "Civic Centre", "sensitive", "--db", db)  # as a person types it
    assert done.code == 0, done
    assert "is now sensitive" in done.err and "standard, sensitive, critical" in done.err
    assert "no --org given" in done.err and "'default'" in done.err
    quiet = cli(
        "site", "Civic Centre", "--sensitivity", "critical", "--org", "Westshire", "--db", db
    )
    assert quiet.code == 0 and "no --org given" not in quiet.err


def test_usage_errors_are_one_line_with_help_pointer(cli) -> None:
    line = _one_line(cli("scan", "--concurrency", "many", "127.0.0.1"))
    assert "--concurrency" in line and "camaudit scan --help" in line
    line = _one_line(cli("site", "Civic Centre", "--sensitivity"))
    assert "requires an argument" in line and "camaudit site --help" in line
    line = _one_line(cli("nosuch"))
    assert "no such command 'nosuch'" in line and "import" in line  # the commands listed


def test_forgotten_org_is_visible_and_warned(cli, db, tmp_path) -> None:
    register = tmp_path / "r.csv"
    register.write_text("Make,Model,IP\nHikvision,DS-2CD2143G2-I,10.0.0.5\n", encoding="utf-8")
    result = cli("import", "register", str(register), "--db", db, "-q")
    assert result.code == 0, result
    assert "no --org given: filed under the organisation 'default'" in result.err
    named = cli("import", "register", str(register), "--db", db, "-q", "--org", "Westshire")
    assert named.code == 0 and "no --org given" not in named.err
