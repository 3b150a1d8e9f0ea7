"""kill -9 in the middle of a scan, then --resume: the same devices as an uninterrupted scan."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from camaudit.lab import LabThread, build_fleet


def _jobs_done(db: str) -> int:
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return conn.execute("select count(*) from scan_jobs").fetchone()[0]
    except sqlite3.OperationalError:  # not created yet
        return 0


def _scan_cmd(db: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "camaudit", "scan", "--db", f"sqlite:///{db}", "--quiet", *args]


@pytest.mark.slow
def test_kill_9_then_resume_matches_uninterrupted(tmp_path, loopback_subnet):
    fleet = build_fleet(devices=12, subnet=loopback_subnet, port_offset=23000)
    ports = sorted({d.ports["http"] for d in fleet.devices})
    block = loopback_subnet
    args = [
        block,
        "--probes",
        "http",
        "--ports",
        ",".join(map(str, ports)),
        "--rate",
        "40",
        "--timeout",
        "1",
    ]
    env = {**os.environ, "CAMAUDIT_DB": ""}
    with LabThread(fleet):
        full_db = str(tmp_path / "full.db")
        out_full = tmp_path / "full.json"
        subprocess.run(
            _scan_cmd(full_db, *args, "--json", str(out_full)), check=True, env=env, timeout=120
        )

        db = str(tmp_path / "killed.db")
        proc = subprocess.Popen(_scan_cmd(db, *args), env=env)
        deadline = time.monotonic() + 60
        while _jobs_done(db) < 40 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)  # polling for progress, not waiting out a race
        assert proc.poll() is None, "scan finished before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        done_before = _jobs_done(db)
        total_jobs = 2 * 256 * len(ports)  # a /24: a TCP sweep and the HTTP probe per port
        assert 0 < done_before < total_jobs

        out_resumed = tmp_path / "resumed.json"
        subprocess.run(
            _scan_cmd(db, "--resume", "--json", str(out_resumed)), check=True, env=env, timeout=120
        )

    def summary(path):
        return sorted(
            (d["ip"], d["manufacturer"], d["model"]) for d in json.loads(path.read_text())
        )

    assert summary(out_resumed) == summary(out_full)
    assert len(summary(out_full)) == 12
    with sqlite3.connect(db) as conn:
        dup = conn.execute(
            "select count(*) from (select audit_id, probe, ip, port from scan_jobs group by 1,2,3,4 having count(*) > 1)"
        ).fetchone()[0]
        ev_dup = conn.execute(
            "select count(*) from (select audit_id, kind, ip, port, sha256 from evidence group by 1,2,3,4,5 having count(*) > 1)"
        ).fetchone()[0]
        audits = conn.execute("select count(*), min(status) from audits").fetchone()
    assert dup == 0 and ev_dup == 0
    assert audits == (1, "done")
