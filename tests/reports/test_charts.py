"""Inline SVG charts: escaped, described for screen readers, proportional."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from camaudit.models import Device, Identity
from camaudit.reports import summarise
from camaudit.reports.charts import (
    BAR_AREA,
    MAX_ROWS,
    BarRow,
    Chart,
    Segment,
    manufacturer_chart,
    report_charts,
    site_chart,
)


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def parse(svg: str) -> _Collect:
    p = _Collect()
    p.feed(svg)
    return p


def test_labels_are_escaped_and_described():
    chart = Chart("c1", "Sites <b>", (BarRow('<script>alert("x")</script>', (Segment("", 3),)),))
    svg = str(chart.svg())
    assert "<script" not in svg and "&lt;script&gt;" in svg
    p = parse(svg)
    assert {t for t, _ in p.tags} <= {"svg", "title", "desc", "text", "rect"}
    root = p.tags[0][1]
    assert root["role"] == "img" and root["aria-labelledby"] == "c1-title c1-desc"
    assert any('<script>alert("x")</script>: 3' in t for t in p.text)


def test_bars_are_proportional(estate):
    svg = str(manufacturer_chart(summarise(estate)).svg())
    widths = [float(w) for w in re.findall(r'<rect[^>]*width="([0-9.]+)"', svg)]
    assert max(widths) == BAR_AREA  # Hikvision, 4 devices, all restricted
    assert min(widths) == BAR_AREA / 4


def test_many_sites_fold_into_other():
    devices = [
        Device(f"ip:127.0.0.{i}", "o", Identity(), f"site {i:02d}") for i in range(MAX_ROWS + 5)
    ]
    chart = site_chart(summarise(devices))
    assert len(chart.rows) == MAX_ROWS
    assert chart.rows[-1].label == "6 other sites" and chart.rows[-1].total == 6


def test_four_charts_with_unique_ids(estate, findings):
    charts = report_charts(summarise(estate, findings))
    assert len({c.chart_id for c in charts}) == 4
    assert "critical: 2" in charts[3].description()
    assert "restricted vendor: 5" in charts[1].description()


def test_empty_chart_still_renders():
    svg = str(Chart("e", "Empty", ()).svg())
    assert "No data." in svg and svg.startswith("<svg")
