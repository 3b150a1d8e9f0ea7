"""The queue engine: dramatiq on Redis (docs/architecture.md says why).

Queues: ``camaudit.site.<org>.<site>`` carries scan jobs to that site's sensor; ``camaudit.centre``
carries evidence batches and job reports to the centre. Messages are plain JSON with the
sender's handle and an HMAC signature (:mod:`camaudit.sensors.tokens`).
"""

from __future__ import annotations

import re
from typing import Any

from camaudit.errors import InputError

CENTRE_QUEUE = "camaudit.centre"
JOB_ACTOR = "scan_job"
INGEST_ACTOR = "ingest"
REPORT_ACTOR = "job_report"
CANCELLED_KEY = "camaudit:cancelled-jobs"
#: A killed worker's unacknowledged messages go back on their queue after this long (ms).
HEARTBEAT_TIMEOUT_MS = 10_000


def site_queue(org: str, site: str) -> str:
    """The queue name of a site's jobs (names folded to [a-z0-9-])."""

    def fold(text: str) -> str:
        return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"

    return f"camaudit.site.{fold(org)}.{fold(site)}"


def broker(url: str) -> Any:
    """A dramatiq Redis broker for ``url`` (redis://host:port/db or unix:///path.sock)."""
    try:
        from dramatiq.brokers.redis import MAINTENANCE_SCALE, RedisBroker
    except ImportError as exc:  # pragma: no cover - optional dependency
        raise InputError(
            "distributed mode needs dramatiq[redis]: pip install 'camaudit[sensors]'"
        ) from exc
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise InputError(f"--broker must be a redis://, rediss:// or unix:// URL, not {url!r}")
    return RedisBroker(  # type: ignore[no-untyped-call]
        url=url,
        heartbeat_timeout=HEARTBEAT_TIMEOUT_MS,
        dead_message_ttl=86_400_000,
        # Requeue a dead worker's messages on every fetch: sensors are few and queues short,
        # so a killed sensor's job comes back within the heartbeat timeout.
        maintenance_chance=MAINTENANCE_SCALE,
    )


def send(brk: Any, queue: str, actor: str, body: dict[str, Any], max_retries: int = 1000) -> None:
    """Enqueue one message for ``actor`` on ``queue`` (raises the client's error when the broker
    is unreachable: callers spool and retry)."""
    from dramatiq import Message

    brk.enqueue(
        Message(
            queue_name=queue,
            actor_name=actor,
            args=(body,),
            kwargs={},
            options={"max_retries": max_retries},
        )
    )
