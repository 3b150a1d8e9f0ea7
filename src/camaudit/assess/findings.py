"""Assessment findings: a :class:`camaudit.models.Finding` plus what a report needs to act on it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from camaudit.models import Finding, Severity

#: ``policy`` values of findings that do not come from a policy pack.
CVE_POLICY = "cve"
EXPOSURE_POLICY = "exposure"
IDENTIFICATION_POLICY = "identification"


class FindingKind(StrEnum):
    """What sort of finding it is (drives the risk score and the remediation plan)."""

    BREACH = "breach"
    REVIEW = "review"
    VULNERABILITY = "vulnerability"
    EXPOSURE = "exposure"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class AssessedFinding:
    """One finding on one device, with its rule, reasons and remediation.

    ``policy`` is a pack id (``ndaa-889``), ``cve``, ``exposure`` or ``identification``;
    ``rule`` names what fired (a pack rule id, a CVE id, an exposure check id). ``evidence``
    holds the SHA-256 of the evidence records that support it.
    """

    device_key: str
    policy: str
    rule: str
    kind: FindingKind
    severity: Severity
    title: str
    detail: str
    remediation: str = ""
    legal_basis: str | None = None
    cve: str | None = None
    kev: bool = False
    kev_date_added: str | None = None
    evidence: tuple[str, ...] = ()

    def to_finding(self) -> Finding:
        """The store's :class:`Finding` (policy, severity, title, detail)."""
        return Finding(self.device_key, self.policy, self.severity, self.title, self.detail)

    def to_dict(self) -> dict[str, Any]:
        d = self.to_finding().to_dict()
        d.update(
            {
                "rule": self.rule,
                "kind": self.kind.value,
                "remediation": self.remediation,
                "legal_basis": self.legal_basis,
                "cve": self.cve,
                "kev": self.kev,
                "kev_date_added": self.kev_date_added,
                "evidence": list(self.evidence),
            }
        )
        return d


def lower(severity: Severity, steps: int = 1) -> Severity:
    """``severity`` lowered by ``steps`` ranks, never below ``low`` (``info`` stays ``info``)."""
    if severity.rank <= Severity.LOW.rank:
        return severity
    ranks = list(Severity)
    return ranks[max(Severity.LOW.rank, severity.rank - steps)]


def at_least(severity: Severity, floor: Severity) -> Severity:
    return severity if severity.rank >= floor.rank else floor
