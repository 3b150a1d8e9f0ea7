"""Acceptance: three sites, each a lab subnet in network namespaces of its own with its sensor
inside, one centre (PostgreSQL + Redis) outside; every device arrives attributed to its site;
a sensor killed with SIGKILL mid-job and restarted gives the same device and evidence counts as
a clean run; a sensor's forged evidence for another site's addresses is refused.

The sensors reach the broker over its Unix socket (the filesystem is shared, the networks are
not): no address outside the namespaces this test creates is ever used."""

from __future__ import annotations

import base64
import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from camaudit.lab import build_fleet
from camaudit.lab.namespaces import unavailable_reason
from camaudit.lab.netns import NetnsLab
from camaudit.sensors import registry, tokens, wire
from camaudit.sensors.centre import run_centre
from camaudit.store import Store
from camaudit.store.tables import EvidenceRow
from tests.servers import postgres_server, redis_server

REASON = unavailable_reason()
pytestmark = [
    pytest.mark.netns,
    pytest.mark.slow,
    pytest.mark.timeout(600),
    pytest.mark.skipif(REASON is not None, reason=REASON or ""),
]
CAMAUDIT = Path(sys.executable).with_name("camaudit")
ORG = "Three Sites Council"
SITES = ("Town Centre", "Depot", "Station")
PROBES = "http,https,rtsp,onvif,wsd,sadp,dhip,banner"


def wait_for(predicate: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.25)  # polling for progress, not papering over a race


def evidence(store: Store, audit_id: int) -> list[tuple[str | None, str]]:
    with store.session() as s:
        rows = s.execute(
            EvidenceRow.__table__.select().where(EvidenceRow.audit_id == audit_id)
        ).all()
    return [(r.ip, r.kind) for r in rows]


def local_jobs_done(workdir: Path) -> int:
    db = workdir / "sensor.db"
    if not db.exists():
        return 0
    with contextlib.closing(sqlite3.connect(db, timeout=5)) as conn:
        try:
            return int(conn.execute("select count(*) from scan_jobs").fetchone()[0])
        except sqlite3.OperationalError:
            return 0


def test_three_sites_kill_and_forgery(tmp_path: Path) -> None:
    with contextlib.ExitStack() as stack:
        redis_url, _ = stack.enter_context(redis_server())
        pg_url, _, _ = stack.enter_context(postgres_server())
        fleets = [
            build_fleet(devices=6, netns=True, subnet=f"10.231.{60 + i}.0/24", seed=10 + i)
            for i in range(3)
        ]
        labs = [stack.enter_context(NetnsLab(f, devices_per_namespace=6)) for f in fleets]
        store = stack.enter_context(Store.open(pg_url))
        brk = wire.broker(redis_url)
        stop = threading.Event()
        centre = threading.Thread(target=run_centre, args=(pg_url, redis_url, stop), daemon=True)
        centre.start()
        sensors, procs = [], {}

        def start(i: int) -> subprocess.Popen[bytes]:
            _info, token = sensors[i]
            cmd = [
                str(CAMAUDIT), "sensor", "run", "--org", ORG, "--site", SITES[i],
                "--broker", redis_url, "--workdir", str(tmp_path / f"sensor{i}"),
                "--allow", fleets[i].subnet,
            ]  # fmt: skip
            env = {**os.environ, "CAMAUDIT_SENSOR_TOKEN": token, "CAMAUDIT_DB": ""}
            return labs[i].popen_in_scanner(cmd, env=env)

        try:
            for i, fleet in enumerate(fleets):
                sensors.append(registry.add_sensor(store, ORG, SITES[i], [fleet.subnet]))
                procs[i] = start(i)

            def submit(i: int) -> registry.JobInfo:
                return registry.submit_job(
                    store, brk, ORG, SITES[i], [fleets[i].subnet],
                    probes=PROBES.split(","), timeout=1.5, rate=0,
                )  # fmt: skip

            jobs = [submit(i) for i in range(3)]
            for job in jobs:
                wait_for(
                    lambda j=job: registry.get_job(store, j.id).status == "done",
                    240,
                    f"job {job.id}",
                )
            devices = store.devices(ORG)
            by_site = {s: sorted(d.ip or "" for d in devices if d.site == s) for s in SITES}
            for i, site in enumerate(SITES):
                assert by_site[site] == sorted(d.ip for d in fleets[i].devices), site
            clean = evidence(store, jobs[0].audit_id)
            assert clean and all(ip in {d.ip for d in fleets[0].devices} for ip, _ in clean)

            # kill -9 the first sensor mid-job, restart it: nothing lost, nothing twice.
            before = local_jobs_done(tmp_path / "sensor0")
            again = submit(0)
            wait_for(lambda: local_jobs_done(tmp_path / "sensor0") > before + 20, 120, "progress")
            procs[0].send_signal(signal.SIGKILL)
            procs[0].wait(30)
            assert registry.get_job(store, again.id).status != "done"
            procs[0] = start(0)
            wait_for(lambda: registry.get_job(store, again.id).status == "done", 240, "resumed job")
            resumed = evidence(store, again.audit_id)
            assert sorted(resumed) == sorted(clean)
            resumed_devices = {d.ip for d in store.devices(ORG) if d.site == SITES[0]}
            assert resumed_devices == {d.ip for d in fleets[0].devices}

            # Sensor 0, with its own valid token, claims evidence for site 1's addresses.
            info0, _ = sensors[0]
            victim = fleets[1].devices[0].ip
            forged = {
                "job": again.id,
                "sensor": info0.handle,
                "evidence": [
                    {
                        "kind": "http_header",
                        "payload": base64.b64encode(b"Server: Hikvision-Webs\r\n").decode(),
                        "ip": victim,
                        "port": 80,
                        "ts": None,
                    }
                ],
            }
            wire.send(
                brk, wire.CENTRE_QUEUE, wire.INGEST_ACTOR,
                {**forged, "sig": tokens.sign(info0.key, forged)},
            )  # fmt: skip
            wait_for(lambda: registry.get_job(store, again.id).rejected >= 1, 60, "refusal")
            assert victim not in {ip for ip, _ in evidence(store, again.audit_id)}
            # ...and a job for a scope that sensor is not allowed is refused at submission.
            with pytest.raises(Exception, match="outside the scope"):
                registry.submit_job(store, brk, ORG, SITES[0], [fleets[1].subnet])
        finally:
            stop.set()
            for proc in procs.values():
                if proc.poll() is None:
                    proc.terminate()
                    try:
                        proc.wait(20)
                    except subprocess.TimeoutExpired:
                        proc.kill()
                        proc.wait(10)
            centre.join(30)
