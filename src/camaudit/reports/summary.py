"""Figures every report and the CLI summary share."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from camaudit.models import Device, Finding, Severity

#: Confidence at or above which a named maker counts as "high confidence".
HIGH_CONFIDENCE = 0.9
#: Label used wherever a manufacturer (or site) is not known.
UNKNOWN = "unknown"


@dataclass(slots=True)
class Summary:
    """Counts over a set of devices and findings (what executive summaries and charts show)."""

    devices: int = 0
    identified: int = 0
    restricted: int = 0
    high_confidence: int = 0
    oem_restricted: int = 0
    findings: int = 0
    devices_with_findings: int = 0
    by_manufacturer: Counter[str] = field(default_factory=Counter)
    restricted_by_manufacturer: Counter[str] = field(default_factory=Counter)
    by_brand_restricted: Counter[str] = field(default_factory=Counter)
    by_site: Counter[str] = field(default_factory=Counter)
    restricted_by_site: Counter[str] = field(default_factory=Counter)
    findings_by_severity: Counter[Severity] = field(default_factory=Counter)
    findings_by_policy: Counter[str] = field(default_factory=Counter)
    first_seen: datetime | None = None
    last_seen: datetime | None = None

    @property
    def unknown(self) -> int:
        """Devices whose maker could not be named."""
        return self.devices - self.identified

    @property
    def moderate_confidence(self) -> int:
        """Devices whose maker is named below :data:`HIGH_CONFIDENCE`."""
        return self.identified - self.high_confidence

    def severity_counts(self) -> list[tuple[Severity, int]]:
        """Findings per severity, most severe first, zero counts included."""
        return [(s, self.findings_by_severity[s]) for s in reversed(Severity)]

    def as_dict(self) -> dict[str, object]:
        """JSON-ready figures (counters as plain dicts, most common first)."""
        return {
            "devices": self.devices,
            "identified": self.identified,
            "unknown": self.unknown,
            "high_confidence": self.high_confidence,
            "restricted": self.restricted,
            "restricted_via_oem_label": self.oem_restricted,
            "findings": self.findings,
            "devices_with_findings": self.devices_with_findings,
            "by_manufacturer": dict(self.by_manufacturer.most_common()),
            "restricted_by_manufacturer": dict(self.restricted_by_manufacturer.most_common()),
            "by_site": dict(self.by_site.most_common()),
            "restricted_by_site": dict(self.restricted_by_site.most_common()),
            "findings_by_severity": {s.value: n for s, n in self.severity_counts() if n},
            "findings_by_policy": dict(self.findings_by_policy.most_common()),
            "evidence_first_seen": self.first_seen.isoformat() if self.first_seen else None,
            "evidence_last_seen": self.last_seen.isoformat() if self.last_seen else None,
        }


def _widen(
    span: tuple[datetime | None, datetime | None], when: datetime | None
) -> tuple[datetime | None, datetime | None]:
    lo, hi = span
    if when is None:
        return span
    return (when if lo is None or when < lo else lo, when if hi is None or when > hi else hi)


def summarise(devices: Iterable[Device], findings: Iterable[Finding] = ()) -> Summary:
    """Count devices by maker, site and restriction, and findings by severity and policy."""
    s = Summary()
    span: tuple[datetime | None, datetime | None] = (None, None)
    keys: set[str] = set()
    for d in devices:
        ident = d.identity
        s.devices += 1
        keys.add(d.key)
        maker = ident.manufacturer or UNKNOWN
        site = d.site or UNKNOWN
        s.by_manufacturer[maker] += 1
        s.by_site[site] += 1
        if ident.manufacturer:
            s.identified += 1
            if ident.confidence >= HIGH_CONFIDENCE:
                s.high_confidence += 1
        if ident.restricted:
            s.restricted += 1
            s.restricted_by_manufacturer[maker] += 1
            s.restricted_by_site[site] += 1
            s.by_brand_restricted[ident.brand or maker] += 1
            if ident.brand and ident.brand != ident.manufacturer:
                s.oem_restricted += 1
        span = _widen(_widen(span, d.first_seen), d.last_seen)
    s.first_seen, s.last_seen = span
    flagged: set[str] = set()
    for f in findings:
        s.findings += 1
        s.findings_by_severity[f.severity] += 1
        s.findings_by_policy[f.policy] += 1
        flagged.add(f.device_key)
    s.devices_with_findings = len(flagged & keys)
    return s
