"""Inline SVG bar charts for the HTML/PDF report: no scripts, no external resources.

Every label is escaped; each chart carries a ``<title>`` and a ``<desc>`` listing its figures
(read out by screen readers through ``aria-labelledby``), and values are printed beside each bar
so colour is never the only way to read it.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

from camaudit.reports.summary import UNKNOWN, Summary

WIDTH = 640
LABEL_WIDTH = 190
BAR_AREA = 300
ROW_HEIGHT = 24
TOP = 8
MAX_ROWS = 12
_LABEL_CHARS = 28

#: Fonts for chart text (SVG renderers do not always inherit the page's CSS font list).
FONT_FAMILY = "Noto Sans, DejaVu Sans, Segoe UI, Roboto, Noto Sans CJK SC, sans-serif"
#: Fill colour of each kind of segment (attributes, not CSS: PDF renderers may ignore page CSS).
TONES = {
    "neutral": "#3d6cb9",
    "bad": "#b3261e",
    "ok": "#2e7d32",
    "unknown": "#8a8f98",
    "sev-critical": "#7f0000",
    "sev-high": "#b3261e",
    "sev-medium": "#d46b08",
    "sev-low": "#b8860b",
    "sev-info": "#5c6578",
}


@dataclass(frozen=True, slots=True)
class Segment:
    """One coloured part of a bar."""

    name: str
    value: int
    tone: str = "neutral"


@dataclass(frozen=True, slots=True)
class BarRow:
    """One labelled bar made of one or more segments."""

    label: str
    segments: tuple[Segment, ...]

    @property
    def total(self) -> int:
        return sum(s.value for s in self.segments)

    def describe(self) -> str:
        parts = [f"{s.value} {s.name}" for s in self.segments if s.value and s.name]
        detail = f" ({', '.join(parts)})" if len(self.segments) > 1 and parts else ""
        return f"{self.label}: {self.total}{detail}"


@dataclass(frozen=True, slots=True)
class Chart:
    """A horizontal bar chart, rendered by :meth:`svg`."""

    chart_id: str
    title: str
    rows: tuple[BarRow, ...]

    def description(self) -> str:
        if not self.rows:
            return "No data."
        return "; ".join(r.describe() for r in self.rows) + "."

    def svg(self) -> Markup:
        """The chart as an inline ``<svg>`` element (safe to insert unescaped)."""
        rows = self.rows or (BarRow("none", (Segment("", 0),)),)
        peak = max((r.total for r in rows), default=0) or 1
        height = TOP * 2 + ROW_HEIGHT * len(rows)
        cid = escape(self.chart_id)
        out = [
            f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" '
            f'height="{height}" font-family="{FONT_FAMILY}" font-size="12" '
            f'aria-labelledby="{cid}-title {cid}-desc">',
            f'<title id="{cid}-title">{escape(self.title)}</title>',
            f'<desc id="{cid}-desc">{escape(self.description())}</desc>',
        ]
        for i, row in enumerate(rows):
            y = TOP + i * ROW_HEIGHT
            label = row.label if len(row.label) <= _LABEL_CHARS else row.label[:27] + "…"
            out.append(
                f'<text class="label" x="{LABEL_WIDTH - 8}" y="{y + 16}" text-anchor="end" '
                f'fill="#1d2330">'
                f"{escape(label)}</text>"
            )
            x = float(LABEL_WIDTH)
            for seg in row.segments:
                if seg.value <= 0:
                    continue
                w = max(BAR_AREA * seg.value / peak, 2.0)
                out.append(
                    f'<rect class="{escape(seg.tone)}" fill="{TONES.get(seg.tone, "#3d6cb9")}" '
                    f'x="{x:.1f}" y="{y + 4}" width="{w:.1f}" height="{ROW_HEIGHT - 8}"></rect>'
                )
                x += w
            out.append(
                f'<text class="value" x="{x + 6:.1f}" y="{y + 16}" fill="#1d2330">'
                f"{escape(self._value_text(row))}</text>"
            )
        out.append("</svg>")
        return Markup("".join(out))  # noqa: S704 (every inserted value is escaped above)

    @staticmethod
    def _value_text(row: BarRow) -> str:
        flagged = [s for s in row.segments if s.value and s.tone == "bad" and s.name]
        if len(row.segments) > 1 and flagged:
            return f"{row.total} ({', '.join(f'{s.value} {s.name}' for s in flagged)})"
        return str(row.total)


def _top(rows: list[BarRow], what: str) -> tuple[BarRow, ...]:
    """Keep the largest rows; fold the rest into one ``other`` row."""
    rows.sort(key=lambda r: (-r.total, r.label.casefold()))
    if len(rows) <= MAX_ROWS:
        return tuple(rows)
    keep, rest = rows[: MAX_ROWS - 1], rows[MAX_ROWS - 1 :]
    merged: dict[tuple[str, str], int] = {}
    for r in rest:
        for s in r.segments:
            merged[(s.name, s.tone)] = merged.get((s.name, s.tone), 0) + s.value
    other = BarRow(
        f"{len(rest)} other {what}",
        tuple(Segment(name, v, tone) for (name, tone), v in merged.items()),
    )
    return (*keep, other)


def manufacturer_chart(summary: Summary) -> Chart:
    """Devices per manufacturer, the restricted part of each bar highlighted."""
    rows = []
    for maker, n in summary.by_manufacturer.items():
        bad = summary.restricted_by_manufacturer.get(maker, 0)
        tone = "unknown" if maker == UNKNOWN else "neutral"
        rows.append(
            BarRow(maker, (Segment("restricted", bad, "bad"), Segment("other", n - bad, tone)))
        )
    return Chart("chart-makers", "Devices by manufacturer", _top(rows, "manufacturers"))


def restriction_chart(summary: Summary) -> Chart:
    """Devices from restricted vendors, from others, and of unknown make."""
    other = summary.identified - summary.restricted
    return Chart(
        "chart-restricted",
        "Devices from restricted vendors",
        (
            BarRow("restricted vendor", (Segment("", summary.restricted, "bad"),)),
            BarRow("not restricted", (Segment("", other, "ok"),)),
            BarRow("maker unknown", (Segment("", summary.unknown, "unknown"),)),
        ),
    )


def site_chart(summary: Summary) -> Chart:
    """Devices per site, the restricted part of each bar highlighted."""
    rows = []
    for site, n in summary.by_site.items():
        bad = summary.restricted_by_site.get(site, 0)
        rows.append(BarRow(site, (Segment("restricted", bad, "bad"), Segment("other", n - bad))))
    return Chart("chart-sites", "Devices by site", _top(rows, "sites"))


def severity_chart(summary: Summary) -> Chart:
    """Findings per severity, most severe first."""
    return Chart(
        "chart-severity",
        "Findings by severity",
        tuple(
            BarRow(sev.value, (Segment("", n, f"sev-{sev.value}"),))
            for sev, n in summary.severity_counts()
        ),
    )


def report_charts(summary: Summary) -> list[Chart]:
    """The four charts of the report, in display order."""
    return [
        manufacturer_chart(summary),
        restriction_chart(summary),
        site_chart(summary),
        severity_chart(summary),
    ]
