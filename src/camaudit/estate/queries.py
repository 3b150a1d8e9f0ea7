"""Store queries behind the web pages (by id, per device, per audit). No access checks here:
callers go through :class:`~camaudit.estate.scoped.ScopedEstate`, which filters by organisation.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select

from camaudit.models import Audit, Device, EvidenceKind, Finding, Severity
from camaudit.store import Store
from camaudit.store.rows import _as_utc, _device_from_row
from camaudit.store.tables import (
    AuditRow,
    DeviceEvidenceRow,
    DeviceRow,
    EvidenceRow,
    FindingRow,
    OrganisationRow,
    SiteRow,
)


@dataclass(frozen=True, slots=True)
class OrgRef:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class EvidenceInfo:
    """One stored observation without its bytes: what, where, when, which audit, its SHA-256."""

    id: int
    audit_id: int
    org: str
    kind: EvidenceKind
    sha256: str
    size: int
    ip: str | None
    port: int | None
    mac: str | None
    ts: datetime | None
    source: str | None


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One audit that saw a device: when, how, and how many observations it made of it."""

    audit_id: int
    kind: str
    status: str
    started: datetime | None
    evidence: int
    ips: tuple[str, ...]


def org_refs(store: Store, names: Collection[str] | None = None) -> list[OrgRef]:
    q = select(OrganisationRow.id, OrganisationRow.name).order_by(OrganisationRow.name)
    if names is not None:
        q = q.where(OrganisationRow.name.in_(sorted(names)))
    with store.session() as s:
        return [OrgRef(i, n) for i, n in s.execute(q)]


def _device_query() -> Select[DeviceRow, str, str]:
    return (
        select(DeviceRow, OrganisationRow.name, SiteRow.name)
        .join(OrganisationRow, OrganisationRow.id == DeviceRow.organisation_id)
        .outerjoin(SiteRow, SiteRow.id == DeviceRow.site_id)
    )


def devices_in(
    store: Store,
    orgs: Collection[str],
    *,
    restricted: bool | None = None,
    seen_since: datetime | None = None,
) -> list[Device]:
    """Devices of ``orgs`` (an empty collection gives none), optionally pre-filtered."""
    if not orgs:
        return []
    q = _device_query().where(OrganisationRow.name.in_(sorted(orgs))).order_by(DeviceRow.id)
    if restricted is not None:
        q = q.where(DeviceRow.restricted.is_(restricted))
    if seen_since is not None:
        q = q.where(DeviceRow.last_seen >= seen_since)
    with store.session() as s:
        return [_device_from_row(r, o, st) for r, o, st in s.execute(q)]


def device_by_id(store: Store, device_id: int) -> Device | None:
    with store.session() as s:
        row = s.execute(_device_query().where(DeviceRow.id == device_id)).first()
        return _device_from_row(row[0], row[1], row[2]) if row else None


def findings_by_device(store: Store, device_ids: Collection[int]) -> dict[int, list[Finding]]:
    """Findings of each device id (most severe first)."""
    out: dict[int, list[Finding]] = {}
    ids = sorted(device_ids)
    with store.session() as s:
        for start in range(0, len(ids), 500):
            q = (
                select(FindingRow, DeviceRow.key)
                .join(DeviceRow, DeviceRow.id == FindingRow.device_id)
                .where(FindingRow.device_id.in_(ids[start : start + 500]))
                .order_by(FindingRow.id)
            )
            for f, key in s.execute(q):
                out.setdefault(f.device_id, []).append(
                    Finding(key, f.policy, Severity(f.severity), f.title, f.detail)
                )
    for items in out.values():
        items.sort(key=lambda f: (-f.severity.rank, f.policy, f.title))
    return out


def _info(row: EvidenceRow, org: str, size: int) -> EvidenceInfo:
    return EvidenceInfo(
        row.id,
        row.audit_id,
        org,
        EvidenceKind(row.kind),
        row.sha256,
        size,
        row.ip,
        row.port,
        row.mac,
        _as_utc(row.ts),
        row.source,
    )


def device_evidence_infos(store: Store, device_id: int) -> list[EvidenceInfo]:
    q = (
        select(EvidenceRow, OrganisationRow.name, func.length(EvidenceRow.payload))
        .join(DeviceEvidenceRow, DeviceEvidenceRow.evidence_id == EvidenceRow.id)
        .join(AuditRow, AuditRow.id == EvidenceRow.audit_id)
        .join(OrganisationRow, OrganisationRow.id == AuditRow.organisation_id)
        .where(DeviceEvidenceRow.device_id == device_id)
        .order_by(EvidenceRow.id)
    )
    with store.session() as s:
        return [_info(r, org, int(n or 0)) for r, org, n in s.execute(q)]


def evidence_by_id(store: Store, evidence_id: int) -> tuple[EvidenceInfo, bytes] | None:
    """One observation with its raw bytes, or None."""
    q = (
        select(EvidenceRow, OrganisationRow.name)
        .join(AuditRow, AuditRow.id == EvidenceRow.audit_id)
        .join(OrganisationRow, OrganisationRow.id == AuditRow.organisation_id)
        .where(EvidenceRow.id == evidence_id)
    )
    with store.session() as s:
        found = s.execute(q).first()
        if found is None:
            return None
        row, org = found
        return _info(row, org, len(row.payload)), bytes(row.payload)


def devices_citing(store: Store, evidence_id: int) -> list[int]:
    q = select(DeviceEvidenceRow.device_id).where(DeviceEvidenceRow.evidence_id == evidence_id)
    with store.session() as s:
        return sorted(s.scalars(q))


def device_history(store: Store, device_id: int) -> list[HistoryEntry]:
    """Every audit with evidence of the device, oldest first."""
    q = (
        select(AuditRow, EvidenceRow.ip)
        .join(EvidenceRow, EvidenceRow.audit_id == AuditRow.id)
        .join(DeviceEvidenceRow, DeviceEvidenceRow.evidence_id == EvidenceRow.id)
        .where(DeviceEvidenceRow.device_id == device_id)
        .order_by(AuditRow.id)
    )
    seen: dict[int, tuple[AuditRow, int, set[str]]] = {}
    with store.session() as s:
        for audit, ip in s.execute(q):
            _, n, ips = seen.get(audit.id, (audit, 0, set()))
            if ip:
                ips.add(ip)
            seen[audit.id] = (audit, n + 1, ips)
    return [
        HistoryEntry(a.id, a.kind, a.status, _as_utc(a.started), n, tuple(sorted(ips)))
        for a, n, ips in seen.values()
    ]


def audit_by_id(store: Store, audit_id: int) -> Audit | None:
    q = (
        select(AuditRow, OrganisationRow.name, SiteRow.name)
        .join(OrganisationRow, OrganisationRow.id == AuditRow.organisation_id)
        .outerjoin(SiteRow, SiteRow.id == AuditRow.site_id)
        .where(AuditRow.id == audit_id)
    )
    with store.session() as s:
        found = s.execute(q).first()
    if found is None:
        return None
    a, org, site = found
    return Audit(
        a.kind, org, site, a.id, _as_utc(a.started), _as_utc(a.finished), a.status, a.params or {}
    )


def audit_evidence_count(store: Store, audit_id: int) -> int:
    return store.count_evidence(audit_id)
