"""The centre's worker: consumes evidence batches and job reports from the broker and stores
them in the central database (PostgreSQL in production).

A refused message (bad signature, wrong site, addresses outside the sensor's scope) is logged
and dropped; a database error (the central DB briefly unavailable) raises, so dramatiq retries
the message with backoff and nothing is lost. A report that arrives before all of its job's
evidence is retried until the evidence is in.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from sqlalchemy import func, select

from camaudit.errors import DatabaseURLError, InputError
from camaudit.sensors import registry, wire
from camaudit.store import Store
from camaudit.store.tables import EvidenceRow

logger = logging.getLogger(__name__)


class EvidenceNotYetIn(Exception):
    """A job report overtook some of its evidence (retried)."""


def handle_ingest(store: Store, message: dict[str, Any]) -> None:
    body = {k: v for k, v in message.items() if k != "sig"}
    try:
        accepted, rejected = registry.ingest(store, body, str(message.get("sig", "")))
    except InputError as exc:
        logger.error("evidence from sensor %s dropped: %s", body.get("sensor"), exc)
        return
    if rejected:
        logger.error(
            "job %s: %d record(s) for addresses outside sensor %s's scope refused",
            body.get("job"),
            rejected,
            body.get("sensor"),
        )
    logger.info("job %s: %d record(s) stored", body.get("job"), accepted)


def handle_report(store: Store, message: dict[str, Any]) -> None:
    body = {k: v for k, v in message.items() if k != "sig"}
    try:
        job = registry.get_job(store, int(body["job"]))
        with store.session() as s:
            have = (
                s.scalar(
                    select(func.count())
                    .select_from(EvidenceRow)
                    .where(EvidenceRow.audit_id == job.audit_id)
                )
                or 0
            )
        if have + job.rejected < int(body.get("evidence", 0)) and job.status != "cancelled":
            raise EvidenceNotYetIn(f"job {job.id}: {have} of {body.get('evidence')} records in")
        done = registry.report(store, body, str(message.get("sig", "")))
    except InputError as exc:
        logger.error("report from sensor %s dropped: %s", body.get("sensor"), exc)
        return
    logger.info("job %s: %s", done.id, done.status)


def open_when_up(db_url: str, stop: threading.Event | None, patience: float = 120.0) -> Store:
    """Open the central store, waiting (with backoff, up to ``patience`` seconds) while the
    database is unreachable: a centre may start before its database does."""
    deadline = time.monotonic() + patience
    delay = 0.5
    while True:
        try:
            return Store.open(db_url)
        except DatabaseURLError as exc:
            if time.monotonic() + delay > deadline:
                raise
            logger.warning("central database not reachable (%s); retrying in %.1fs", exc, delay)
            if stop is not None and stop.wait(delay):
                raise
            if stop is None:
                time.sleep(delay)
            delay = min(10.0, delay * 2)


def run_centre(db_url: str, broker_url: str, stop: threading.Event | None = None) -> None:
    """Serve the centre queue until ``stop`` is set."""
    import dramatiq

    brk = wire.broker(broker_url)
    store = open_when_up(db_url, stop)

    def ingest(message: dict[str, Any]) -> None:
        handle_ingest(store, message)

    def job_report(message: dict[str, Any]) -> None:
        handle_report(store, message)

    for fn, name in ((ingest, wire.INGEST_ACTOR), (job_report, wire.REPORT_ACTOR)):
        dramatiq.actor(
            broker=brk,
            actor_name=name,
            queue_name=wire.CENTRE_QUEUE,
            max_retries=10_000,
            min_backoff=500,
            max_backoff=15_000,
        )(fn)
    worker = dramatiq.Worker(brk, worker_threads=2)
    worker.start()
    logger.info("centre listening on %s", wire.CENTRE_QUEUE)
    try:
        (stop or threading.Event()).wait()
    finally:
        worker.stop()
        store.close()
