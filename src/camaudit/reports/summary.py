"""Figures every report and the CLI summary share."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from camaudit.models import Device


@dataclass(slots=True)
class Summary:
    devices: int = 0
    identified: int = 0
    restricted: int = 0
    by_manufacturer: Counter[str] = field(default_factory=Counter)
    restricted_by_manufacturer: Counter[str] = field(default_factory=Counter)
    by_brand_restricted: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, object]:
        return {
            "devices": self.devices,
            "identified": self.identified,
            "restricted": self.restricted,
            "by_manufacturer": dict(self.by_manufacturer.most_common()),
            "restricted_by_manufacturer": dict(self.restricted_by_manufacturer.most_common()),
        }


def summarise(devices: list[Device]) -> Summary:
    s = Summary()
    for d in devices:
        s.devices += 1
        maker = d.identity.manufacturer or "unknown"
        s.by_manufacturer[maker] += 1
        if d.identity.manufacturer:
            s.identified += 1
        if d.identity.restricted:
            s.restricted += 1
            s.restricted_by_manufacturer[maker] += 1
            s.by_brand_restricted[d.identity.brand or maker] += 1
    return s
