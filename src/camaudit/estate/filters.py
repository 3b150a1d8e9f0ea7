"""Device list filters (organisation, site, maker, family, policy, severity, seen since, text)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from camaudit.estate.asset import asset_info
from camaudit.models import Device, Severity
from camaudit.reports.context import DeviceEntry
from camaudit.reports.summary import UNKNOWN


def family(device: Device) -> str:
    """The vendor family a device belongs to: its maker, else the label it carries (a label
    whose maker the evidence cannot confirm), else ``unknown``."""
    ident = device.identity
    return ident.manufacturer or ident.brand or UNKNOWN


@dataclass(frozen=True, slots=True)
class DeviceFilter:
    org: str | None = None
    site: str | None = None
    maker: str | None = None
    family: str | None = None
    policy: str | None = None
    severity: Severity | None = None  # at least this severe
    seen_since: date | None = None
    restricted: bool | None = None
    q: str | None = None

    @property
    def seen_since_dt(self) -> datetime | None:
        if self.seen_since is None:
            return None
        return datetime(
            self.seen_since.year, self.seen_since.month, self.seen_since.day, tzinfo=UTC
        )

    def matches(self, entry: DeviceEntry) -> bool:
        d = entry.device
        if self.org and d.organisation != self.org:
            return False
        if self.site and (d.site or UNKNOWN) != self.site:
            return False
        if self.maker and entry.maker.casefold() != self.maker.casefold():
            return False
        if self.family and family(d).casefold() != self.family.casefold():
            return False
        if self.policy and self.policy not in entry.policies:
            return False
        if self.severity is not None:
            worst = entry.worst_severity
            if worst is None or worst.rank < self.severity.rank:
                return False
        if self.restricted is not None and entry.restricted is not self.restricted:
            return False
        return not self.q or self.q.casefold() in _haystack(d)


def _haystack(d: Device) -> str:
    ident = d.identity
    asset = asset_info(d)
    parts = [
        d.key,
        d.ip,
        d.mac,
        d.site,
        ident.manufacturer,
        ident.brand,
        ident.model,
        ident.firmware,
        ident.serial,
        asset.asset_id,
        asset.location,
        *d.identifiers.values(),
    ]
    return " ".join(p for p in parts if p).casefold()
