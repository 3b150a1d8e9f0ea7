"""``camaudit oversight report``: the round's table, per-body figures, flags and the responses
behind them, as html, pdf, csv, xlsx or json.

Reuses the reports package: inline SVG charts (:mod:`camaudit.reports.charts`) and the PDF
renderer that may only read ``data:`` URLs and the report templates
(:func:`camaudit.reports.pdf_report.render_pdf`). Every figure names the response ids behind it,
and the responses are listed at the end (with their answer hashes and provenance).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from camaudit.errors import InputError, ReportError
from camaudit.models import utcnow
from camaudit.oversight.aggregate import CAVEATS, BodyFigures, Change, RoundSummary, changes
from camaudit.oversight.bodies import NOT_KNOWN
from camaudit.oversight.service import list_responses, round_summary, rounds
from camaudit.oversight.types import Caller, Response
from camaudit.reports.charts import BarRow, Chart, Segment
from camaudit.reports.context import redact_url
from camaudit.reports.tabular import guard_formula
from camaudit.store import Store
from camaudit.untrusted_text import visible

FORMATS = ("html", "pdf", "csv", "xlsx", "json")


@dataclass(slots=True)
class OversightReport:
    """Everything the writers render."""

    summary: RoundSummary
    previous: RoundSummary | None
    changes: list[Change]
    responses: list[Response]
    generated: datetime = field(default_factory=utcnow)
    database: str | None = None
    caveats: tuple[str, ...] = CAVEATS

    def to_dict(self) -> dict[str, Any]:
        return {
            "generated": self.generated.isoformat(),
            "database": self.database,
            **self.summary.to_dict(),
            "previous_round": self.previous.round if self.previous else None,
            "changes": [c.to_dict() for c in self.changes],
            "responses": [r.to_dict() for r in self.responses],
            "caveats": list(self.caveats),
        }


def build_report(
    store: Store,
    caller: Caller,
    *,
    round: str | None = None,
    today: date | None = None,
    vendor: str = "Hikvision",
    request_ids: Sequence[int] | None = None,
) -> OversightReport:
    """The report of ``round`` (default: the latest), compared with the round before it."""
    today = today or utcnow().date()
    known = rounds(store, caller)
    if not known:
        raise InputError("no information requests recorded yet")
    current = round or known[-1]
    if current not in known:
        raise InputError(f"no round {current!r}; rounds: {', '.join(known)}")
    summary = round_summary(
        store, caller, current, today=today, vendor=vendor, request_ids=request_ids
    )
    idx = known.index(current)
    previous = (
        round_summary(store, caller, known[idx - 1], today=today, vendor=vendor) if idx else None
    )
    ids = {r.id for r in summary.requests}
    resps = [r for r in list_responses(store, caller) if r.request_id in ids]
    return OversightReport(
        summary,
        previous,
        changes(previous, summary) if previous else [],
        resps,
        database=redact_url(store.url),
    )


# -- charts -------------------------------------------------------------------------------------


def status_chart(s: RoundSummary) -> Chart:
    tones = {"confirmed": "bad", "no-response": "unknown", "refused": "unknown"}
    return Chart(
        "chart-status",
        "Bodies by response",
        tuple(
            BarRow(
                line.status.label, (Segment("", line.bodies, tones.get(line.status.value, "ok")),)
            )
            for line in s.statuses
        ),
    )


def restricted_chart(s: RoundSummary) -> Chart:
    rows = [
        BarRow(
            b.name,
            (
                Segment("restricted", b.restricted or 0, "bad"),
                Segment("other", (b.devices or 0) - (b.restricted or 0), "neutral"),
            ),
        )
        for b in s.audits()
    ]
    rows.sort(key=lambda r: (-r.total, r.label))
    return Chart(
        "chart-audits", "Devices in submitted audits (restricted highlighted)", tuple(rows)
    )


# -- tabular -------------------------------------------------------------------------------------


def _num(v: float | int | None, fmt: str = "{:,}") -> str:
    return NOT_KNOWN if v is None else fmt.format(v)


def status_rows(s: RoundSummary) -> list[list[Any]]:
    out: list[list[Any]] = [
        [
            "status",
            "bodies",
            "named",
            "population covered",
            "bodies with population not known",
            "vintages",
            "responses",
        ]
    ]
    for line in s.statuses:
        out.append(
            [
                line.status.label,
                line.bodies,
                line.named,
                line.population,
                line.population_missing,
                "; ".join(sorted(line.vintages)),
                " ".join(f"#{i}" for i in line.responses)
                + (" derived: " + ", ".join(line.derived) if line.derived else ""),
            ]
        )
    return out


def body_rows(s: RoundSummary) -> list[list[Any]]:
    out: list[list[Any]] = [
        [
            "body",
            "code",
            "status",
            "population",
            "devices",
            "restricted",
            "per 100k residents",
            "share of estate",
            "OEM-label share",
            "high-severity CVE devices",
            "replacement cost",
            "provenance",
            "flags",
            "response",
        ]
    ]
    for b in s.bodies:
        out.append(_body_row(b))
    return out


#: Shown in device columns of a body that submitted no audit.
NO_AUDIT = "—"


def _body_row(b: BodyFigures) -> list[Any]:
    pop = b.body.population if b.body else None
    if b.has_audit:
        cost = _num(b.plan_cost, "{:,.0f}") + (f" {b.plan_currency}" if b.plan_currency else "")
        figures = [
            _num(b.devices),
            _num(b.restricted),
            _num(b.per_100k, "{:.1f}"),
            _num(b.share, "{:.0%}"),
            _num(b.oem_share, "{:.0%}"),
            _num(b.high_cve_devices),
            cost,
        ]
    else:
        figures = [NO_AUDIT] * 7
    return [
        b.name,
        (b.body.code if b.body else None) or "",
        b.response.status.label,
        pop.value if pop else NOT_KNOWN,
        *figures,
        b.response.provenance or ("" if b.has_audit else "no audit submitted"),
        " | ".join(f.message for f in b.flags),
        f"#{b.response.id}",
    ]


def flag_rows(s: RoundSummary) -> list[list[Any]]:
    return [["response", "body", "kind", "message"]] + [
        [f"#{f.response}", f.body, f.kind, f.message] for f in s.flags
    ]


def response_rows(report: OversightReport) -> list[list[Any]]:
    out: list[list[Any]] = [
        [
            "response",
            "body",
            "status",
            "exemption",
            "received",
            "provenance",
            "answer sha256",
            "attachments (sha256)",
            "source",
            "text",
        ]
    ]
    for r in report.responses:
        out.append(
            [
                f"#{r.id}",
                r.body_name,
                r.status.label,
                r.exemption or "",
                r.received.isoformat() if r.received else "",
                r.provenance or "",
                r.answer_sha256 or "",
                " ".join(f"{a.filename}:{a.sha256}" for a in r.attachments),
                r.source or "",
                r.text,
            ]
        )
    return out


def _tables(report: OversightReport) -> dict[str, list[list[Any]]]:
    s = report.summary
    return {
        "Statuses": status_rows(s),
        "Bodies": body_rows(s),
        "Flags": flag_rows(s),
        "Responses": response_rows(report),
    }


def write_csv(path: Path, report: OversightReport) -> None:
    """One CSV with a section per table (a title row, then a header); formulas neutralised."""
    s = report.summary
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow([f"round {s.round}", f"asked {s.asked}", f"not accounted {s.not_accounted}"])
        for title, rows in _tables(report).items():
            w.writerow([])
            w.writerow([title.lower()])
            w.writerows([[guard_formula(c) for c in row] for row in rows])


def write_xlsx(path: Path, report: OversightReport) -> None:
    """A workbook with one sheet per table; formulas neutralised."""
    from openpyxl import Workbook

    wb = Workbook()
    for n, (title, rows) in enumerate(_tables(report).items()):
        ws = wb.active if n == 0 else wb.create_sheet()
        assert ws is not None
        ws.title = title
        for row in rows:
            ws.append([guard_formula(c) for c in row])
    wb.save(path)


def render_html(report: OversightReport) -> str:
    """The oversight page as a string (control characters from devices shown as U+FFFD)."""
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(
        loader=PackageLoader("camaudit.reports", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    s = report.summary
    page = env.get_template("oversight.html").render(
        r=report,
        s=s,
        charts=[status_chart(s)] + ([restricted_chart(s)] if s.audits() else []),
        body_rows=body_rows(s)[1:],
        not_known=NOT_KNOWN,
        generated=report.generated.strftime("%Y-%m-%d %H:%M UTC"),
    )
    return visible(page)


def write_report(fmt: str, path: str | Path, report: OversightReport) -> Path:
    """Write ``report`` as ``fmt`` to ``path``."""
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    out = Path(path)
    if not out.parent.exists():
        raise InputError(f"cannot write {out}: directory {out.parent} does not exist")
    try:
        if fmt == "json":
            out.write_text(
                json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n", "utf-8"
            )
        elif fmt == "csv":
            write_csv(out, report)
        elif fmt == "xlsx":
            write_xlsx(out, report)
        elif fmt == "html":
            out.write_text(render_html(report), encoding="utf-8")
        else:
            try:
                from camaudit.reports.pdf_report import render_pdf
            except (ImportError, OSError) as exc:
                raise ReportError(
                    f"PDF needs WeasyPrint and Pango ({exc}); write HTML instead"
                ) from None
            out.write_bytes(render_pdf(render_html(report)))
    except OSError as exc:
        raise ReportError(f"cannot write {out}: {exc.strerror or exc}") from None
    return out
