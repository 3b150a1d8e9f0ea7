"""Atomic imports: one audit per file, all of its evidence or none of it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from camaudit.errors import EvidenceFormatError
from camaudit.models import Audit, Evidence, utcnow
from camaudit.store.db import Store, insert_evidence
from camaudit.store.tables import AuditRow


def atomic_import(
    store: Store,
    kind: str,
    evidence: Iterable[Evidence],
    *,
    org: str,
    site: str | None = None,
    params: dict[str, Any] | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[Audit, int]:
    """Store every record of ``evidence`` under a new audit in ONE transaction.

    If the iterator raises (a bad line, an unreadable file), yields nothing, or the process dies,
    the transaction is rolled back: the database holds no trace of the import. Returns the audit and the number
    of evidence records read.
    """
    count = 0
    with store.session() as s, s.begin():
        org_id = store._org_id(s, org)
        assert org_id is not None
        site_id = store._site_id(s, org_id, site)
        started = utcnow()
        row = AuditRow(
            organisation_id=org_id,
            site_id=site_id,
            kind=kind,
            status="done",
            started=started,
            params=params or {},
        )
        s.add(row)
        s.flush()
        for ev in evidence:
            insert_evidence(s, row.id, ev)
            count += 1
            if progress is not None and count % 1000 == 0:
                progress(count)
        if count == 0:
            # Nothing recognisable: most likely the wrong format. Roll back the empty audit.
            raise EvidenceFormatError(
                f"no {kind.removeprefix('import:')} records found (is this the right format?)",
                source=str((params or {}).get("file", "")) or None,
            )
        row.finished = utcnow()
        audit = Audit(kind, org, site, row.id, started, row.finished, "done", params or {})
    if progress is not None:
        progress(count)
    return audit, count
