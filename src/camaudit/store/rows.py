"""Row-level helpers shared by the store's modules: bulk and idempotent inserts, row → model."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from camaudit.models import (
    AssetClaim,
    AssetInfo,
    Device,
    DeviceType,
    Evidence,
    EvidenceRef,
    Identity,
    MergeStep,
    Restriction,
    utcnow,
)
from camaudit.store.tables import Base, DeviceRow, EvidenceRow


def insert_ignoring_duplicates(s: Session, table: type[Base], rows: list[dict[str, Any]]) -> None:
    """Bulk-insert rows, skipping any that a unique constraint says already exist."""
    if not rows:
        return
    name = s.get_bind().dialect.name
    if name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        s.execute(sqlite_insert(table).on_conflict_do_nothing(), rows)
    elif name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        s.execute(pg_insert(table).on_conflict_do_nothing(), rows)
    else:  # other back ends: one savepoint per row
        for row in rows:
            try:
                with s.begin_nested():
                    s.execute(insert(table).values(**row))
            except IntegrityError:
                pass


def insert_evidence(s: Session, audit_id: int, ev: Evidence) -> int:
    """Insert one observation inside an open transaction (or find the identical one); its id."""
    existing = s.scalar(
        select(EvidenceRow.id).where(
            EvidenceRow.audit_id == audit_id,
            EvidenceRow.kind == ev.kind.value,
            EvidenceRow.sha256 == ev.sha256,
            EvidenceRow.ip.is_(None) if ev.ip is None else EvidenceRow.ip == ev.ip,
            EvidenceRow.port.is_(None) if ev.port is None else EvidenceRow.port == ev.port,
        )
    )
    if existing is not None:
        return int(existing)
    row = EvidenceRow(
        audit_id=audit_id,
        kind=ev.kind.value,
        sha256=ev.sha256,
        payload=ev.payload,
        ip=ev.ip,
        port=ev.port,
        mac=ev.mac,
        ts=ev.ts or utcnow(),
        source=ev.source,
        truncated=ev.truncated,
    )
    s.add(row)
    s.flush()
    return row.id


def _as_utc(dt: datetime | None) -> datetime | None:
    if dt is not None and dt.tzinfo is None:
        return dt.replace(tzinfo=UTC)
    return dt


def _device_from_row(row: DeviceRow, org: str, site: str | None) -> Device:
    data = row.identity or {}
    extra = row.asset or {}
    ident = Identity(
        manufacturer=row.manufacturer,
        brand=row.brand,
        model=row.model,
        firmware=row.firmware,
        device_type=DeviceType(row.device_type),
        confidence=row.confidence,
        serial=row.serial,
        mac=row.mac,
        evidence=[
            EvidenceRef(
                e["kind"],
                e["rule"],
                e["matched"],
                e.get("field", ""),
                e.get("value", ""),
                e.get("sha256"),
            )
            for e in data.get("evidence", [])
        ],
        restricted=[Restriction(r["policy"], r["reason"]) for r in data.get("restricted", [])],
        notes=list(data.get("notes", [])),
    )
    return Device(
        key=row.key,
        organisation=org,
        identity=ident,
        site=site,
        ip=row.ip,
        mac=row.mac,
        first_seen=_as_utc(row.first_seen),
        last_seen=_as_utc(row.last_seen),
        identifiers=dict(data.get("identifiers", {})),
        id=row.id,
        asset=AssetInfo([AssetClaim.from_dict(c) for c in extra.get("claims", [])]),
        merges=[
            MergeStep(m["rule"], (m["parts"][0], m["parts"][1]), m.get("detail", ""))
            for m in extra.get("merges", [])
        ],
        parts=list(extra.get("parts", [])),
        claimed=dict(extra.get("claimed", {})),
        observed=dict(extra.get("observed", {})),
    )


def asset_columns(device: Device) -> dict[str, Any]:
    """The device row's asset columns (the chosen asset id and location, and all the rest)."""
    return {
        "asset_id": device.asset.asset_id,
        "location": device.asset.location,
        "asset": {
            "claims": [c.to_dict() for c in device.asset.claims],
            "merges": [m.to_dict() for m in device.merges],
            "parts": device.parts,
            "claimed": device.claimed,
            "observed": device.observed,
        },
    }
