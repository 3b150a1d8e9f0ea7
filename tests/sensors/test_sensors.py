"""Distributed mode on real Redis and PostgreSQL (started for the test, on Unix sockets):
a sensor and the centre in threads against a loopback lab; scope refusals; forged evidence;
the central database briefly down."""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from camaudit.errors import InputError
from camaudit.lab import LabThread, build_fleet
from camaudit.sensors import registry, tokens, wire
from camaudit.sensors.agent import SensorConfig, run_sensor
from camaudit.sensors.centre import handle_ingest, run_centre
from camaudit.store import Store
from camaudit.store.tables import EvidenceRow
from tests.lab.lab_helpers import TEST_PORT_OFFSET, unique_subnet
from tests.servers import pg_ctl, postgres_server, redis_server, restart_redis, stop_redis

PROBES = ["http", "rtsp", "wsd", "sadp"]


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, Any]]:
    with redis_server() as (redis_url, sock), postgres_server() as (pg_url, bindir, data):
        yield {"redis": redis_url, "sock": sock, "pg": pg_url, "bindir": bindir, "data": data}


def wait_for(predicate: Any, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)  # polling the store for progress, not papering over a race


def evidence_count(store: Store, audit_id: int) -> int:
    with store.session() as s:
        return len(
            list(s.scalars(EvidenceRow.__table__.select().where(EvidenceRow.audit_id == audit_id)))
        )


def test_refusals(servers: dict[str, Any]) -> None:
    brk = wire.broker(servers["redis"])
    with Store.open(servers["pg"]) as store:
        a, token_a = registry.add_sensor(store, "Refuse Co", "North", ["127.91.1.0/24"])
        b, _ = registry.add_sensor(store, "Refuse Co", "South", ["127.91.2.0/24"])
        with pytest.raises(InputError, match="outside the scope"):
            registry.submit_job(store, brk, "Refuse Co", "North", ["127.91.2.0/28"])
        with pytest.raises(InputError, match="outside the scope"):
            registry.submit_job(store, brk, "Refuse Co", "North", ["127.91.1.0/23"])
        job = registry.submit_job(store, brk, "Refuse Co", "North", ["127.91.1.0/28"])
        assert job.status == "queued"
        # Evidence signed by North's token for South's addresses: refused, nothing stored.
        record = {
            "kind": "http_header",
            "payload": base64.b64encode(b"Server: forged\r\n").decode(),
            "ip": "127.91.2.5",
            "port": 80,
            "ts": None,
        }
        body = {"job": job.id, "sensor": a.handle, "evidence": [record]}
        assert registry.ingest(store, body, tokens.sign(a.key, body)) == (0, 1)
        # The same batch with a wrong signature, or sent as South for North's job: dropped.
        with pytest.raises(InputError, match="signature"):
            registry.ingest(store, body, tokens.sign("0" * 64, body))
        other = {**body, "sensor": b.handle}
        with pytest.raises(InputError, match="not for site"):
            registry.ingest(store, other, tokens.sign(b.key, other))
        handle_ingest(store, {**other, "sig": tokens.sign(b.key, other)})  # logged, not raised
        assert evidence_count(store, job.audit_id) == 0
        assert registry.get_job(store, job.id).rejected == 1
        assert token_a not in str(store.audits())  # the token itself is never stored
        registry.cancel_job(store, brk, job.id)
        assert registry.get_job(store, job.id).status == "cancelled"


def test_sensor_scans_and_centre_survives_a_db_outage(
    servers: dict[str, Any], tmp_path: Path
) -> None:
    subnet = unique_subnet()
    fleet = build_fleet(devices=6, subnet=subnet, port_offset=TEST_PORT_OFFSET, seed=3)
    brk = wire.broker(servers["redis"])
    stop = threading.Event()
    with Store.open(servers["pg"]) as store, LabThread(fleet):
        info, token = registry.add_sensor(store, "Flow Co", "Depot", [subnet])
        config = SensorConfig("Flow Co", "Depot", token, servers["redis"], tmp_path / "sensor")
        threads = [
            threading.Thread(target=run_sensor, args=(config, stop), daemon=True),
            threading.Thread(
                target=run_centre, args=(servers["pg"], servers["redis"], stop), daemon=True
            ),
        ]
        for t in threads:
            t.start()
        try:
            job = registry.submit_job(
                store,
                brk,
                "Flow Co",
                "Depot",
                [subnet],
                probes=PROBES,
                port_offset=TEST_PORT_OFFSET,
                timeout=1.0,
                rate=0,
            )
            # The central DB goes down while the sensor scans: the evidence waits in the broker
            # (the centre's messages are retried with backoff) and lands once the DB is back.
            pg_ctl(servers["bindir"], servers["data"], "stop")
            cursor = tmp_path / "sensor" / f"job-{job.id}.pushed"
            wait_for(cursor.exists, 60)
            pg_ctl(servers["bindir"], servers["data"], "start")
            wait_for(lambda: registry.get_job(store, job.id).status == "done", 90)
        finally:
            stop.set()
            for t in threads:
                t.join(30)
        got = registry.get_job(store, job.id)
        assert got.rejected == 0
        assert evidence_count(store, got.audit_id) > 0
        devices = store.devices("Flow Co")
        assert sorted(d.ip for d in devices) == sorted(d.ip for d in fleet.devices)
        assert info.site == "Depot"


def test_broker_restart_mid_job_loses_nothing(servers: dict[str, Any], tmp_path: Path) -> None:
    subnet = unique_subnet()
    fleet = build_fleet(devices=6, subnet=subnet, port_offset=TEST_PORT_OFFSET, seed=5)
    brk = wire.broker(servers["redis"])
    stop = threading.Event()
    with Store.open(servers["pg"]) as store, LabThread(fleet):
        _, token = registry.add_sensor(store, "Broker Co", "Yard", [subnet])
        config = SensorConfig("Broker Co", "Yard", token, servers["redis"], tmp_path / "sensor")
        threads = [
            threading.Thread(target=run_sensor, args=(config, stop), daemon=True),
            threading.Thread(
                target=run_centre, args=(servers["pg"], servers["redis"], stop), daemon=True
            ),
        ]
        for t in threads:
            t.start()
        try:
            job = registry.submit_job(
                store, brk, "Broker Co", "Yard", [subnet], probes=PROBES,
                port_offset=TEST_PORT_OFFSET, timeout=1.0, rate=0,
            )  # fmt: skip
            local = tmp_path / "sensor" / "sensor.db"
            wait_for(local.exists, 60)
            stop_redis(servers["sock"])  # the broker goes away while the sensor scans
            time.sleep(2)  # an outage of a known length: this is the fault, not a race fix
            restart_redis(servers["sock"])
            wait_for(lambda: registry.get_job(store, job.id).status == "done", 120)
        finally:
            stop.set()
            for t in threads:
                t.join(30)
        devices = store.devices("Broker Co")
        assert sorted(d.ip for d in devices) == sorted(d.ip for d in fleet.devices)
