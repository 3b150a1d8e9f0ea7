"""Pydantic models of the JSON API (they are its OpenAPI document)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from camaudit.estate import EvidenceInfo, asset_info
from camaudit.reports.context import DeviceEntry


class MembershipOut(BaseModel):
    org_id: int
    org: str
    role: str
    evidence_granted: bool


class MeOut(BaseModel):
    username: str
    memberships: list[MembershipOut]


class OrgOut(BaseModel):
    id: int
    name: str


class FindingOut(BaseModel):
    policy: str
    severity: str
    title: str
    detail: str


class DeviceOut(BaseModel):
    id: int
    key: str
    org: str
    site: str | None
    ip: str | None
    mac: str | None
    manufacturer: str | None
    brand: str | None
    model: str | None
    firmware: str | None
    device_type: str
    confidence: float
    restricted: list[str]
    asset_id: str | None
    location: str | None
    first_seen: datetime | None
    last_seen: datetime | None
    worst_severity: str | None
    findings: list[FindingOut]

    @classmethod
    def of(cls, e: DeviceEntry) -> DeviceOut:
        d, i = e.device, e.device.identity
        asset = asset_info(d)
        return cls(
            id=d.id or 0,
            key=d.key,
            org=d.organisation,
            site=d.site,
            ip=d.ip,
            mac=d.mac,
            manufacturer=i.manufacturer,
            brand=i.brand,
            model=i.model,
            firmware=i.firmware,
            device_type=i.device_type.value,
            confidence=round(i.confidence, 3),
            restricted=[r.policy for r in i.restricted],
            asset_id=asset.asset_id,
            location=asset.location,
            first_seen=d.first_seen,
            last_seen=d.last_seen,
            worst_severity=e.worst_severity.value if e.worst_severity else None,
            findings=[
                FindingOut(
                    policy=f.policy, severity=f.severity.value, title=f.title, detail=f.detail
                )
                for f in e.findings
            ],
        )


class EvidenceOut(BaseModel):
    id: int
    audit_id: int
    org: str
    kind: str
    sha256: str
    size: int
    ip: str | None
    port: int | None
    mac: str | None
    ts: datetime | None
    source: str | None
    raw_url: str

    @classmethod
    def of(cls, e: EvidenceInfo) -> EvidenceOut:
        return cls(
            id=e.id,
            audit_id=e.audit_id,
            org=e.org,
            kind=e.kind.value,
            sha256=e.sha256,
            size=e.size,
            ip=e.ip,
            port=e.port,
            mac=e.mac,
            ts=e.ts,
            source=e.source,
            raw_url=f"/api/evidence/{e.id}/raw",
        )


class EvidenceRefOut(BaseModel):
    kind: str
    rule: str
    matched: str
    field: str
    value: str
    sha256: str | None
    evidence_id: int | None


class HistoryOut(BaseModel):
    audit_id: int
    kind: str
    status: str
    started: datetime | None
    evidence: int
    ips: list[str]


class DeviceDetailOut(BaseModel):
    device: DeviceOut
    evidence_chain: list[EvidenceRefOut]
    evidence: list[EvidenceOut]
    history: list[HistoryOut]
    risk: dict[str, Any] | None
    actions: list[dict[str, Any]]
    notes: list[str]


class AuditOut(BaseModel):
    id: int
    kind: str
    org: str
    site: str | None
    status: str
    started: datetime | None
    finished: datetime | None


class PolicyGroupOut(BaseModel):
    policy: str
    total: int
    by_severity: dict[str, int]
    device_ids: list[int]


class JobOut(BaseModel):
    id: str
    kind: str
    org: str
    label: str
    status: str
    done: int
    total: int | None
    percent: int | None
    message: str
    audit_id: int | None
    started: str
    finished: str | None


class ScopeOut(BaseModel):
    id: int
    org: str
    name: str
    targets: list[str]
    exclude: list[str]
    site: str | None


class ActivityOut(BaseModel):
    id: int
    ts: datetime
    username: str
    organisation: str | None
    action: str
    target: str
    detail: str
