"""Scan scopes: the targets an organisation's admin allows its operators to scan."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select

from camaudit.errors import InputError
from camaudit.net.scope import Scope
from camaudit.store import Store
from camaudit.store.tables import OrganisationRow
from camaudit.store.web_tables import ScanScopeRow


@dataclass(frozen=True, slots=True)
class ScanScope:
    id: int
    org: str
    name: str
    targets: tuple[str, ...]
    exclude: tuple[str, ...] = ()
    site: str | None = None
    port_offset: int = 0
    options: dict[str, Any] = field(default_factory=dict)


def _scope(row: ScanScopeRow, org: str) -> ScanScope:
    return ScanScope(
        row.id,
        org,
        row.name,
        tuple(row.targets),
        tuple(row.exclude),
        row.site,
        row.port_offset,
        dict(row.options or {}),
    )


def add_scope(
    store: Store,
    org: str,
    name: str,
    targets: list[str],
    exclude: list[str] | None = None,
    *,
    site: str | None = None,
    port_offset: int = 0,
    options: dict[str, Any] | None = None,
) -> ScanScope:
    """Validate (as a scan would) and save a named scope of ``org``."""
    name = name.strip()
    if not name or len(name) > 200:
        raise InputError("a scope needs a name of 1-200 characters")
    targets = [t.strip() for t in targets if t.strip()]
    exclude = [t.strip() for t in exclude or [] if t.strip()]
    if not targets:
        raise InputError("a scope needs at least one target")
    Scope.parse(targets, exclude)  # raises ScopeError on anything a scan would refuse
    if not 0 <= port_offset < 60000:
        raise InputError("port offset must be between 0 and 59999")
    with store.session() as s, s.begin():
        org_id = store._org_id(s, org)
        assert org_id is not None
        dup = s.scalar(
            select(ScanScopeRow.id).where(
                ScanScopeRow.organisation_id == org_id, ScanScopeRow.name == name
            )
        )
        if dup is not None:
            raise InputError(f"{org!r} already has a scope named {name!r}")
        row = ScanScopeRow(
            organisation_id=org_id,
            name=name,
            targets=targets,
            exclude=exclude,
            site=site or None,
            port_offset=port_offset,
            options=options or {},
        )
        s.add(row)
        s.flush()
        return _scope(row, org)


def scopes(store: Store, orgs: list[str]) -> list[ScanScope]:
    q = (
        select(ScanScopeRow, OrganisationRow.name)
        .join(OrganisationRow, OrganisationRow.id == ScanScopeRow.organisation_id)
        .where(OrganisationRow.name.in_(sorted(orgs)))
        .order_by(OrganisationRow.name, ScanScopeRow.name)
    )
    with store.session() as s:
        return [_scope(r, org) for r, org in s.execute(q)]


def scope_by_id(store: Store, scope_id: int) -> ScanScope | None:
    q = (
        select(ScanScopeRow, OrganisationRow.name)
        .join(OrganisationRow, OrganisationRow.id == ScanScopeRow.organisation_id)
        .where(ScanScopeRow.id == scope_id)
    )
    with store.session() as s:
        found = s.execute(q).first()
    return _scope(found[0], found[1]) if found else None


def delete_scope(store: Store, scope_id: int) -> None:
    with store.session() as s, s.begin():
        s.execute(delete(ScanScopeRow).where(ScanScopeRow.id == scope_id))
