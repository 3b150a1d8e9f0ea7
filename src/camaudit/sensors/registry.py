"""The centre's side of distributed mode: sensors (tokens bound to organisation, site and
scope), jobs dispatched to them, and the evidence they send back — verified, scope-checked and
stored idempotently (by hash) in the job's audit. Library functions: the CLI and the web call
these."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from netaddr import IPSet
from sqlalchemy import select, update

from camaudit.errors import InputError, ScopeError
from camaudit.inventory import build_devices
from camaudit.models import EvidenceKind, utcnow
from camaudit.net.scope import parse_target
from camaudit.probes import DEFAULT_PROBES
from camaudit.sensors import tokens, wire
from camaudit.store import Store
from camaudit.store.rows import insert_ignoring_duplicates
from camaudit.store.tables import (
    EvidenceRow,
    OrganisationRow,
    SensorJobRow,
    SensorRow,
    SiteRow,
)


@dataclass(slots=True)
class SensorInfo:
    id: int
    handle: str
    organisation: str
    site: str
    scope: list[str]
    key: str


@dataclass(slots=True)
class JobInfo:
    id: int
    organisation: str
    site: str
    audit_id: int
    status: str
    targets: list[str]
    created: datetime
    finished: datetime | None
    rejected: int
    detail: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "organisation": self.organisation,
            "site": self.site,
            "audit": self.audit_id,
            "status": self.status,
            "targets": self.targets,
            "created": self.created.isoformat(),
            "finished": self.finished.isoformat() if self.finished else None,
            "rejected": self.rejected,
            "detail": self.detail,
        }


def ipset(targets: Sequence[str], exclude: Sequence[str] = ()) -> IPSet:
    """The addresses of targets minus exclusions (ScopeError → InputError for bad input)."""
    try:
        wanted = IPSet([str(n) for t in targets for n in parse_target(t)])
        for t in exclude:
            for n in parse_target(t):
                wanted.remove(str(n))
    except ScopeError as exc:
        raise InputError(str(exc)) from None
    return wanted


def add_sensor(store: Store, org: str, site: str, scope: Sequence[str]) -> tuple[SensorInfo, str]:
    """Register a sensor for ``site`` of ``org`` allowed ``scope``; return it and its token
    (shown once: only its SHA-256 is kept)."""
    if not scope:
        raise InputError("a sensor needs an allowed scope (--scope CIDR, repeatable)")
    ipset(scope)  # validate
    token = tokens.new_token()
    key = tokens.key_of(token)
    with store.session() as s, s.begin():
        org_id = store._org_id(s, org)
        assert org_id is not None
        site_id = store._site_id(s, org_id, site)
        assert site_id is not None
        row = SensorRow(
            organisation_id=org_id, site_id=site_id, key=key, scope=list(scope), created=utcnow()
        )
        s.add(row)
        s.flush()
        return SensorInfo(row.id, tokens.sensor_id_of(key), org, site, list(scope), key), token


def _sensors(store: Store, **where: Any) -> list[SensorInfo]:
    q = (
        select(SensorRow, OrganisationRow.name, SiteRow.name)
        .join(OrganisationRow, OrganisationRow.id == SensorRow.organisation_id)
        .join(SiteRow, SiteRow.id == SensorRow.site_id)
        .where(SensorRow.revoked.is_(False))
    )
    if "org" in where:
        q = q.where(OrganisationRow.name == where["org"])
    if "site" in where:
        q = q.where(SiteRow.name == where["site"])
    with store.session() as s:
        return [
            SensorInfo(r.id, tokens.sensor_id_of(r.key), o, st, list(r.scope), r.key)
            for r, o, st in s.execute(q)
        ]


def sensor_by_handle(store: Store, handle: str) -> SensorInfo | None:
    for info in _sensors(store):
        if info.handle == handle:
            return info
    return None


def submit_job(
    store: Store,
    brk: Any,
    org: str,
    site: str,
    targets: Sequence[str],
    *,
    exclude: Sequence[str] = (),
    probes: Sequence[str] = DEFAULT_PROBES,
    port_offset: int = 0,
    timeout: float = 3.0,
    rate: float = 500.0,
) -> JobInfo:
    """Dispatch a scan of ``targets`` to the sensor of ``site``; refused (InputError) unless
    every target address is inside that sensor's allowed scope."""
    sensors = _sensors(store, org=org, site=site)
    if not sensors:
        raise InputError(f"no sensor registered for site {site!r} of {org!r}")
    sensor = sensors[-1]
    wanted = ipset(targets, exclude)
    if not wanted:
        raise InputError("the job's targets hold no address")
    outside = wanted - ipset(sensor.scope)
    if outside:
        first = next(iter(outside.iter_cidrs()))
        raise InputError(f"refused: {first} is outside the scope allowed for site {site!r}")
    params = {
        "targets": list(targets),
        "exclude": list(exclude),
        "probes": list(probes),
        "port_offset": port_offset,
        "timeout": timeout,
        "rate": rate,
    }
    audit = store.begin_audit("scan", org, site, {**params, "sensor": sensor.handle})
    assert audit.id is not None
    with store.session() as s, s.begin():
        row = SensorJobRow(
            sensor_id=sensor.id,
            audit_id=audit.id,
            status="queued",
            targets=list(targets),
            created=utcnow(),
        )
        s.add(row)
        s.flush()
        job_id = row.id
    body = {"job": job_id, "sensor": sensor.handle, "org": org, "site": site, **params}
    wire.send(
        brk,
        wire.site_queue(org, site),
        wire.JOB_ACTOR,
        {**body, "sig": tokens.sign(sensor.key, body)},
    )
    return get_job(store, job_id)


def list_jobs(store: Store, org: str | None = None) -> list[JobInfo]:
    q = (
        select(SensorJobRow, OrganisationRow.name, SiteRow.name)
        .join(SensorRow, SensorRow.id == SensorJobRow.sensor_id)
        .join(OrganisationRow, OrganisationRow.id == SensorRow.organisation_id)
        .join(SiteRow, SiteRow.id == SensorRow.site_id)
        .order_by(SensorJobRow.id)
    )
    if org:
        q = q.where(OrganisationRow.name == org)
    with store.session() as s:
        return [
            JobInfo(
                j.id,
                o,
                st,
                j.audit_id,
                j.status,
                list(j.targets),
                j.created,
                j.finished,
                j.rejected,
                j.detail,
            )
            for j, o, st in s.execute(q)
        ]


def get_job(store: Store, job_id: int) -> JobInfo:
    for job in list_jobs(store):
        if job.id == job_id:
            return job
    raise InputError(f"no job with id {job_id}")


def cancel_job(store: Store, brk: Any, job_id: int) -> JobInfo:
    """Cancel a job that has not finished: its sensor skips it (or stops sending), and the
    centre drops anything that still arrives for it."""
    job = get_job(store, job_id)
    if job.status in ("done", "cancelled"):
        raise InputError(f"job {job_id} is already {job.status}")
    brk.client.sadd(wire.CANCELLED_KEY, str(job_id))
    _set_status(store, job_id, "cancelled", finished=True)
    store.finish_audit(job.audit_id, "cancelled")
    return get_job(store, job_id)


def _set_status(
    store: Store, job_id: int, status: str, finished: bool = False, **values: Any
) -> None:
    with store.session() as s, s.begin():
        extra = {"finished": utcnow()} if finished else {}
        s.execute(
            update(SensorJobRow)
            .where(SensorJobRow.id == job_id)
            .values(status=status, **extra, **values)
        )


def _job_for(store: Store, body: dict[str, Any], sig: str) -> tuple[SensorInfo, JobInfo]:
    """The sender and the job of a message, after checking the signature and that the job is
    this sensor's (InputError otherwise)."""
    sensor = sensor_by_handle(store, str(body.get("sensor", "")))
    if sensor is None or not tokens.verify(sensor.key, body, sig):
        raise InputError("refused: unknown sensor or bad signature")
    job = get_job(store, int(body["job"]))
    if job.site != sensor.site or job.organisation != sensor.organisation:
        raise InputError(f"refused: job {job.id} is not for site {sensor.site!r}")
    return sensor, job


def ingest(store: Store, body: dict[str, Any], sig: str) -> tuple[int, int]:
    """Store a sensor's evidence batch in its job's audit; (accepted, rejected). Records for
    addresses outside the sensor's allowed scope are refused (counted on the job); replays
    store nothing twice (unique by audit, kind, address, port and SHA-256)."""
    sensor, job = _job_for(store, body, sig)
    if job.status == "cancelled":
        return 0, 0
    allowed = ipset(sensor.scope)
    rows, rejected = [], 0
    now = utcnow()
    for rec in body["evidence"]:
        ip = rec.get("ip")
        if ip is None or ip not in allowed:
            rejected += 1
            continue
        payload = base64.b64decode(rec["payload"])
        rows.append(
            {
                "audit_id": job.audit_id,
                "kind": EvidenceKind(rec["kind"]).value,
                "sha256": hashlib.sha256(payload).hexdigest(),  # recomputed, never trusted
                "payload": payload,
                "ip": ip,
                "port": rec.get("port"),
                "mac": rec.get("mac"),
                "ts": datetime.fromisoformat(rec["ts"]) if rec.get("ts") else now,
                "source": rec.get("source"),
            }
        )
    with store.session() as s, s.begin():
        insert_ignoring_duplicates(s, EvidenceRow, rows)
        values: dict[str, Any] = {"rejected": SensorJobRow.rejected + rejected}
        if job.status == "queued":
            values["status"] = "running"
        s.execute(update(SensorJobRow).where(SensorJobRow.id == job.id).values(**values))
    return len(rows), rejected


def report(store: Store, body: dict[str, Any], sig: str) -> JobInfo:
    """A sensor says a job finished (or failed): identify the job's devices at the centre."""
    _, job = _job_for(store, body, sig)
    if job.status in ("done", "cancelled"):
        return job
    if body.get("status") == "done":
        org = job.organisation
        build_devices(store, org, audit_ids=[job.audit_id])
        store.finish_audit(job.audit_id, "done")
        _set_status(store, job.id, "done", finished=True, detail=body.get("detail"))
    else:
        _set_status(store, job.id, "failed", finished=True, detail=str(body.get("detail"))[:500])
        store.finish_audit(job.audit_id, "interrupted")
    return get_job(store, job.id)
