"""The scan journal: results are committed together with the job that produced them, so a scan
killed at any moment can be resumed with nothing lost and nothing stored twice."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select

from camaudit.models import Evidence, utcnow
from camaudit.store.db import Store, insert_ignoring_duplicates
from camaudit.store.tables import AuditRow, EvidenceRow, OrganisationRow, ScanJobRow


@dataclass(slots=True)
class JobOutcome:
    """What one finished job produced."""

    probe: str
    ip: str
    port: int
    status: str
    evidence: list[Evidence] = field(default_factory=list)


class ScanJournal:
    """Append finished jobs of one scan audit, in batches (one transaction each)."""

    def __init__(self, store: Store, audit_id: int) -> None:
        self.store = store
        self.audit_id = audit_id

    def done(self) -> set[tuple[str, str, int]]:
        """(probe, ip, port) of every job already recorded."""
        with self.store.session() as s:
            rows = s.execute(
                select(ScanJobRow.probe, ScanJobRow.ip, ScanJobRow.port).where(
                    ScanJobRow.audit_id == self.audit_id
                )
            )
            return {(p, ip, port) for p, ip, port in rows}

    def open_ports(self) -> set[tuple[str, int]]:
        """(ip, port) pairs the scan's TCP sweep already found open."""
        with self.store.session() as s:
            rows = s.execute(
                select(ScanJobRow.ip, ScanJobRow.port).where(
                    ScanJobRow.audit_id == self.audit_id,
                    ScanJobRow.probe == "tcp",
                    ScanJobRow.status == "success",
                )
            )
            return {(ip, port) for ip, port in rows}

    def record(self, outcomes: Sequence[JobOutcome]) -> None:
        """Store the outcomes and their evidence atomically, in bulk. Replaying a batch (after a
        crash between commit and acknowledgement) is harmless: the unique constraints on jobs and
        on identical observations make every row insert at most once."""
        if not outcomes:
            return
        now = utcnow()
        jobs = [
            {
                "audit_id": self.audit_id,
                "probe": o.probe,
                "ip": o.ip,
                "port": o.port,
                "status": o.status,
                "evidence": len(o.evidence),
            }
            for o in outcomes
        ]
        evidence = [
            {
                "audit_id": self.audit_id,
                "kind": ev.kind.value,
                "sha256": ev.sha256,
                "payload": ev.payload,
                "ip": ev.ip,
                "port": ev.port,
                "mac": ev.mac,
                "ts": ev.ts or now,
                "source": ev.source,
                "truncated": ev.truncated,
            }
            for o in outcomes
            for ev in o.evidence
        ]
        with self.store.session() as s, s.begin():
            insert_ignoring_duplicates(s, EvidenceRow, evidence)
            insert_ignoring_duplicates(s, ScanJobRow, jobs)


def latest_unfinished_scan(store: Store, org: str | None = None) -> int | None:
    """Id of the most recent scan audit that did not finish (running or interrupted)."""
    q = (
        select(AuditRow.id)
        .join(OrganisationRow, OrganisationRow.id == AuditRow.organisation_id)
        .where(AuditRow.kind == "scan", AuditRow.status.in_(("running", "interrupted")))
        .order_by(AuditRow.id.desc())
    )
    if org:
        q = q.where(OrganisationRow.name == org)
    with store.session() as s:
        found = s.scalar(q.limit(1))
    return int(found) if found is not None else None
