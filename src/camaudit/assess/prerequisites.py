"""Settings a policy depends on that the user has not given: said in the output, with the fix.

The UK 2022 pack (``uk-2022-sensitive-sites``) decides by each site's sensitivity; sites are
``standard`` until set, and covered kit on a standard site is reported as info only. When no site
of the assessed estate is sensitive or critical but covered kit was found, the user has most
likely not set the sensitivities yet."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from camaudit.assess.engine import Assessment
from camaudit.models import Sensitivity

UK_PACK = "uk-2022-sensitive-sites"


@dataclass(frozen=True, slots=True)
class SiteSensitivityGap:
    """Covered devices, the (organisation, site, covered devices) to set, and devices without
    a site."""

    covered: int
    sites: tuple[tuple[str, str, int], ...]
    unsited: int

    def commands(self, limit: int = 3) -> list[str]:
        return [
            f'camaudit site "{site}" --org "{org}" --sensitivity sensitive'
            for org, site, _ in self.sites[:limit]
        ]

    def to_dict(self) -> dict[str, object]:
        return {
            "policy": UK_PACK,
            "covered": self.covered,
            "sites": [{"org": o, "site": s, "covered": n} for o, s, n in self.sites],
            "unsited": self.unsited,
            "commands": self.commands(),
        }


def site_sensitivity_gap(result: Assessment) -> SiteSensitivityGap | None:
    """The gap, or None when the pack is not applied, finds nothing covered, or some site of the
    estate already has a sensitivity other than standard."""
    if not any(p.id == UK_PACK for p in result.packs):
        return None
    covered = [
        da
        for da in result.devices
        if any(r.policy == UK_PACK for r in da.device.identity.restricted)
    ]
    if not covered or any(da.sensitivity is not Sensitivity.STANDARD for da in result.devices):
        return None
    counts = Counter((da.device.organisation, da.device.site) for da in covered)
    sites = sorted(
        ((org, site, n) for (org, site), n in counts.items() if site),
        key=lambda t: (-t[2], t[0], t[1]),
    )
    unsited = sum(n for (_, site), n in counts.items() if not site)
    return SiteSensitivityGap(len(covered), tuple(sites), unsited)
