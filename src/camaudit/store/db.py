"""The evidence store: SQLite (WAL) by default, any SQLAlchemy URL via --db / CAMAUDIT_DB.

Evidence rows are only ever inserted. Devices and findings are derived and may be cleared and
rebuilt from evidence at any time (``camaudit rebuild``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import Engine, delete, func, select, update
from sqlalchemy.exc import (
    IntegrityError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.orm import Session, sessionmaker

from camaudit.errors import DatabaseError, DatabaseURLError, InputError
from camaudit.models import (
    Audit,
    Device,
    Evidence,
    EvidenceKind,
    Finding,
    Sensitivity,
    Severity,
    utcnow,
)
from camaudit.store.connect import (
    MIGRATING,
    default_db_url,
    make_engine,
    migrate,
    shown_url,
    why_not_opened,
)
from camaudit.store.problems import explain
from camaudit.store.rows import (
    _device_from_row,
    asset_columns,
    insert_evidence,
    insert_ignoring_duplicates,
)
from camaudit.store.tables import (
    AuditRow,
    DeviceEvidenceRow,
    DeviceRow,
    DeviceSplitRow,
    EvidenceRow,
    FindingRow,
    OrganisationRow,
    SiteRow,
)

#: How often a device write that lost a race with another process is tried.
_RACE_RETRIES = 3
DEFAULT_ORG = "default"


__all__ = [
    "DEFAULT_ORG",
    "Store",
    "default_db_url",
    "insert_evidence",
    "insert_ignoring_duplicates",
]


class Store:
    """Typed access to the camaudit database."""

    def __init__(self, engine: Engine, url: str) -> None:
        self.engine = engine
        self.url = url
        self._session = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def open(cls, url: str | None = None) -> Store:
        """Open (creating and migrating as needed) the database at ``url``."""
        url = url or default_db_url()
        engine = make_engine(url)
        try:
            with MIGRATING:
                migrate(engine)
        except SQLAlchemyError as exc:
            engine.dispose()
            orig = getattr(exc, "orig", None)
            msg = str(orig) if orig is not None else str(exc).splitlines()[0]
            known = explain(exc, url)
            if known is not None:  # read-only, full or locked: not a bad URL
                raise DatabaseError(known) from None
            raise DatabaseURLError(
                f"cannot open database {shown_url(url)}: {why_not_opened(msg, type(exc).__name__)}"
            ) from None
        return cls(engine, url)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def session(self) -> Session:
        return self._session()

    # -- organisations, sites, audits -------------------------------------------------------

    def _org_id(self, s: Session, name: str, create: bool = True) -> int | None:
        row = s.scalar(select(OrganisationRow.id).where(OrganisationRow.name == name))
        if row is None and create:
            # Another process (a second scan into the same file) may create it first: the
            # savepoint keeps the loser's transaction alive, and it then finds the winner's row.
            try:
                with s.begin_nested():
                    org = OrganisationRow(name=name)
                    s.add(org)
                    s.flush()
                return org.id
            except IntegrityError:
                return s.scalar(select(OrganisationRow.id).where(OrganisationRow.name == name))
        return row

    def _site_id(
        self, s: Session, org_id: int, name: str | None, sensitivity: Sensitivity | None = None
    ) -> int | None:
        if not name:
            return None
        row = s.scalar(
            select(SiteRow).where(SiteRow.organisation_id == org_id, SiteRow.name == name)
        )
        if row is None:
            row = SiteRow(
                organisation_id=org_id,
                name=name,
                sensitivity=(sensitivity or Sensitivity.STANDARD).value,
            )
            s.add(row)
            s.flush()
        elif sensitivity is not None and row.sensitivity != sensitivity.value:
            row.sensitivity = sensitivity.value
        return row.id

    def set_site(self, org: str, site: str, sensitivity: Sensitivity) -> None:
        """Create or update a site's sensitivity."""
        with self.session() as s, s.begin():
            org_id = self._org_id(s, org)
            assert org_id is not None
            self._site_id(s, org_id, site, sensitivity)

    def begin_audit(
        self,
        kind: str,
        org: str = DEFAULT_ORG,
        site: str | None = None,
        params: dict[str, Any] | None = None,
    ) -> Audit:
        """Record the start of an audit and return it (with its id)."""
        with self.session() as s, s.begin():
            org_id = self._org_id(s, org)
            assert org_id is not None
            site_id = self._site_id(s, org_id, site)
            row = AuditRow(
                organisation_id=org_id,
                site_id=site_id,
                kind=kind,
                status="running",
                started=utcnow(),
                params=params or {},
            )
            s.add(row)
            s.flush()
            return Audit(kind, org, site, row.id, row.started, None, "running", params or {})

    def finish_audit(self, audit_id: int, status: str = "done") -> None:
        with self.session() as s, s.begin():
            s.execute(
                update(AuditRow)
                .where(AuditRow.id == audit_id)
                .values(status=status, finished=utcnow())
            )

    def set_audit_status(self, audit_id: int, status: str) -> None:
        with self.session() as s, s.begin():
            s.execute(update(AuditRow).where(AuditRow.id == audit_id).values(status=status))

    def audits(self, org: str | None = None) -> list[Audit]:
        with self.session() as s:
            q = (
                select(AuditRow, OrganisationRow.name, SiteRow.name)
                .join(OrganisationRow, OrganisationRow.id == AuditRow.organisation_id)
                .outerjoin(SiteRow, SiteRow.id == AuditRow.site_id)
                .order_by(AuditRow.id)
            )
            if org:
                q = q.where(OrganisationRow.name == org)
            return [
                Audit(a.kind, o, st, a.id, a.started, a.finished, a.status, a.params or {})
                for a, o, st in s.execute(q)
            ]

    def get_audit(self, audit_id: int) -> Audit:
        for a in self.audits():
            if a.id == audit_id:
                return a
        raise InputError(f"no audit with id {audit_id}")

    # -- evidence (append-only) ---------------------------------------------------------------

    def add_evidence(self, audit_id: int, evidence: Iterable[Evidence]) -> list[int]:
        """Append evidence to an audit; an identical observation already stored is not repeated.

        Returns the ids of the rows (new or existing) in input order.
        """
        with self.session() as s, s.begin():
            return [insert_evidence(s, audit_id, ev) for ev in evidence]

    def count_evidence(self, audit_id: int | None = None) -> int:
        with self.session() as s:
            q = select(func.count(EvidenceRow.id))
            if audit_id is not None:
                q = q.where(EvidenceRow.audit_id == audit_id)
            return int(s.scalar(q) or 0)

    def iter_evidence(
        self, audit_ids: Sequence[int] | None = None, org: str | None = None
    ) -> Iterator[tuple[int, int, Evidence]]:
        """``(evidence id, audit id, Evidence)`` in insertion order, streamed."""
        q = select(EvidenceRow).order_by(EvidenceRow.id)
        if audit_ids is not None:
            q = q.where(EvidenceRow.audit_id.in_(list(audit_ids)))
        if org is not None:
            q = (
                q.join(AuditRow, AuditRow.id == EvidenceRow.audit_id)
                .join(OrganisationRow, OrganisationRow.id == AuditRow.organisation_id)
                .where(OrganisationRow.name == org)
            )
        with self.session() as s:
            for row in s.scalars(q.execution_options(yield_per=500)):
                ev = Evidence(
                    kind=EvidenceKind(row.kind),
                    payload=row.payload,
                    ip=row.ip,
                    port=row.port,
                    mac=row.mac,
                    ts=row.ts,
                    source=row.source,
                    truncated=bool(row.truncated),
                )
                yield row.id, row.audit_id, ev

    # -- derived: devices and findings ---------------------------------------------------------

    def save_device(self, device: Device, evidence_ids: Iterable[int], audit_id: int | None) -> int:
        """Insert or update a device (by organisation + key) and link its evidence.

        Two processes writing one database (two scans at once) may both find no row and both
        insert it: the loser's transaction is rolled back whole and tried again, and then finds
        the winner's row and updates it."""
        ids = list(evidence_ids)
        for attempt in range(_RACE_RETRIES):
            try:
                return self._save_device(device, ids, audit_id)
            except (IntegrityError, OperationalError) as exc:
                lost_race = isinstance(exc, IntegrityError) or "locked" in str(exc)
                if not lost_race or attempt == _RACE_RETRIES - 1:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _save_device(self, device: Device, evidence_ids: list[int], audit_id: int | None) -> int:
        ident = device.identity
        now = device.last_seen or utcnow()
        with self.session() as s, s.begin():
            org_id = self._org_id(s, device.organisation)
            assert org_id is not None
            site_id = self._site_id(s, org_id, device.site)
            row = s.scalar(
                select(DeviceRow).where(
                    DeviceRow.organisation_id == org_id, DeviceRow.key == device.key
                )
            )
            values: dict[str, Any] = {
                "site_id": site_id,
                "ip": device.ip,
                "mac": device.mac,
                "serial": ident.serial,
                "manufacturer": ident.manufacturer,
                "brand": ident.brand,
                "model": ident.model,
                "firmware": ident.firmware,
                "device_type": ident.device_type.value,
                "confidence": ident.confidence,
                "restricted": bool(ident.restricted),
                "identity": {**ident.to_dict(), "identifiers": device.identifiers},
                "last_seen": now,
                "last_audit_id": audit_id,
                **asset_columns(device),
            }
            if row is None:
                row = DeviceRow(
                    organisation_id=org_id,
                    key=device.key,
                    first_seen=device.first_seen or now,
                    **values,
                )
                s.add(row)
                s.flush()
            else:
                for k, v in values.items():
                    setattr(row, k, v)
            linked = set(
                s.scalars(
                    select(DeviceEvidenceRow.evidence_id).where(
                        DeviceEvidenceRow.device_id == row.id
                    )
                )
            )
            for eid in set(evidence_ids) - linked:
                s.add(DeviceEvidenceRow(device_id=row.id, evidence_id=eid))
            return row.id

    def devices(self, org: str | None = None, restricted: bool | None = None) -> list[Device]:
        """Devices in the store, optionally for one organisation or only restricted ones."""
        q = (
            select(DeviceRow, OrganisationRow.name, SiteRow.name)
            .join(OrganisationRow, OrganisationRow.id == DeviceRow.organisation_id)
            .outerjoin(SiteRow, SiteRow.id == DeviceRow.site_id)
            .order_by(DeviceRow.id)
        )
        if org:
            q = q.where(OrganisationRow.name == org)
        if restricted is not None:
            q = q.where(DeviceRow.restricted.is_(restricted))
        with self.session() as s:
            return [_device_from_row(r, o, st) for r, o, st in s.execute(q)]

    def device_evidence(self, device_id: int) -> list[tuple[int, Evidence]]:
        """The evidence linked to a device (the raw bytes behind its identity)."""
        q = (
            select(EvidenceRow)
            .join(DeviceEvidenceRow, DeviceEvidenceRow.evidence_id == EvidenceRow.id)
            .where(DeviceEvidenceRow.device_id == device_id)
            .order_by(EvidenceRow.id)
        )
        with self.session() as s:
            return [
                (
                    r.id,
                    Evidence(
                        EvidenceKind(r.kind),
                        r.payload,
                        r.ip,
                        r.port,
                        r.mac,
                        r.ts,
                        r.source,
                        bool(r.truncated),
                    ),
                )
                for r in s.scalars(q)
            ]

    def replace_findings(self, device_id: int, findings: Iterable[Finding]) -> None:
        with self.session() as s, s.begin():
            s.execute(delete(FindingRow).where(FindingRow.device_id == device_id))
            for f in findings:
                s.add(
                    FindingRow(
                        device_id=device_id,
                        policy=f.policy,
                        severity=f.severity.value,
                        title=f.title,
                        detail=f.detail,
                    )
                )

    def findings(self, org: str | None = None) -> list[Finding]:
        q = (
            select(FindingRow, DeviceRow.key)
            .join(DeviceRow, DeviceRow.id == FindingRow.device_id)
            .join(OrganisationRow, OrganisationRow.id == DeviceRow.organisation_id)
            .order_by(FindingRow.id)
        )
        if org:
            q = q.where(OrganisationRow.name == org)
        with self.session() as s:
            return [
                Finding(key, f.policy, Severity(f.severity), f.title, f.detail)
                for f, key in s.execute(q)
            ]

    def clear_derived(self, org: str | None = None) -> int:
        """Delete devices and findings (evidence stays). Returns how many devices were removed."""
        with self.session() as s, s.begin():
            q = select(DeviceRow.id)
            if org:
                q = q.join(OrganisationRow, OrganisationRow.id == DeviceRow.organisation_id).where(
                    OrganisationRow.name == org
                )
            ids = list(s.scalars(q))
            for chunk in range(0, len(ids), 500):
                part = ids[chunk : chunk + 500]
                s.execute(delete(FindingRow).where(FindingRow.device_id.in_(part)))
                s.execute(delete(DeviceEvidenceRow).where(DeviceEvidenceRow.device_id.in_(part)))
                s.execute(delete(DeviceRow).where(DeviceRow.id.in_(part)))
            return len(ids)

    def split_parts(self, org: str) -> set[str]:
        """Parts of ``org`` the user split off (see :meth:`split_device`)."""
        with self.session() as s:
            org_id = self._org_id(s, org, create=False)
            if org_id is None:
                return set()
            q = select(DeviceSplitRow.part).where(DeviceSplitRow.organisation_id == org_id)
            return set(s.scalars(q))

    def set_split_parts(self, org: str, parts: Iterable[str], *, keep: bool = True) -> None:
        """Mark parts as never to be merged (``keep``), or forget the marks (``keep=False``)."""
        with self.session() as s, s.begin():
            org_id = self._org_id(s, org)
            assert org_id is not None
            wanted = set(parts)
            have = set(
                s.scalars(
                    select(DeviceSplitRow.part).where(DeviceSplitRow.organisation_id == org_id)
                )
            )
            if keep:
                for part in sorted(wanted - have):
                    s.add(DeviceSplitRow(organisation_id=org_id, part=part))
            else:
                s.execute(
                    delete(DeviceSplitRow).where(
                        DeviceSplitRow.organisation_id == org_id, DeviceSplitRow.part.in_(wanted)
                    )
                )

    def organisations(self) -> list[str]:
        with self.session() as s:
            return list(s.scalars(select(OrganisationRow.name).order_by(OrganisationRow.name)))

    def site_sensitivity(self, org: str, site: str | None) -> Sensitivity:
        if not site:
            return Sensitivity.STANDARD
        with self.session() as s:
            val = s.scalar(
                select(SiteRow.sensitivity)
                .join(OrganisationRow, OrganisationRow.id == SiteRow.organisation_id)
                .where(OrganisationRow.name == org, SiteRow.name == site)
            )
        return Sensitivity(val) if val else Sensitivity.STANDARD
