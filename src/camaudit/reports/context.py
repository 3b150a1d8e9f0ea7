"""What every report format is written from: devices joined to their findings, plus metadata.

Writers receive plain lists of :class:`Device` and :class:`Finding` and a ``meta`` dict (org,
generated, database, audit ids, ...); :func:`build_report_data` turns them into typed entries so
each format renders the same facts the same way, and reconciles the register with the network
(:mod:`camaudit.reconcile`) when any device has a register part.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from camaudit.models import Device, EvidenceRef, Finding, Severity, utcnow
from camaudit.reconcile import Reconciliation, reconcile
from camaudit.reports.first_screen import describe_database, finding_rank
from camaudit.reports.summary import HIGH_CONFIDENCE, UNKNOWN, Summary, summarise

_URL_PASSWORD = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://[^:/@\s]*):[^@/\s]*@")
_CORE_META = frozenset(
    {
        "org",
        "generated",
        "database",
        "audits",
        "audit_ids",
        "vendor",
        "question",
        "plan",
        "prerequisites",
    }
)


def redact_url(url: str) -> str:
    """``scheme://user:secret@host/db`` → ``scheme://user:***@host/db`` (reports never carry
    credentials)."""
    return _URL_PASSWORD.sub(r"\1:***@", url)


def _as_datetime(value: object) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str):
        try:
            return _as_datetime(datetime.fromisoformat(value))
        except ValueError:
            pass
    return utcnow()


@dataclass(frozen=True, slots=True)
class ReportMeta:
    """Report metadata, normalised from the writers' ``meta`` dict."""

    org: str | None = None
    generated: datetime = field(default_factory=utcnow)
    database: str | None = None
    audits: tuple[str | int, ...] = ()
    vendor: str = "Hikvision"
    question: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, meta: dict[str, Any]) -> ReportMeta:
        """Read known keys (``audit_ids`` is an alias of ``audits``); keep others as text."""
        audits = meta.get("audits", meta.get("audit_ids")) or ()
        if isinstance(audits, str | int):
            audits = (audits,)
        database = meta.get("database")
        return cls(
            org=str(meta["org"]) if meta.get("org") else None,
            generated=_as_datetime(meta.get("generated")),
            database=describe_database(redact_url(str(database))) if database else None,
            audits=tuple(a if isinstance(a, int) else str(a) for a in audits),
            vendor=str(meta.get("vendor") or "Hikvision"),
            question=str(meta["question"]) if meta.get("question") else None,
            extra={
                str(k): str(v)
                for k, v in meta.items()
                if k not in _CORE_META and v is not None and not isinstance(v, dict | list)
            },
        )

    @property
    def generated_text(self) -> str:
        """Generation time for people: ``2025-01-06 14:03 UTC``."""
        return self.generated.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready metadata (credentials already redacted)."""
        return {
            "org": self.org,
            "generated": self.generated.isoformat(),
            "database": self.database,
            "audits": list(self.audits),
            **self.extra,
        }


@dataclass(slots=True)
class DeviceEntry:
    """One device with its findings (most severe first) and derived labels for display."""

    device: Device
    findings: list[Finding] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.device.key

    @property
    def maker(self) -> str:
        """The manufacturer, or ``"unknown"``."""
        return self.device.identity.manufacturer or UNKNOWN

    @property
    def identified(self) -> bool:
        return self.device.identity.manufacturer is not None

    @property
    def is_oem(self) -> bool:
        """Sold under a label other than its maker's name."""
        ident = self.device.identity
        return bool(ident.manufacturer and ident.brand and ident.brand != ident.manufacturer)

    @property
    def restricted(self) -> bool:
        return bool(self.device.identity.restricted)

    @property
    def confidence_band(self) -> str:
        """``high`` / ``moderate`` for a named maker, ``unknown`` otherwise."""
        if not self.identified:
            return UNKNOWN
        return "high" if self.device.identity.confidence >= HIGH_CONFIDENCE else "moderate"

    @property
    def policies(self) -> list[str]:
        """Policy ids from the identity's restrictions and from findings, sorted, no repeats."""
        ids = {r.policy for r in self.device.identity.restricted}
        ids.update(f.policy for f in self.findings)
        return sorted(ids)

    @property
    def worst_severity(self) -> Severity | None:
        return self.findings[0].severity if self.findings else None

    @property
    def evidence(self) -> list[EvidenceRef]:
        return self.device.identity.evidence

    @property
    def notes(self) -> list[str]:
        return self.device.identity.notes

    @property
    def evidence_hashes(self) -> list[str]:
        """SHA-256 of each distinct piece of raw evidence cited, in order of first citation."""
        return list(dict.fromkeys(e.sha256 for e in self.evidence if e.sha256))


@dataclass(slots=True)
class ReportData:
    """Everything a writer needs: metadata, per-device entries, all findings and the summary."""

    meta: ReportMeta
    entries: list[DeviceEntry]
    findings: list[Finding]
    orphan_findings: list[Finding]
    summary: Summary
    #: The remediation plan (``RemediationPlan.to_dict()``) when the caller assessed the estate.
    plan: dict[str, Any] | None = None
    #: Settings the policies lacked (``SiteSensitivityGap.to_dict()``), said on the first screen.
    prerequisites: list[dict[str, Any]] = field(default_factory=list)
    #: The register reconciled with the network; None when no device came from a register.
    reconciliation: Reconciliation | None = None

    @property
    def period(self) -> str:
        """When the evidence was seen, for sentences: ``as observed between ... and ...``."""
        first, last = self.summary.first_seen, self.summary.last_seen
        if first is None or last is None:
            return f"as recorded up to {format_day(self.meta.generated)}"
        if format_day(first) == format_day(last):
            return f"as observed on {format_day(last)}"
        return f"as observed between {format_day(first)} and {format_day(last)}"


def format_day(when: datetime | None) -> str:
    """``6 January 2025`` (UTC), or ``an unknown date``."""
    if when is None:
        return "an unknown date"
    return when.astimezone(UTC).strftime("%d %B %Y").lstrip("0")


def _severity_order(f: Finding) -> tuple[int, int, str, str]:
    return finding_rank(f)  # policy breaches first, then CVEs, identification, exposure


def build_report_data(
    devices: list[Device], findings: list[Finding], meta: dict[str, Any] | None = None
) -> ReportData:
    """Join findings to devices by key; findings naming no listed device are kept apart."""
    entries = [DeviceEntry(d) for d in devices]
    by_key = {e.key: e for e in entries}
    orphans: list[Finding] = []
    for f in findings:
        entry = by_key.get(f.device_key)
        if entry is None:
            orphans.append(f)
        else:
            entry.findings.append(f)
    for e in entries:
        e.findings.sort(key=_severity_order)
    report_meta = ReportMeta.from_dict(meta or {})
    registered = any(d.claimed for d in devices)
    return ReportData(
        meta=report_meta,
        entries=entries,
        findings=list(findings),
        orphan_findings=orphans,
        summary=summarise(devices, findings),
        plan=(meta or {}).get("plan") if isinstance((meta or {}).get("plan"), dict) else None,
        prerequisites=[p for p in (meta or {}).get("prerequisites") or [] if isinstance(p, dict)],
        reconciliation=reconcile(devices, report_meta.org) if registered else None,
    )
