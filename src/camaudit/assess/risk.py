"""Risk score per device: policy breaches weighted by site sensitivity, CVEs (KEV doubled), exposure.

Formula (documented in docs/policy-packs.md, "Risk score")::

    points(severity)  info 0, low 1, medium 3, high 6, critical 10
    P = max(points of breach findings, 0.5 x points of review findings)
    V = min(20, sum over CVE findings of points x (2 if in CISA KEV else 1))
    E = min(10, sum over exposure findings of points)
    S = 1.0 standard, 1.5 sensitive, 2.0 critical site
    score = min(100, round(S x (4P + 2V + 2E)))

Bands: 0 none, 1-19 low, 20-44 medium, 45-69 high, 70-100 critical. Informational findings
(unidentified device, unknown firmware, covered kit on a standard site under the UK pack) add
nothing: they are prompts for the auditor, not risk.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from camaudit.assess.findings import AssessedFinding, FindingKind
from camaudit.models import Sensitivity, Severity

SEVERITY_POINTS: dict[Severity, int] = {
    Severity.INFO: 0,
    Severity.LOW: 1,
    Severity.MEDIUM: 3,
    Severity.HIGH: 6,
    Severity.CRITICAL: 10,
}
SENSITIVITY_FACTOR: dict[Sensitivity, float] = {
    Sensitivity.STANDARD: 1.0,
    Sensitivity.SENSITIVE: 1.5,
    Sensitivity.CRITICAL: 2.0,
}
REVIEW_WEIGHT = 0.5
KEV_MULTIPLIER = 2
VULNERABILITY_CAP = 20
EXPOSURE_CAP = 10
#: (lowest score, band name), highest first.
BANDS: tuple[tuple[int, str], ...] = (
    (70, "critical"),
    (45, "high"),
    (20, "medium"),
    (1, "low"),
    (0, "none"),
)


@dataclass(frozen=True, slots=True)
class RiskScore:
    """A device's risk score (0-100), its band and the parts it was computed from."""

    score: int
    band: str
    policy: float
    vulnerability: float
    exposure: float
    factor: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "band": self.band,
            "policy": self.policy,
            "vulnerability": self.vulnerability,
            "exposure": self.exposure,
            "sensitivity_factor": self.factor,
        }


def band_of(score: int) -> str:
    return next(name for floor, name in BANDS if score >= floor)


def risk_score(findings: Iterable[AssessedFinding], sensitivity: Sensitivity) -> RiskScore:
    """Score one device's findings on a site of ``sensitivity``."""
    policy = 0.0
    vulnerability = 0.0
    exposure = 0.0
    for f in findings:
        points = SEVERITY_POINTS[f.severity]
        if f.kind is FindingKind.BREACH:
            policy = max(policy, float(points))
        elif f.kind is FindingKind.REVIEW:
            policy = max(policy, REVIEW_WEIGHT * points)
        elif f.kind is FindingKind.VULNERABILITY:
            vulnerability += points * (KEV_MULTIPLIER if f.kev else 1)
        elif f.kind is FindingKind.EXPOSURE:
            exposure += points
    vulnerability = min(float(VULNERABILITY_CAP), vulnerability)
    exposure = min(float(EXPOSURE_CAP), exposure)
    factor = SENSITIVITY_FACTOR[sensitivity]
    score = min(100, round(factor * (4 * policy + 2 * vulnerability + 2 * exposure)))
    return RiskScore(score, band_of(score), policy, vulnerability, exposure, factor)
