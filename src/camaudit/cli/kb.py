"""``camaudit kb``: check the knowledge base, list vendors, explain a rule."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from camaudit.cli.common import console, err_console
from camaudit.errors import InputError, KnowledgeBaseError
from camaudit.identify import Identifier
from camaudit.identify.kbcheck import check_kb
from camaudit.kb import KB_DIR, load_kb_from

kb_app = typer.Typer(
    help="Inspect and check the knowledge base (vendors, OEM links, fingerprints).",
    no_args_is_help=True,
)

KbDirOpt = Annotated[
    Path | None,
    typer.Option("--kb-dir", help="Check another KB directory (default: the shipped KB)."),
]


@kb_app.command("check")
def check(kb_dir: KbDirOpt = None) -> None:
    """Validate every KB file and run every example as a test. Exit 2 on any failure."""
    kb = load_kb_from(kb_dir or KB_DIR)
    report = check_kb(kb, Identifier(kb))
    if kb_dir is None:  # the shipped data that sits beside the KB: packs, CVEs, clouds
        report.failures.extend(_check_assessment_data())
    for failure in report.failures:
        err_console.print(f"FAIL {failure}", markup=False)
    summary = (
        f"{len(kb.vendors)} vendors, {len(kb.brands)} brands, {report.patterns} model patterns, "
        f"{report.rules} rules, {report.examples} examples, "
        f"{len(kb.recent_blocks)} newer MA-L blocks"
    )
    if report.failures:
        raise KnowledgeBaseError(f"{len(report.failures)} KB check(s) failed ({summary})")
    console.print(f"KB OK: {summary}")


def _check_assessment_data() -> list[str]:
    """Every example of the policy packs, the CVE catalogue and the vendor-cloud data."""
    from camaudit.assess import load_clouds, load_cves
    from camaudit.assess.clouds import check_cloud_examples
    from camaudit.assess.cves import check_cve_examples
    from camaudit.policy import load_packs
    from camaudit.policy.packs import check_pack_examples

    failures: list[str] = []
    for pack in load_packs(None):
        failures.extend(check_pack_examples(pack))
    failures.extend(check_cve_examples(load_cves()))
    failures.extend(check_cloud_examples(load_clouds()))
    return failures


@kb_app.command("vendors")
def vendors(kb_dir: KbDirOpt = None) -> None:
    """List canonical manufacturers, their brands and OEM labels, and restrictions."""
    kb = load_kb_from(kb_dir or KB_DIR)
    table = Table(title="manufacturers and the labels they stand behind")
    for col in ("manufacturer", "restricted by", "brands / OEM labels (relation, confidence)"):
        table.add_column(col, overflow="fold")
    for v in sorted(kb.vendors.values(), key=lambda v: v.name.casefold()):
        labels = [
            f"{b.name} ({b.relation}, {b.confidence}{', some lines' if b.partial else ''})"
            for b in kb.brands.values()
            if b.manufacturer == v.name
        ]
        table.add_row(
            v.name + (" [dim](white-label)[/]" if v.generic else ""),
            ", ".join(v.restricted),
            "; ".join(labels),
        )
    console.print(table)


@kb_app.command("explain")
def explain(
    rule_id: Annotated[
        str, typer.Argument(help="A rule or model-pattern id, e.g. one shown in an evidence chain.")
    ],
    kb_dir: KbDirOpt = None,
) -> None:
    """Show a rule or model pattern: what it matches, what it asserts, its source and examples."""
    kb = load_kb_from(kb_dir or KB_DIR)
    rule = kb.rule(rule_id)
    if rule is not None:
        console.print(f"[bold]{rule.id}[/] — {rule.description or ''}")
        console.print(
            f"field(s): {', '.join(rule.fields)}\nmatch: {rule.match}\nsets: {rule.set}\nweight: {rule.weight}"
        )
        console.print(f"source: {rule.source or '-'}")
        for ex in rule.examples:
            console.print(
                f"  example: {(ex.value or ex.data or '')[:200]!r} → {ex.expect or 'matches'}",
                markup=False,
            )
        return
    for p in kb.patterns:
        if p.spec.id == rule_id:
            s = p.spec
            console.print(
                f"[bold]{s.id}[/] (model grammar)\nmatch: {s.match}\nmanufacturer: {s.manufacturer}  brand: {s.brand or '-'}  type: {s.device_type or '-'}  weight: {s.weight}"
            )
            console.print(f"source: {s.source or '-'}\nexamples: {', '.join(s.examples)}")
            return
    if rule_id.startswith("oui:"):
        console.print(
            f"{rule_id}: the MAC prefix {rule_id[4:]} is registered with the IEEE to the named maker."
        )
        return
    raise InputError(f"no rule or pattern with id {rule_id!r}")
