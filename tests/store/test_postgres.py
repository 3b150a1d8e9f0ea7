"""The same migrations and store code on PostgreSQL (a throwaway cluster on a Unix socket).

Skips where PostgreSQL's server binaries or psycopg are missing, or when not root (initdb must
run as the postgres user).
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from camaudit.inventory import build_devices
from camaudit.models import Evidence, EvidenceKind
from camaudit.store import Store


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    bindir = _pg_bin()
    if bindir is None or os.geteuid() != 0 or shutil.which("runuser") is None:
        pytest.skip("PostgreSQL server binaries (or root) not available")
    pytest.importorskip("psycopg")
    # Not under pytest's tmp dir: that is private to root, and the server runs as postgres.
    base = Path(tempfile.mkdtemp(prefix="camaudit-pg-"))
    data, sock = base / "data", base / "sock"
    sock.mkdir()
    shutil.chown(base, "postgres")
    shutil.chown(sock, "postgres")
    as_pg = ["runuser", "-u", "postgres", "--"]
    subprocess.run(
        [*as_pg, str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [
            *as_pg,
            str(bindir / "pg_ctl"),
            "-D",
            str(data),
            "-w",
            "-l",
            str(base / "log"),
            "-o",
            f"-c listen_addresses='' -k {sock}",
            "start",
        ],
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql+psycopg://postgres@/postgres?host={sock}"
    finally:
        subprocess.run(
            [*as_pg, str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"],
            capture_output=True,
        )
        shutil.rmtree(base, ignore_errors=True)


def test_migrations_and_store_on_postgres(pg_url):
    with Store.open(pg_url) as store:
        audit = store.begin_audit("import", "PG Council", "Depot")
        ev = Evidence(
            EvidenceKind.MAC, b"c4:2f:90:00:00:09", ip="127.0.0.9", mac="c4:2f:90:00:00:09"
        )
        assert store.add_evidence(audit.id, [ev]) == store.add_evidence(audit.id, [ev])
        devices = build_devices(store, "PG Council", audit_ids=[audit.id])
        assert [d.identity.manufacturer for d in devices] == ["Hikvision"]
        assert store.devices("PG Council", restricted=True)[0].key == "mac:c4:2f:90:00:00:09"
    with Store.open(pg_url) as again:  # re-opening runs no migration twice
        assert again.count_evidence() == 1


def test_oversight_records_on_postgres(pg_url, tmp_path):
    from datetime import date

    from camaudit.oversight import service
    from camaudit.oversight.survey import SHIPPED_SURVEYS, load_survey
    from camaudit.oversight.types import Caller, ResponseStatus

    editor = Caller.oversight("editor")
    with Store.open(pg_url) as store:
        service.load_reference_bodies(store, editor)
        loaded = load_survey(store, editor, SHIPPED_SURVEYS["scotland-2025-01"])
        att = tmp_path / "reply.pdf"
        att.write_bytes(b"%PDF-1.4 reply")
        service.record_response(
            store,
            editor,
            loaded.requests[0].id,
            "fife",
            ResponseStatus.REFUSED,
            exemption="s.31",
            attachments=[att],
        )
        s = service.round_summary(
            store, editor, "2025-01", today=date(2025, 2, 1), request_ids=[loaded.requests[0].id]
        )
        counts = {line.status: line.bodies for line in s.statuses}
        assert counts[ResponseStatus.CONFIRMED] == 9 and counts[ResponseStatus.REFUSED] == 1
