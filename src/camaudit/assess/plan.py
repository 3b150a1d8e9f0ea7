"""Remediation plan: ordered actions with reasons, and replacement costs from a unit-cost table.

Order (each step only when some device needs it):

1. replace covered kit on critical sites, then 2. on sensitive sites (policy breaches there;
   keep it off core networks until it is gone);
3. patch CVEs listed in CISA KEV;
4. disable vendor cloud / P2P;
5. fix urgent exposures (open RTSP streams, unactivated devices);
6. segment covered kit on standard sites onto an isolated network;
7. patch the other CVEs;
8. harden the rest (plain HTTP, default certificates, discovery protocols);
9. review what needs a human decision (label-only links, PRC makers, unidentified devices,
   unknown firmware), except on kit already being replaced;
10. replace covered kit on standard sites at end of life.

Unit costs come from ``kb/costs.yaml`` (placeholders: configure them) or a table you pass.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from camaudit.assess.findings import (
    CVE_POLICY,
    EXPOSURE_POLICY,
    IDENTIFICATION_POLICY,
    AssessedFinding,
    FindingKind,
)
from camaudit.assess.results import DeviceAssessment
from camaudit.errors import CamauditError, KnowledgeBaseError
from camaudit.kb import KB_DIR
from camaudit.models import DeviceType, Sensitivity
from camaudit.policy.datafile import load_model


class CostTable(BaseModel):
    """Replacement cost per device type (supply and installation)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    currency: str = Field(pattern=r"^[A-Z]{3}$")
    note: str
    unit_costs: dict[str, float]

    @field_validator("unit_costs")
    @classmethod
    def _every_type(cls, value: dict[str, float]) -> dict[str, float]:
        types = {t.value for t in DeviceType}
        missing, unknown = types - set(value), set(value) - types
        if missing or unknown:
            raise ValueError(
                f"unit_costs must name every device type (missing {sorted(missing)}, "
                f"unknown {sorted(unknown)})"
            )
        if any(v < 0 for v in value.values()):
            raise ValueError("unit costs cannot be negative")
        return value


def load_costs_from(path: Path, *, error: type[CamauditError] = KnowledgeBaseError) -> CostTable:
    return load_model(path, CostTable, error=error)


@lru_cache(maxsize=4)
def load_costs(path: str | None = None) -> CostTable:
    """The shipped ``kb/costs.yaml`` (or another file)."""
    return load_costs_from(Path(path) if path else KB_DIR / "costs.yaml")


class ActionKind(StrEnum):
    REPLACE = "replace"
    PATCH = "patch"
    DISABLE_CLOUD = "disable-cloud"
    HARDEN = "harden"
    ISOLATE = "isolate"
    REVIEW = "review"
    PLAN_REPLACEMENT = "plan-replacement"


@dataclass(frozen=True, slots=True)
class CostLine:
    device_type: str
    count: int
    unit_cost: float
    subtotal: float


@dataclass(frozen=True, slots=True)
class CostEstimate:
    currency: str
    lines: tuple[CostLine, ...]
    total: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "currency": self.currency,
            "lines": [
                {
                    "device_type": ln.device_type,
                    "count": ln.count,
                    "unit_cost": ln.unit_cost,
                    "subtotal": ln.subtotal,
                }
                for ln in self.lines
            ],
            "total": self.total,
        }


@dataclass(frozen=True, slots=True)
class Action:
    """One step of the plan: what to do, to which devices, when, why, and at what cost."""

    order: int
    kind: ActionKind
    title: str
    reason: str
    when: str
    devices: tuple[str, ...]
    rules: tuple[str, ...]
    cost: CostEstimate | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "order": self.order,
            "kind": self.kind.value,
            "title": self.title,
            "reason": self.reason,
            "when": self.when,
            "devices": list(self.devices),
            "rules": list(self.rules),
            "cost": self.cost.to_dict() if self.cost else None,
        }


@dataclass(frozen=True, slots=True)
class RemediationPlan:
    actions: tuple[Action, ...]
    currency: str
    replacement_now: float
    replacement_planned: float
    cost_note: str

    @property
    def total(self) -> float:
        return self.replacement_now + self.replacement_planned

    def to_dict(self) -> dict[str, Any]:
        return {
            "actions": [a.to_dict() for a in self.actions],
            "currency": self.currency,
            "replacement_now": self.replacement_now,
            "replacement_planned": self.replacement_planned,
            "total": self.total,
            "cost_note": self.cost_note,
        }


def estimate(devices: Sequence[DeviceAssessment], costs: CostTable) -> CostEstimate:
    """Replacement cost of ``devices`` by device type."""
    counts = Counter(d.device.identity.device_type.value for d in devices)
    lines = tuple(
        CostLine(t, n, costs.unit_costs[t], round(n * costs.unit_costs[t], 2))
        for t, n in sorted(counts.items())
    )
    return CostEstimate(costs.currency, lines, round(sum(ln.subtotal for ln in lines), 2))


_Select = Callable[[DeviceAssessment], list[AssessedFinding]]


def _with(pred: Callable[[AssessedFinding], bool]) -> _Select:
    return lambda d: [f for f in d.findings if pred(f)]


def _breaches_at(*levels: Sensitivity) -> _Select:
    return lambda d: [f for f in d.breaches if d.sensitivity in levels]


_EXPOSURE_URGENT = {"exposure.rtsp-no-auth", "exposure.unactivated"}
_EXPOSURE_CLOUD = {"exposure.vendor-cloud-observed", "exposure.vendor-cloud-enabled"}

#: (kind, when, title template, reason, which findings of a device call for it, costed?)
_STEPS: tuple[tuple[ActionKind, str, str, str, _Select, bool], ...] = (
    (
        ActionKind.REPLACE,
        "now",
        "Replace {n} covered device(s) on critical sites",
        "Policy breaches on critical sites ({rules}). Until replaced, keep them off core "
        "networks (isolated CCTV network, no internet route) and buy no more.",
        _breaches_at(Sensitivity.CRITICAL),
        True,
    ),
    (
        ActionKind.REPLACE,
        "now",
        "Replace {n} covered device(s) on sensitive sites",
        "Policy breaches on sensitive sites ({rules}); the UK 2022 statement asks for removal "
        "without waiting for scheduled upgrades. Until replaced, keep them off core networks.",
        _breaches_at(Sensitivity.SENSITIVE),
        True,
    ),
    (
        ActionKind.PATCH,
        "now",
        "Patch {n} device(s) with actively exploited vulnerabilities (CISA KEV)",
        "Known exploited vulnerabilities ({rules}); upgrade to fixed firmware or take the "
        "devices off reachable networks.",
        _with(lambda f: f.policy == CVE_POLICY and f.kev),
        False,
    ),
    (
        ActionKind.DISABLE_CLOUD,
        "now",
        "Disable vendor cloud / P2P on {n} device(s)",
        "Vendor cloud or P2P is enabled or in use ({rules}): video and control can leave the "
        "network through the vendor's relay. Disable it and block the domains at the firewall.",
        _with(lambda f: f.rule in _EXPOSURE_CLOUD),
        False,
    ),
    (
        ActionKind.HARDEN,
        "now",
        "Close open streams and activate devices ({n} device(s))",
        "Live video reachable without a password, or devices with no admin password ({rules}).",
        _with(lambda f: f.rule in _EXPOSURE_URGENT),
        False,
    ),
    (
        ActionKind.ISOLATE,
        "within 30 days",
        "Segment {n} covered device(s) on standard sites",
        "Covered kit on standard sites ({rules}): put it on an isolated CCTV network with no "
        "internet route and no path to core networks until it is replaced.",
        _breaches_at(Sensitivity.STANDARD),
        False,
    ),
    (
        ActionKind.PATCH,
        "within 90 days",
        "Patch {n} device(s) with other known vulnerabilities",
        "Known vulnerabilities not (yet) in CISA KEV ({rules}).",
        _with(lambda f: f.policy == CVE_POLICY and not f.kev),
        False,
    ),
    (
        ActionKind.HARDEN,
        "within 90 days",
        "Harden {n} device(s): HTTPS, certificates, discovery protocols",
        "Weak exposure settings ({rules}).",
        _with(
            lambda f: (
                f.policy == EXPOSURE_POLICY
                and f.rule not in _EXPOSURE_URGENT | _EXPOSURE_CLOUD
                and f.severity.rank > 0
            )
        ),
        False,
    ),
    (
        ActionKind.REVIEW,
        "within 90 days",
        "Review {n} device(s) that need a human decision",
        "The evidence is not enough to decide ({rules}): establish the maker, the firmware or "
        "the policy scope from the device, the asset register or the supplier.",
        _with(
            lambda f: (
                f.kind is FindingKind.REVIEW
                or (f.policy == IDENTIFICATION_POLICY and f.kind is FindingKind.INFO)
            )
        ),
        False,
    ),
    (
        ActionKind.PLAN_REPLACEMENT,
        "at end of life",
        "Plan replacement of {n} covered device(s) on standard sites",
        "Covered kit on standard sites ({rules}): replace it when it reaches end of life, or "
        "sooner if the site becomes sensitive.",
        _breaches_at(Sensitivity.STANDARD),
        True,
    ),
)


def build_plan(devices: Sequence[DeviceAssessment], costs: CostTable) -> RemediationPlan:
    """The ordered remediation plan for assessed devices (highest risk first within a step)."""
    devices = sorted(devices, key=lambda d: (-d.risk.score, d.key))
    actions: list[Action] = []
    now_total = planned_total = 0.0
    replaced_now: set[str] = set()
    for kind, when, title, reason, select, costed in _STEPS:
        chosen: list[DeviceAssessment] = []
        rules: dict[str, None] = {}
        for d in devices:
            if kind is ActionKind.REVIEW and d.key in replaced_now:
                continue  # open questions about kit that is being replaced anyway
            found = select(d)
            if found:
                chosen.append(d)
                rules.update((f.rule, None) for f in found)
        if not chosen:
            continue
        if kind is ActionKind.REPLACE:
            replaced_now.update(d.key for d in chosen)
        rule_text = ", ".join(sorted(rules))
        cost = estimate(chosen, costs) if costed else None
        if cost is not None:
            if kind is ActionKind.REPLACE:
                now_total += cost.total
            else:
                planned_total += cost.total
        actions.append(
            Action(
                len(actions) + 1,
                kind,
                title.format(n=len(chosen)),
                reason.format(rules=rule_text),
                when,
                tuple(d.key for d in chosen),
                tuple(sorted(rules)),
                cost,
            )
        )
    return RemediationPlan(
        tuple(actions), costs.currency, round(now_total, 2), round(planned_total, 2), costs.note
    )
