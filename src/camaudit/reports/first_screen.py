"""The report's first screen is the answer: the restricted devices (asset id, location, what they
are, which policies name them) and the remediation plan naming the devices each step concerns.
Findings are ranked policy breaches first, then vulnerabilities, then identification questions,
then exposure notes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from camaudit.models import Device, Finding

#: Finding categories in report order (a policy pack's id is anything not named here).
_LATER = {"cve": 1, "identification": 2, "exposure": 3}
#: Devices named per plan step, restricted devices listed, before "and N more".
NAMED_PER_STEP = 4
RESTRICTED_LISTED = 8


def finding_rank(f: Finding) -> tuple[int, int, str, str]:
    """Sort key: policy breaches, then CVEs, identification, exposure; worst first within."""
    return (_LATER.get(f.policy, 0), -f.severity.rank, f.policy, f.title)


def policy_order(counts: Mapping[str, int]) -> list[tuple[str, int]]:
    """Findings per policy, policy packs first (then CVEs, identification, exposure)."""
    return sorted(counts.items(), key=lambda kv: (_LATER.get(kv[0], 0), -kv[1], kv[0]))


def device_label(device: Device) -> str:
    """One device in words: ``10.0.0.5 Hikvision (LTS) CMIP7442W-28, asset A-12 at Market St``."""
    ident = device.identity
    maker = ident.manufacturer or "unknown"
    if ident.brand and ident.brand != ident.manufacturer:
        maker = f"{maker} ({ident.brand})"
    asset_id = device.asset.get("asset_id")
    where = device.ip or device.mac or ("" if asset_id else device.key)
    text = " ".join(p for p in (where, maker, ident.model or "") if p)
    if asset_id:
        text += f", asset {asset_id}"
    at = device.asset.get("location") or device.site
    if at:
        text += f" at {at}"
    return text


def describe_database(url: str | None) -> str | None:
    """A database for a report, without the user's file paths: ``SQLite file audit.db``, or a
    server URL without its password."""
    if not url:
        return None
    if url.startswith("sqlite"):
        _, _, rest = url.partition(":///")
        name = Path(rest.split("?", 1)[0]).name if rest else ""
        return f"SQLite file {name}" if name and name != ":memory:" else "in-memory SQLite"
    return url


@dataclass(frozen=True, slots=True)
class RestrictedRow:
    asset_id: str
    location: str
    address: str
    what: str
    policies: str


@dataclass(frozen=True, slots=True)
class PlanStep:
    order: int
    title: str
    when: str
    cost: str
    reason: str
    devices: tuple[str, ...]
    more: int


@dataclass(frozen=True, slots=True)
class FirstScreen:
    restricted: tuple[RestrictedRow, ...]
    restricted_more: int
    plan: tuple[PlanStep, ...]
    plan_note: str


def restricted_rows(devices: list[Device]) -> list[RestrictedRow]:
    rows = []
    for d in devices:
        ident = d.identity
        if not ident.restricted:
            continue
        maker = ident.manufacturer or "unknown"
        if ident.brand and ident.brand != ident.manufacturer:
            maker = f"{maker} (label {ident.brand})"
        rows.append(
            RestrictedRow(
                asset_id=d.asset.get("asset_id") or "",
                location=", ".join(p for p in (d.asset.where(), d.site or "") if p),
                address=d.ip or d.mac or "",
                what=" ".join(p for p in (maker, ident.model or "") if p),
                policies=", ".join(sorted({r.policy for r in ident.restricted})),
            )
        )
    return sorted(rows, key=lambda r: (r.location == "", r.location, r.asset_id, r.address))


def plan_steps(plan: dict[str, Any] | None, devices: list[Device]) -> tuple[list[PlanStep], str]:
    """The plan (``RemediationPlan.to_dict()``) with device keys turned into device labels."""
    if not plan:
        return [], ""
    by_key = {d.key: d for d in devices}
    currency = str(plan.get("currency") or "")
    steps: list[PlanStep] = []
    for a in plan.get("actions") or []:
        keys = [str(k) for k in a.get("devices") or []]
        named = tuple(device_label(by_key[k]) if k in by_key else k for k in keys[:NAMED_PER_STEP])
        cost = a.get("cost") or {}
        steps.append(
            PlanStep(
                order=int(a.get("order") or len(steps) + 1),
                title=str(a.get("title") or ""),
                when=str(a.get("when") or ""),
                cost=f"{currency} {cost['total']:,.0f}" if cost.get("total") else "",
                reason=str(a.get("reason") or ""),
                devices=named,
                more=max(0, len(keys) - NAMED_PER_STEP),
            )
        )
    return steps, str(plan.get("cost_note") or "")


def first_screen(devices: list[Device], plan: dict[str, Any] | None) -> FirstScreen:
    rows = restricted_rows(devices)
    steps, note = plan_steps(plan, devices)
    return FirstScreen(
        restricted=tuple(rows[:RESTRICTED_LISTED]),
        restricted_more=max(0, len(rows) - RESTRICTED_LISTED),
        plan=tuple(steps),
        plan_note=note,
    )
