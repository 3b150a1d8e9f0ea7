"""JSON API, reading: the caller, organisations, overview, devices, evidence, audits, findings,
reports. Same access rules as the pages (the scoped estate)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from camaudit.accounts import Capability
from camaudit.estate import DeviceDetail, DeviceFilter
from camaudit.models import Audit
from camaudit.web.deps import ApiEstate
from camaudit.web.params import ObjectId, device_filter
from camaudit.web.rawview import raw_response
from camaudit.web.routes.audits import report_file
from camaudit.web.schemas import (
    AuditOut,
    DeviceDetailOut,
    DeviceOut,
    EvidenceOut,
    EvidenceRefOut,
    HistoryOut,
    MembershipOut,
    MeOut,
    OrgOut,
    PolicyGroupOut,
)

router = APIRouter(prefix="/api", tags=["estate"])


def _audit(a: Audit) -> AuditOut:
    return AuditOut(
        id=a.id or 0,
        kind=a.kind,
        org=a.organisation,
        site=a.site,
        status=a.status,
        started=a.started,
        finished=a.finished,
    )


@router.get("/me", response_model=MeOut)
def me(estate: ApiEstate) -> MeOut:
    p = estate.principal
    return MeOut(
        username=p.username,
        memberships=[
            MembershipOut(
                org_id=m.org_id, org=m.org, role=m.role.value, evidence_granted=m.evidence_granted
            )
            for m in p.memberships
        ],
    )


@router.get("/orgs", response_model=list[OrgOut])
def orgs(estate: ApiEstate) -> list[OrgOut]:
    return [OrgOut(id=o.id, name=o.name) for o in estate.orgs()]


@router.get("/overview")
def overview(estate: ApiEstate, org: str | None = None) -> dict[str, Any]:
    """Counts by maker, site, restriction and severity (aggregates only)."""
    return estate.summary(org or None).as_dict()


@router.get("/devices", response_model=list[DeviceOut])
def devices(
    estate: ApiEstate,
    flt: Annotated[DeviceFilter, Depends(device_filter)],
    limit: int = 1000,
    offset: int = 0,
) -> list[DeviceOut]:
    entries = estate.devices(flt)
    limit, offset = min(max(limit, 0), 10000), max(offset, 0)
    return [DeviceOut.of(e) for e in entries[offset : offset + limit]]


def detail_out(d: DeviceDetail) -> DeviceDetailOut:
    by_sha = {e.sha256: e.id for e in d.evidence}
    return DeviceDetailOut(
        device=DeviceOut.of(d.entry),
        evidence_chain=[
            EvidenceRefOut(
                kind=r.kind,
                rule=r.rule,
                matched=r.matched,
                field=r.field,
                value=r.value,
                sha256=r.sha256,
                evidence_id=by_sha.get(r.sha256 or ""),
            )
            for r in d.entry.evidence
        ],
        evidence=[EvidenceOut.of(e) for e in d.evidence] if d.evidence_visible else [],
        history=[
            HistoryOut(
                audit_id=h.audit_id,
                kind=h.kind,
                status=h.status,
                started=h.started,
                evidence=h.evidence,
                ips=list(h.ips),
            )
            for h in d.history
        ],
        risk=d.assessment.risk.to_dict() if d.assessment else None,
        actions=[a.to_dict() for a in d.actions],
        notes=list(d.entry.notes),
    )


@router.get("/devices/{device_id}", response_model=DeviceDetailOut)
def device(device_id: ObjectId, estate: ApiEstate) -> DeviceDetailOut:
    return detail_out(estate.device_detail(device_id))


@router.get("/devices/{device_id}/evidence", response_model=list[EvidenceOut])
def device_evidence(device_id: ObjectId, estate: ApiEstate) -> list[EvidenceOut]:
    d = estate.device(device_id)
    estate.require(d.organisation, Capability.EVIDENCE, "evidence")
    return [EvidenceOut.of(e) for e in estate.device_detail(device_id).evidence]


@router.get("/evidence/{evidence_id}", response_model=EvidenceOut)
def evidence(evidence_id: ObjectId, estate: ApiEstate) -> EvidenceOut:
    return EvidenceOut.of(estate.evidence(evidence_id)[0])


@router.get(
    "/evidence/{evidence_id}/raw",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}},
)
def evidence_raw(evidence_id: ObjectId, estate: ApiEstate) -> Response:
    info, payload = estate.evidence(evidence_id)
    estate.log("evidence.download", org=info.org, target=info.sha256)
    return raw_response(info, payload)


@router.get("/audits", response_model=list[AuditOut])
def audits(estate: ApiEstate) -> list[AuditOut]:
    return [_audit(a) for a in estate.audits()]


@router.get("/audits/{audit_id}", response_model=AuditOut)
def audit(audit_id: ObjectId, estate: ApiEstate) -> AuditOut:
    return _audit(estate.audit(audit_id))


@router.get("/audits/{audit_id}/diff/{other_id}")
def audit_diff(audit_id: ObjectId, other_id: ObjectId, estate: ApiEstate) -> dict[str, Any]:
    result = estate.diff(audit_id, other_id)
    return {"summary": result.summary(), **result.to_dict()}


@router.get("/findings", response_model=list[PolicyGroupOut])
def findings(estate: ApiEstate, org: str | None = None) -> list[PolicyGroupOut]:
    return [
        PolicyGroupOut(
            policy=g.policy,
            total=g.total,
            by_severity={s.value: n for s, n in g.by_severity.items()},
            device_ids=sorted({t[0] for t in g.devices}),
        )
        for g in estate.findings_by_policy(org or None)
    ]


@router.get(
    "/reports/{org_id}/{fmt}",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}},
)
def report(org_id: ObjectId, fmt: str, estate: ApiEstate) -> Response:
    """A report of one organisation in any format (html, pdf, csv, xlsx, json, cyclonedx,
    answer)."""
    return report_file(estate, org_id, fmt)
