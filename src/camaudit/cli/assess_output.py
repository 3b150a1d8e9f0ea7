"""What ``camaudit assess`` prints: devices by risk (tables that fit, grouped by organisation and
site), what the policies could not decide for want of a setting (with the command that sets it),
and the remediation plan naming the devices each step concerns."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape

from camaudit.cli.tables import Column, device_name, fit_table, maker_label, place, print_tables
from camaudit.untrusted_text import visible

if TYPE_CHECKING:  # the assessment engine loads when a command assesses, not at CLI start-up
    from camaudit.assess import Assessment
    from camaudit.assess.results import DeviceAssessment

#: Devices named under one plan step before "and N more".
NAMED_PER_STEP = 5

_COLUMNS = (
    Column("ip", 0),
    Column("asset", 2),
    Column("maker (label)", 1, shrink=True),
    Column("risk", 3),
    Column("top finding", 4, shrink=True),
    Column("location", 6, shrink=True),
    Column("device", 7),
)
_WIDE_EXTRA = (Column("org", 8), Column("site", 9), Column("sensitivity", 10))


def _row(da: DeviceAssessment, wide: bool) -> list[str]:
    d = da.device
    ranked = sorted(da.findings, key=lambda f: -f.severity.rank)
    shown = ranked[:3] if wide else ranked[:1]
    row = [
        d.ip or d.mac or "",
        d.asset.get("asset_id") or "",
        maker_label(d.identity),
        f"{da.risk.score} {da.risk.band}",
        "; ".join(f"{f.severity.value}: {f.title}" for f in shown),
        place(d),
        da.key,
    ]
    return [*row, d.organisation, d.site or "", da.sensitivity.value] if wide else row


def print_assessment(console: Console, result: Assessment, *, wide: bool = False) -> None:
    ranked = sorted(result.devices, key=lambda d: (-d.risk.score, d.key))
    title = f"{len(ranked)} devices assessed"
    if wide:
        rows = [_row(da, True) for da in ranked]
        table = fit_table(
            (*_COLUMNS, *_WIDE_EXTRA), rows, width=console.width, title=title, wide=True
        )
        print_tables(console, [table], wide=True)
    else:
        groups: dict[tuple[str, str, str], list[DeviceAssessment]] = {}
        for da in ranked:
            key = (da.device.organisation, da.device.site or "", da.sensitivity.value)
            groups.setdefault(key, []).append(da)
        tables = []
        for n, ((org, site, level), members) in enumerate(sorted(groups.items())):
            label = f"{org} · {site or 'no site'} ({level}): {len(members)} devices"
            rows = [_row(da, False) for da in members]
            tables.append(
                fit_table(
                    _COLUMNS,
                    rows,
                    width=console.width,
                    title=f"{title}\n{label}" if n == 0 else label,
                )
            )
        print_tables(console, tables, wide=False)
    for line in prerequisite_notes(result):
        console.print(line, soft_wrap=line.startswith("  "), markup=False, highlight=False)
    print_plan(console, result)


def prerequisite_notes(result: Assessment) -> list[str]:
    """What a policy could not decide for want of a setting, with the command that sets it."""
    from camaudit.assess.prerequisites import site_sensitivity_gap

    gap = site_sensitivity_gap(result)
    if gap is None:
        return []
    notes = [
        f"note: no site is recorded as sensitive or critical, so the UK 2022 pack reports the "
        f"{gap.covered} covered device(s) as info only. If a site is sensitive, set it:"
    ]
    for (_, _, n), command in zip(gap.sites, gap.commands(), strict=False):
        notes.append(f"  {command}   ({n} covered device(s))")
    if gap.unsited:
        notes.append(
            f"  {gap.unsited} covered device(s) have no site: import or scan them with "
            '--site "NAME", then set that site\'s sensitivity as above'
        )
    notes.append("  then run `camaudit assess` again.")
    return notes


def print_plan(console: Console, result: Assessment) -> None:
    plan = result.plan
    console.print("[bold]remediation plan[/]")
    if not plan.actions:
        console.print("  nothing to do")
    by_key = {da.key: da for da in result.devices}
    for a in plan.actions:
        cost = f", {plan.currency} {a.cost.total:,.0f}" if a.cost else ""
        head = f"{a.order}. {escape(a.title)} — {a.when}{cost}"
        lines = plan_device_lines(a.devices, by_key)
        if len(lines) == 1:
            console.print(f"{head}: {escape(lines[0])}", highlight=False, soft_wrap=True)
            continue
        console.print(head, highlight=False)
        for line in lines:
            console.print(f"   {escape(line)}", highlight=False, soft_wrap=True)
    console.print(
        f"replacement now: {plan.currency} {plan.replacement_now:,.0f}; planned: "
        f"{plan.currency} {plan.replacement_planned:,.0f} ({escape(plan.cost_note)})"
    )


def plan_device_lines(keys: Sequence[str], by_key: dict[str, DeviceAssessment]) -> list[str]:
    """The devices a plan step concerns, one line each (at most a few, then how many more)."""
    lines = [
        visible(device_name(by_key[k].device) if k in by_key else k, terminal=True)
        for k in keys[:NAMED_PER_STEP]
    ]
    if len(keys) > NAMED_PER_STEP:
        lines.append(f"and {len(keys) - NAMED_PER_STEP} more (see --json or the report)")
    return lines
