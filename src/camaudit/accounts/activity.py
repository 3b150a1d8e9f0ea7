"""The activity log: who did what, when, in which organisation."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, or_, select

from camaudit.models import utcnow
from camaudit.store import Store
from camaudit.store.web_tables import ActivityRow


@dataclass(frozen=True, slots=True)
class ActivityEntry:
    id: int
    ts: datetime
    username: str
    organisation: str | None
    action: str
    target: str
    detail: str


def record(
    store: Store,
    username: str,
    action: str,
    *,
    org: str | None = None,
    target: str = "",
    detail: str = "",
) -> None:
    """Append one entry (never updated or deleted)."""
    with store.session() as s, s.begin():
        s.add(
            ActivityRow(
                ts=utcnow(),
                username=username[:100],
                organisation=org,
                action=action[:60],
                target=target[:300],
                detail=detail,
            )
        )


def entries(
    store: Store, orgs: Iterable[str], *, username: str | None = None, limit: int = 200
) -> list[ActivityEntry]:
    """Newest first: entries of ``orgs``, plus ``username``'s own entries with no organisation."""
    names = sorted(set(orgs))
    cond: ColumnElement[bool] = ActivityRow.organisation.in_(names)
    if username is not None:
        cond = or_(cond, (ActivityRow.organisation.is_(None)) & (ActivityRow.username == username))
    q = select(ActivityRow).where(cond).order_by(ActivityRow.id.desc()).limit(limit)
    with store.session() as s:
        return [
            ActivityEntry(r.id, r.ts, r.username, r.organisation, r.action, r.target, r.detail)
            for r in s.scalars(q)
        ]
