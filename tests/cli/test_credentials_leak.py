"""Credentials never leave the credentials file: a scan of the lab with each device's real
password (so the authenticated probes do log in), then every place a secret could end up is
searched for it - the database (dump and raw files, write-ahead log included), the debug log,
stdout and stderr, the --json and --stats files, and every report format (XLSX unzipped, PDF
streams inflated). Files that hold secrets are 0600; a looser credentials file is warned about."""

from __future__ import annotations

import base64
import contextlib
import os
import re
import sqlite3
import subprocess
import sys
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from camaudit.lab import Fleet, LabThread, build_fleet
from camaudit.reports.writers import FORMATS, SUFFIXES
from tests.figures import record
from tests.lab.lab_helpers import unique_subnet

pytestmark = pytest.mark.slow
ENV = {**os.environ, "CAMAUDIT_DB": ""}
OFFSET = 20000
Scanned = tuple[Fleet, Path, dict[str, "subprocess.CompletedProcess[bytes]"]]
#: Runs the CLI with every logger at DEBUG into a file (the CLI itself configures none).
LOGGED = (
    "import logging, sys; logging.basicConfig(level=logging.DEBUG, filename=sys.argv.pop(1)); "
    "from camaudit.cli import main; sys.argv[0] = 'camaudit'; main()"
)


def _texts(path: Path) -> Iterator[bytes]:
    """The bytes of ``path`` and what they hold compressed (XLSX parts, PDF streams)."""
    raw = path.read_bytes()
    yield raw
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as book:
            for name in book.namelist():
                yield book.read(name)
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", raw, re.S):
        with contextlib.suppress(zlib.error):
            yield zlib.decompress(stream)


def _secrets(fleet: Fleet) -> list[bytes]:
    out: list[bytes] = []
    for d in fleet.devices:
        assert d.password and len(d.password) >= 8
        pair = f"{d.username}:{d.password}".encode()
        out += [d.password.encode(), base64.b64encode(pair)]
    return out


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scanned]:
    tmp = tmp_path_factory.mktemp("secrets")
    subnet = unique_subnet()
    mix = {"hikvision-ipc": 1, "dahua-ipc": 1, "axis-ipc": 1}
    fleet = build_fleet(subnet=subnet, seed=15, mix=mix, port_offset=OFFSET)
    creds = tmp / "credentials.yaml"
    entries = [
        {"scope": d.ip, "username": d.username, "password": d.password} for d in fleet.devices
    ]
    creds.write_text(yaml.safe_dump(entries))
    creds.chmod(0o600)
    db = tmp / "audit.db"
    url = f"sqlite:///{db}"
    out = tmp / "out"
    out.mkdir()
    runs: dict[str, subprocess.CompletedProcess[bytes]] = {}
    with LabThread(fleet):
        runs["scan"] = subprocess.run(
            [sys.executable, "-c", LOGGED, str(out / "debug.log"), "scan", subnet, "--db", url,
             "--credentials", str(creds), "--port-offset", str(OFFSET), "--timeout", "3",
             "--json", str(out / "devices.json"), "--stats", str(out / "stats.json")],
            env=ENV, capture_output=True, timeout=300, check=False,
        )  # fmt: skip
    assert runs["scan"].returncode == 0, runs["scan"].stderr
    for fmt in FORMATS:
        args = ["report", "-f", fmt, "-o", str(out / f"report{SUFFIXES[fmt]}"), "--db", url]
        runs[fmt] = subprocess.run(
            [sys.executable, "-m", "camaudit", *args], env=ENV, capture_output=True, check=False
        )
    yield fleet, tmp, runs


def test_the_scan_did_log_in(scanned: Scanned) -> None:
    _, tmp, _ = scanned
    with contextlib.closing(sqlite3.connect(tmp / "audit.db")) as conn:
        probes = {p for (p,) in conn.execute("select distinct source from evidence")}
    authenticated = {p for p in probes if "isapi" in p.lower() or "magicbox" in p.lower()}
    assert authenticated, probes  # the ISAPI and Dahua CGI answers only come after a login


def test_every_report_format_was_written(scanned: Scanned) -> None:
    _, tmp, runs = scanned
    failed = {f: runs[f].stderr.decode()[-300:] for f in FORMATS if runs[f].returncode != 0}
    assert failed == {}
    assert all((tmp / "out" / f"report{SUFFIXES[f]}").stat().st_size > 0 for f in FORMATS)


def test_no_secret_anywhere(scanned: Scanned) -> None:
    fleet, tmp, runs = scanned
    haystacks: dict[str, bytes] = {}
    for name, proc in runs.items():
        haystacks[f"{name} stdout"] = proc.stdout
        haystacks[f"{name} stderr"] = proc.stderr
    with contextlib.closing(sqlite3.connect(tmp / "audit.db")) as conn:
        haystacks["database dump"] = "\n".join(conn.iterdump()).encode("utf-8", "replace")
    for path in sorted(tmp.glob("audit.db*")) + sorted((tmp / "out").iterdir()):
        for i, text in enumerate(_texts(path)):
            haystacks[f"{path.name}#{i}"] = text
    assert haystacks["debug.log#0"], "the debug log recorded nothing"
    leaks = [
        (where, secret) for secret in _secrets(fleet) for where, text in haystacks.items()
        if secret in text
    ]  # fmt: skip
    secrets = _secrets(fleet)
    record("credentials", secrets=len(secrets), places=len(haystacks), leaks=len(leaks))
    assert leaks == []
    assert len(haystacks) > 20


def test_secret_files_are_0600(scanned: Scanned, tmp_path: Path) -> None:
    _, tmp, runs = scanned
    assert (tmp / "credentials.yaml").stat().st_mode & 0o777 == 0o600
    assert b"can be read by other users" not in runs["scan"].stderr
    key = tmp_path / "signing.pem"
    made = subprocess.run(
        [sys.executable, "-m", "camaudit", "answer", "keygen", str(key)], env=ENV, check=False
    )
    assert made.returncode == 0 and key.stat().st_mode & 0o777 == 0o600


def test_a_readable_credentials_file_is_warned_about(tmp_path: Path) -> None:
    creds = tmp_path / "loose.yaml"
    creds.write_text(yaml.safe_dump([{"scope": "127.0.0.1", "username": "u", "password": "p4ss"}]))
    creds.chmod(0o644)
    proc = subprocess.run(
        [sys.executable, "-m", "camaudit", "scan", "127.0.0.1", "--probes", "tcp", "--ports",
         "tcp=1", "--db", f"sqlite:///{tmp_path / 'x.db'}", "--quiet", "--credentials", str(creds)],
        env=ENV, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "can be read by other users (mode 0644)" in proc.stderr
    assert "p4ss" not in proc.stderr + proc.stdout
