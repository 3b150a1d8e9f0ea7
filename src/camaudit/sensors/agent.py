"""The site sensor: pulls its site's scan jobs from the broker, runs each with the ordinary
scanner into a local journal (SQLite), and pushes the evidence to the centre in signed batches.

Faults: killed mid-job (``kill -9``), the job's message is not acknowledged, so the broker gives
it back after its heartbeat timeout and the restarted sensor resumes the local scan from its
journal (nothing repeated) and re-pushes from its last acknowledged batch (the centre stores
nothing twice). Broker unreachable (restart, partition): the evidence stays in the local journal
— the spool — and the push retries with backoff until it goes through. Credentials for
authenticated inventory are read from a file at the site and never leave it.
"""

from __future__ import annotations

import base64
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from camaudit import api
from camaudit.errors import CamauditError, InputError
from camaudit.probes import DEFAULT_PROBES
from camaudit.scan import ScanOptions
from camaudit.sensors import tokens, wire
from camaudit.sensors.registry import ipset
from camaudit.store import Store
from camaudit.store.journal import latest_unfinished_scan
from camaudit.store.tables import EvidenceRow

logger = logging.getLogger(__name__)
BATCH = 200
#: Backoff between attempts to reach the broker (seconds): doubles up to the cap.
RETRY_FIRST, RETRY_CAP = 0.5, 10.0


@dataclass(slots=True)
class SensorConfig:
    org: str
    site: str
    token: str
    broker_url: str
    workdir: Path
    credentials: Path | None = None
    allow: list[str] | None = None  # optional local allow-list (defence in depth)
    concurrency: int = 256

    @property
    def key(self) -> str:
        return tokens.key_of(self.token)

    @property
    def handle(self) -> str:
        return tokens.sensor_id_of(self.key)


def retrying(what: str, action: Callable[[], Any], stop: threading.Event | None = None) -> Any:
    """Run ``action`` until it succeeds (broker/network errors only), with capped backoff."""
    delay = RETRY_FIRST
    while True:
        try:
            return action()
        except CamauditError:
            raise
        except Exception as exc:  # the client's connection errors: spool and retry
            logger.warning("%s failed (%s); retrying in %.1fs", what, exc, delay)
            if stop is not None and stop.wait(delay):
                raise
            if stop is None:
                time.sleep(delay)
            delay = min(RETRY_CAP, delay * 2)


class Sensor:
    """One site's sensor (``camaudit sensor run``)."""

    def __init__(self, config: SensorConfig, brk: Any) -> None:
        self.config = config
        self.broker = brk
        config.workdir.mkdir(parents=True, exist_ok=True)
        self.store = Store.open(f"sqlite:///{config.workdir / 'sensor.db'}")

    def close(self) -> None:
        self.store.close()

    # -- the job ------------------------------------------------------------------------------

    def check(self, message: dict[str, Any]) -> dict[str, Any]:
        """The job's body if it is genuine and for this sensor (InputError otherwise)."""
        body = {k: v for k, v in message.items() if k != "sig"}
        if not tokens.verify(self.config.key, body, str(message.get("sig", ""))):
            raise InputError("refused job: bad signature (not from this sensor's centre)")
        if body.get("sensor") != self.config.handle or body.get("site") != self.config.site:
            raise InputError("refused job: addressed to another sensor")
        if self.config.allow:
            outside = ipset(body["targets"], body.get("exclude", ())) - ipset(self.config.allow)
            if outside:
                raise InputError(f"refused job: {outside.iter_cidrs()[0]} is outside --allow")
        return body

    def cancelled(self, job: int) -> bool:
        return bool(
            retrying(
                "cancellation check",
                lambda: self.broker.client.sismember(wire.CANCELLED_KEY, str(job)),
            )
        )

    def handle(self, message: dict[str, Any]) -> None:
        """Run one job message to the end (scan or resume, push, report)."""
        try:
            body = self.check(message)
        except InputError as exc:
            logger.error("%s", exc)
            return
        job = int(body["job"])
        if self.cancelled(job):
            logger.info("job %s was cancelled; skipped", job)
            return
        local_org = f"job-{job}"
        audit = self._local_audit(body, local_org)
        self.push(job, audit)
        self._report(job, audit, "done")

    def _local_audit(self, body: dict[str, Any], local_org: str) -> int:
        finished = [a for a in self.store.audits(local_org) if a.status == "done"]
        if finished:
            assert finished[-1].id is not None
            return finished[-1].id
        resume = latest_unfinished_scan(self.store, local_org)
        if resume is not None:
            logger.info("job %s: resuming local scan %s", body["job"], resume)
            return _audit_id(api.scan([], store=self.store, resume=resume))
        options = ScanOptions(
            concurrency=self.config.concurrency,
            rate=float(body.get("rate", 500.0)),
            timeout=float(body.get("timeout", 3.0)),
        )
        report = api.scan(
            body["targets"],
            store=self.store,
            exclude=body.get("exclude", ()),
            probes=body.get("probes") or DEFAULT_PROBES,
            port_offset=int(body.get("port_offset", 0)),
            options=options,
            credentials=self.config.credentials,  # the site's own file; never sent anywhere
            org=local_org,
            site=self.config.site,
        )
        return _audit_id(report)

    # -- pushing ------------------------------------------------------------------------------

    def _cursor_file(self, job: int) -> Path:
        return self.config.workdir / f"job-{job}.pushed"

    def push(self, job: int, audit: int) -> int:
        """Send the local audit's evidence from the last acknowledged batch on; the count."""
        cursor_file = self._cursor_file(job)
        cursor = int(cursor_file.read_text()) if cursor_file.exists() else 0
        sent = 0
        while True:
            with self.store.session() as s:
                rows = list(
                    s.scalars(
                        select(EvidenceRow)
                        .where(EvidenceRow.audit_id == audit, EvidenceRow.id > cursor)
                        .order_by(EvidenceRow.id)
                        .limit(BATCH)
                    )
                )
            if not rows:
                return sent
            body = {
                "job": job,
                "sensor": self.config.handle,
                "evidence": [_record(r) for r in rows],
            }
            message = {**body, "sig": tokens.sign(self.config.key, body)}
            self._send(f"push of job {job}", wire.INGEST_ACTOR, message)
            cursor = rows[-1].id
            cursor_file.write_text(str(cursor))  # acknowledged by the broker: never resent
            sent += len(rows)

    def _report(self, job: int, audit: int, status: str) -> None:
        with self.store.session() as s:
            count = len(
                list(s.scalars(select(EvidenceRow.id).where(EvidenceRow.audit_id == audit)))
            )
        body = {"job": job, "sensor": self.config.handle, "status": status, "evidence": count}
        message = {**body, "sig": tokens.sign(self.config.key, body)}

        self._send(f"report of job {job}", wire.REPORT_ACTOR, message)

    def _send(self, what: str, actor: str, message: dict[str, Any]) -> None:
        def send() -> None:
            wire.send(self.broker, wire.CENTRE_QUEUE, actor, message)

        retrying(what, send)


def _audit_id(report: api.ScanReport) -> int:
    assert report.audit.id is not None
    return report.audit.id


def _record(row: EvidenceRow) -> dict[str, Any]:
    return {
        "kind": row.kind,
        "payload": base64.b64encode(row.payload).decode(),
        "sha256": row.sha256,
        "ip": row.ip,
        "port": row.port,
        "mac": row.mac,
        "ts": row.ts.isoformat() if row.ts else None,
        "source": row.source,
    }


def run_sensor(config: SensorConfig, stop: threading.Event | None = None) -> None:
    """Serve the site's queue until ``stop`` is set (or the process is stopped)."""
    import dramatiq

    brk = wire.broker(config.broker_url)
    sensor = Sensor(config, brk)

    def scan_job(message: dict[str, Any]) -> None:
        sensor.handle(message)

    dramatiq.actor(
        broker=brk,
        actor_name=wire.JOB_ACTOR,
        queue_name=wire.site_queue(config.org, config.site),
        max_retries=1000,
        time_limit=24 * 3600 * 1000,
    )(scan_job)
    worker = dramatiq.Worker(brk, worker_threads=1)
    worker.start()
    logger.info("sensor %s for %s/%s listening", config.handle, config.org, config.site)
    try:
        (stop or threading.Event()).wait()
    finally:
        worker.stop()
        sensor.close()
