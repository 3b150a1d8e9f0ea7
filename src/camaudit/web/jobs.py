"""Background jobs (imports and scans) run in threads, with progress the pages poll.

Jobs live in the server process's memory: they are for watching progress, not records (the audit
a job produces, and the activity log, are the records). A job belongs to one organisation and is
shown only to callers the scoped estate lets operate there.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from camaudit.errors import CamauditError
from camaudit.models import utcnow


@dataclass(slots=True)
class Job:
    id: str
    kind: str  # "import" or "scan"
    org: str
    username: str
    label: str
    status: str = "queued"  # queued, running, done, failed
    done: int = 0
    total: int | None = None
    message: str = ""
    audit_id: int | None = None
    started: datetime = field(default_factory=utcnow)
    finished: datetime | None = None

    @property
    def percent(self) -> int | None:
        if self.status == "done":
            return 100
        if not self.total:
            return None
        return min(99, int(100 * self.done / self.total))

    @property
    def active(self) -> bool:
        return self.status in ("queued", "running")

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "kind": self.kind,
            "org": self.org,
            "label": self.label,
            "status": self.status,
            "done": self.done,
            "total": self.total,
            "percent": self.percent,
            "message": self.message,
            "audit_id": self.audit_id,
            "started": self.started.isoformat(),
            "finished": self.finished.isoformat() if self.finished else None,
        }


class JobManager:
    """Starts jobs in daemon threads and keeps the last :data:`KEEP` of them."""

    KEEP = 200

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self._threads: dict[str, threading.Thread] = {}
        self._lock = threading.Lock()

    def start(self, job: Job, work: Callable[[Job], int | None]) -> Job:
        """Run ``work(job)`` in a thread; its return value is the audit id it produced."""

        def run() -> None:
            job.status = "running"
            try:
                job.audit_id = work(job)
                job.status = "done"
            except CamauditError as exc:
                job.status, job.message = "failed", str(exc)
            except Exception as exc:  # a bug: keep the server up, say what happened
                job.status, job.message = "failed", f"internal error: {type(exc).__name__}: {exc}"
            finally:
                job.finished = utcnow()

        thread = threading.Thread(target=run, name=f"camaudit-job-{job.id}", daemon=True)
        with self._lock:
            self._jobs[job.id] = job
            self._threads[job.id] = thread
            while len(self._jobs) > self.KEEP:
                oldest = next(iter(self._jobs))
                self._jobs.pop(oldest)
                self._threads.pop(oldest, None)
        thread.start()
        return job

    def new_id(self) -> str:
        return secrets.token_hex(8)

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def jobs(self, orgs: frozenset[str]) -> list[Job]:
        with self._lock:
            return [j for j in reversed(self._jobs.values()) if j.org in orgs]

    def wait(self, job_id: str, timeout: float | None = None) -> Job | None:
        """Block until a job ends (tests and the CLI); None if unknown."""
        with self._lock:
            thread = self._threads.get(job_id)
        if thread is not None:
            thread.join(timeout)
        return self.get(job_id)
