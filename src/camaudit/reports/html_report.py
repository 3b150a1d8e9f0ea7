"""The ``html`` format: one self-contained page (inline CSS and SVG charts, no scripts, no
external resources; a Content-Security-Policy forbids fetching anything). Every value is
escaped by Jinja2's autoescaping; the same page is the source of the PDF."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from camaudit.models import Device, Finding
from camaudit.reconcile import KIND_TITLES, KINDS
from camaudit.reports.charts import report_charts
from camaudit.reports.context import ReportData, build_report_data
from camaudit.reports.first_screen import first_screen, policy_order
from camaudit.reports.summary import HIGH_CONFIDENCE
from camaudit.untrusted_text import visible

TEMPLATE = "report.html"
#: Folder of the report templates (the only place the PDF renderer may read files from).
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("camaudit.reports", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(data: ReportData) -> str:
    """The report page as a string (control characters shown as U+FFFD)."""
    return visible(_render(data))


def _render(data: ReportData) -> str:
    return (
        _environment()
        .get_template(TEMPLATE)
        .render(
            meta=data.meta,
            summary=data.summary,
            entries=data.entries,
            orphans=data.orphan_findings,
            charts=report_charts(data.summary),
            period=data.period,
            high=HIGH_CONFIDENCE,
            first=first_screen([e.device for e in data.entries], data.plan),
            policies=policy_order(data.summary.findings_by_policy),
            prerequisites=data.prerequisites,
            reconciliation=data.reconciliation,
            kinds=[(k, KIND_TITLES[k]) for k in KINDS],
        )
    )


def write_html(
    path: Path, devices: list[Device], findings: list[Finding], meta: dict[str, Any]
) -> None:
    """Write the self-contained HTML report."""
    path.write_text(render_html(build_report_data(devices, findings, meta)), encoding="utf-8")
