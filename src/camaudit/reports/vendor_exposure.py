"""How much of an estate one vendor accounts for: made by it, sold under other labels, or hinted at.

Every device falls in exactly one group, so the groups add up to the estate:

- ``direct``: made by the vendor and sold under its own name (or no other label seen);
- ``oem``: made by the vendor, sold under another brand (an OEM label such as LTS for Hikvision);
- ``indicated``: not named as the vendor's, but its notes, evidence chain or findings mention the
  vendor (a network interface registered to it, a weaker match the fusion rejected, a component
  finding) — possible components or relabelling that needs checking on site;
- ``other``: made by someone else, no hint of the vendor;
- ``unknown``: maker not identified and no hint of the vendor.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from camaudit.reports.context import DeviceEntry


@dataclass(slots=True)
class VendorExposure:
    """The estate split by its relation to ``vendor`` (see the module docstring)."""

    vendor: str
    total: int = 0
    direct: list[DeviceEntry] = field(default_factory=list)
    oem: list[DeviceEntry] = field(default_factory=list)
    indicated: list[DeviceEntry] = field(default_factory=list)
    other: int = 0
    unknown: int = 0
    unknown_makers: int = 0
    high_confidence: int = 0
    estate_high_confidence: int = 0

    @property
    def made_by_vendor(self) -> int:
        """Devices identified as made by the vendor, under any label."""
        return len(self.direct) + len(self.oem)

    @property
    def labels(self) -> Counter[str]:
        """OEM labels seen on the vendor's devices, with counts."""
        return Counter(e.device.identity.brand or "" for e in self.oem)

    @property
    def indicated_unknown(self) -> int:
        """Indicated devices whose maker is unknown (the rest name another maker)."""
        return sum(1 for e in self.indicated if not e.identified)


def _mentions(entry: DeviceEntry, pattern: re.Pattern[str]) -> bool:
    texts: list[str] = list(entry.notes)
    for ref in entry.evidence:
        texts.extend((ref.rule, ref.value, ref.matched))
    for f in entry.findings:
        texts.extend((f.title, f.detail))
    texts.extend(r.reason for r in entry.device.identity.restricted)
    return any(pattern.search(t) for t in texts)


def assess_vendor(entries: Iterable[DeviceEntry], vendor: str) -> VendorExposure:
    """Split ``entries`` by their relation to ``vendor`` (matched case-insensitively)."""
    wanted = vendor.strip().casefold()
    pattern = re.compile(rf"(?<![a-z0-9]){re.escape(wanted)}(?![a-z0-9])", re.IGNORECASE)
    result = VendorExposure(vendor=vendor.strip())
    for e in entries:
        result.total += 1
        ident = e.device.identity
        if e.confidence_band == "high":
            result.estate_high_confidence += 1
        if not e.identified:
            result.unknown_makers += 1
        if ident.manufacturer and ident.manufacturer.casefold() == wanted:
            result.vendor = ident.manufacturer  # the knowledge base's spelling
            if e.confidence_band == "high":
                result.high_confidence += 1
            (result.oem if e.is_oem else result.direct).append(e)
        elif _mentions(e, pattern):
            result.indicated.append(e)
        elif e.identified:
            result.other += 1
        else:
            result.unknown += 1
    return result
