"""Durability, as an attacker (or a bad day) would test it: kill -9 at several points of a scan,
during an import and during a report; two scans into one SQLite file at once; a full disk (a
small tmpfs mounted by the test, as root); a read-only database. Each ends with a clean finish or
one clear line on stderr, and a consistent store: nothing half-written, nothing lost."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from bench.importers_bench import write_shodan

from camaudit.errors import LabError
from camaudit.lab import LabThread, build_fleet
from tests.figures import record

pytestmark = pytest.mark.slow
ENV = {**os.environ, "CAMAUDIT_DB": ""}
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "importers"
KILL_AT = (0.05, 0.4, 0.75)  # of the scan's jobs
ROOT = os.geteuid() == 0


def camaudit(*args: str) -> list[str]:
    return [sys.executable, "-m", "camaudit", *args]


def run(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        camaudit(*args), env=ENV, capture_output=True, text=True, timeout=timeout, check=False
    )


def one_line_error(proc: subprocess.CompletedProcess[str]) -> str:
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("camaudit: error: "), proc.stderr
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    return lines[0]


def consistent(db: Path) -> sqlite3.Connection:
    """The store passes SQLite's own checks (open read-only: a check must not repair it)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
    assert conn.execute("pragma foreign_key_check").fetchall() == []
    return conn


def count(db: Path, sql: str) -> int:
    try:
        with contextlib.closing(sqlite3.connect(db, timeout=10)) as conn:
            return int(conn.execute(sql).fetchone()[0])
    except sqlite3.OperationalError:  # not created yet
        return 0


def wait_for(proc: subprocess.Popen[bytes], ready: object, what: str, limit: float = 120) -> None:
    """Poll ``ready()`` (progress, not a race: the process is killed once it is true)."""
    deadline = time.monotonic() + limit
    while not ready() and proc.poll() is None and time.monotonic() < deadline:  # type: ignore[operator]
        time.sleep(0.02)
    assert proc.poll() is None, f"{what}: finished before it could be killed"
    assert ready(), f"{what}: never got there"  # type: ignore[operator]


def kill_9(proc: subprocess.Popen[bytes]) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()


# -- scans -----------------------------------------------------------------------------------


class Estate:
    def __init__(self, tmp: Path, subnet: str, port_offset: int = 23000) -> None:
        self.tmp = tmp
        self.fleet = build_fleet(devices=12, subnet=subnet, port_offset=port_offset)
        ports = sorted({d.ports["http"] for d in self.fleet.devices})
        self.args = [subnet, "--probes", "http", "--ports", ",".join(map(str, ports))]
        self.args += ["--rate", "100", "--timeout", "1"]

    def scan(self, db: Path, *extra: str) -> list[str]:
        return camaudit("scan", "--db", f"sqlite:///{db}", "--quiet", *self.args, *extra)

    def resume(self, db: Path, *extra: str) -> list[str]:
        return camaudit("scan", "--db", f"sqlite:///{db}", "--quiet", "--resume", *extra)


def devices_of(path: Path) -> list[tuple[str, str, str]]:
    return sorted((d["ip"], d["manufacturer"], d["model"]) for d in json.loads(path.read_text()))


def evidence_of(db: Path) -> set[tuple[str, str, int]]:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return set(conn.execute("select kind, ip, port from evidence"))


@pytest.fixture(scope="module")
def estate(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Estate, Path, Path]]:
    tmp = tmp_path_factory.mktemp("durability")
    subnet = f"127.{120 + os.getpid() % 100}.{os.getpid() % 250}.0/24"
    # The lab's UDP ports (SADP 37020, DHIP 37810 + offset) sit in the kernel's ephemeral range,
    # so any process's client socket may hold one for a moment: take the next offset then.
    for offset in (23000, 23100, 23200):
        estate = Estate(tmp, subnet, offset)
        lab = LabThread(estate.fleet)
        try:
            lab.start()  # a lab that fails to bind has closed what it bound
        except LabError as exc:
            if "already in use" not in str(exc) or offset == 23200:
                raise
            continue
        break
    try:
        full_db, full_json = tmp / "full.db", tmp / "full.json"
        subprocess.run(
            estate.scan(full_db, "--json", str(full_json)), check=True, env=ENV, timeout=180
        )
        yield estate, full_db, full_json
    finally:
        lab.stop()


@pytest.mark.parametrize("at", KILL_AT, ids=[f"kill-at-{int(a * 100)}pct" for a in KILL_AT])
def test_kill_9_during_a_scan_then_resume(
    estate: tuple[Estate, Path, Path], tmp_path: Path, at: float
) -> None:
    lab, full_db, full_json = estate
    jobs = count(full_db, "select count(*) from scan_jobs")  # of the uninterrupted scan
    db = tmp_path / "killed.db"
    proc = subprocess.Popen(lab.scan(db), env=ENV)
    wanted = max(1, int(jobs * at))
    wait_for(proc, lambda: count(db, "select count(*) from scan_jobs") >= wanted, "scan")
    kill_9(proc)
    consistent(db).close()
    done = count(db, "select count(*) from scan_jobs")
    assert wanted <= done < jobs
    resumed = tmp_path / "resumed.json"
    subprocess.run(lab.resume(db, "--json", str(resumed)), check=True, env=ENV, timeout=180)
    lost = evidence_of(full_db) - evidence_of(db)
    same = devices_of(resumed) == devices_of(full_json)
    record("kill9", during="scan", at=f"{done}/{jobs} jobs", evidence_lost=len(lost), same=same)
    assert same and len(devices_of(resumed)) == 12
    assert lost == set()  # no evidence lost
    conn = consistent(db)
    dup_jobs = "select count(*) from (select 1 from scan_jobs group by audit_id, probe, ip, port having count(*) > 1)"
    assert conn.execute(dup_jobs).fetchone()[0] == 0
    assert conn.execute("select count(*), min(status) from audits").fetchone() == (1, "done")


def test_two_scans_into_one_sqlite_file_at_once(
    estate: tuple[Estate, Path, Path], tmp_path: Path
) -> None:
    lab, _, full_json = estate
    db = tmp_path / "shared.db"
    subprocess.run(camaudit("devices", "--db", f"sqlite:///{db}"), env=ENV, check=True)  # created
    outs = [tmp_path / "a.json", tmp_path / "b.json"]
    procs = [subprocess.Popen(lab.scan(db, "--json", str(out)), env=ENV) for out in outs]
    assert [p.wait(timeout=180) for p in procs] == [0, 0]
    same = all(devices_of(out) == devices_of(full_json) for out in outs)
    record("concurrent", scans=2, same=same)
    assert same
    conn = consistent(db)
    assert conn.execute("select count(*), min(status), max(status) from audits").fetchone() == (
        2,
        "done",
        "done",
    )
    per_audit = conn.execute("select audit_id, count(*) from evidence group by 1").fetchall()
    assert len(per_audit) == 2 and per_audit[0][1] == per_audit[1][1]


# -- imports and reports ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def big_shodan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("big") / "big.jsonl"
    write_shodan(path, 4000)
    return path


def test_kill_9_during_an_import_leaves_nothing_of_it(big_shodan: Path, tmp_path: Path) -> None:
    db = tmp_path / "import.db"
    first = run("import", "nmap", str(FIXTURES / "nmap" / "estate.xml"), "--db", f"sqlite:///{db}")
    assert first.returncode == 0, first.stderr
    before = count(db, "select count(*) from evidence")
    wal = Path(f"{db}-wal")
    proc = subprocess.Popen(
        camaudit("import", "shodan", str(big_shodan), "--db", f"sqlite:///{db}", "-q"), env=ENV
    )
    # the import's one transaction is spilling pages into the write-ahead log: half-way through
    wait_for(proc, lambda: wal.exists() and wal.stat().st_size > 2 << 20, "import")
    kill_9(proc)
    conn = consistent(db)
    after = conn.execute("select count(*) from evidence").fetchone()[0]
    audits = conn.execute("select kind from audits").fetchall()
    record("kill9", during="import", at="WAL > 2 MB", evidence_lost=max(0, before - after),
           partial=after - before, same=audits == [("import:nmap",)])  # fmt: skip
    assert after == before
    assert audits == [("import:nmap",)]
    conn.close()
    again = run("import", "shodan", str(big_shodan), "--db", f"sqlite:///{db}", "-q")
    assert again.returncode == 0, again.stderr
    assert count(db, "select count(*) from evidence") > before + 3000


def test_kill_9_during_a_report_leaves_no_truncated_file(big_shodan: Path, tmp_path: Path) -> None:
    db = tmp_path / "report.db"
    assert run("import", "shodan", str(big_shodan), "--db", f"sqlite:///{db}", "-q").returncode == 0
    out = tmp_path / "estate.csv"
    proc = subprocess.Popen(
        camaudit("report", "-f", "csv", "-o", str(out), "--db", f"sqlite:///{db}"), env=ENV
    )
    wait_for(proc, lambda: any(tmp_path.glob(".estate.*.partial.csv")), "report")
    kill_9(proc)
    record("kill9", during="report", at="writing", evidence_lost=0, same=not out.exists())
    assert not out.exists()  # never a half-written report under the name asked for
    consistent(db).close()
    done = run("report", "-f", "csv", "-o", str(out), "--db", f"sqlite:///{db}")
    assert done.returncode == 0, done.stderr
    assert len(out.read_text().splitlines()) > 3000


# -- full disk, read-only database -----------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    if not ROOT:
        pytest.skip("mounting a tmpfs needs root (make test runs as root)")
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mnt)], check=True)
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_disk_full_during_an_import(small_disk: Path, big_shodan: Path) -> None:
    db = small_disk / "audit.db"
    url = f"sqlite:///{db}"
    assert run("import", "nmap", str(FIXTURES / "nmap" / "estate.xml"), "--db", url).returncode == 0
    before = count(db, "select count(*) from evidence")
    full = run("import", "shodan", str(big_shodan), "--db", url, "-q")
    record("disk_full", code=full.returncode, message=full.stderr.strip())
    assert full.returncode == 3
    assert "is full" in one_line_error(full)
    conn = consistent(db)
    assert conn.execute("select count(*) from evidence").fetchone()[0] == before
    assert conn.execute("select kind, status from audits").fetchall() == [("import:nmap", "done")]


def test_read_only_database(tmp_path: Path) -> None:
    if ROOT:  # root writes through file modes: make the file system read-only instead
        where = tmp_path / "mnt"
        where.mkdir()
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(where)], check=True)
    else:
        where = tmp_path
    db = where / "audit.db"
    url = f"sqlite:///{db}"
    try:
        assert (
            run("import", "nmap", str(FIXTURES / "nmap" / "estate.xml"), "--db", url).returncode
            == 0
        )
        before = count(db, "select count(*) from evidence")
        if ROOT:
            subprocess.run(["mount", "-o", "remount,ro", str(where)], check=True)
        else:
            db.chmod(0o444)
            where.chmod(0o555)
        refused = run("import", "nmap", str(FIXTURES / "nmap" / "estate.xml"), "--db", url)
        record("read_only", code=refused.returncode, message=refused.stderr.strip())
        assert refused.returncode == 3
        assert "read-only" in one_line_error(refused)
        listed = run("devices", "--db", url)  # reads work, or say the same in one line
        assert listed.returncode == 0 or "read-only" in one_line_error(listed)
        with contextlib.closing(sqlite3.connect(f"file:{db}?immutable=1", uri=True)) as conn:
            assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
            assert conn.execute("select count(*) from evidence").fetchone()[0] == before
    finally:
        if ROOT:
            subprocess.run(["umount", "-l", str(where)], check=False)
        else:
            where.chmod(0o755)
