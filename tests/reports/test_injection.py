"""Device-supplied strings as an attacker writes them (markup, spreadsheet formulas, path
traversal, control characters, a right-to-left override) in every text field of a device,
through every report format: HTML escaped, CSV/XLSX formulas neutralised, JSON and CycloneDX
still valid and faithful, the Markdown answer free of live markup, terminal escapes never
reaching a terminal."""

from __future__ import annotations

import csv
import dataclasses
import json
import re
from pathlib import Path

import openpyxl
import pytest

from camaudit.identify import Identifier
from camaudit.models import Device
from camaudit.reports.writers import FORMATS, SUFFIXES, write_report
from tests.figures import record
from tests.reports.estate import META, build_estate, build_findings

PAYLOADS = {
    "script": '<script>alert("x")</script><img src=x onerror=alert(1)>',
    "hyperlink": '=HYPERLINK("http://attacker.invalid/x","open")',
    "plus": "+cmd|' /C calc'!A0",
    "minus": "-2+3+cmd|' /C calc'!A0",
    "at": "@SUM(1+1)*cmd|' /C calc'!A0",
    "tab": "\t=1+1",
    "path": "../../../../etc/passwd",
    "control": "cam\x1b[2J\x1b[31mred\x07\x08\rInjected: line\nsecond",
    "rtl": "cam\u202egnp.exe",
}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
SKIP_SLOW = {"pdf"}  # PDF text is drawn, not interpreted: covered by test_pdf_report


def _strings(value: object) -> set[str]:
    if isinstance(value, str):
        return {value}
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    return {s for item in items for s in _strings(item)}


def _hostile_estate(text: str) -> list[Device]:
    devices = build_estate(Identifier())
    out = []
    for d in devices:
        ident = dataclasses.replace(d.identity, model=text, firmware=text, serial=text)
        out.append(dataclasses.replace(d, identity=ident, site=text))
    return out


@pytest.fixture(scope="module", params=sorted(PAYLOADS))
def reports(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, dict[str, Path]]:
    text = PAYLOADS[request.param]
    devices = _hostile_estate(text)
    findings = build_findings(devices)
    where = tmp_path_factory.mktemp(f"inject-{request.param}")
    meta = {**META, "vendor": "Hikvision"}
    paths = {
        fmt: write_report(fmt, where / f"report{SUFFIXES[fmt]}", devices, findings, meta)
        for fmt in FORMATS
        if fmt not in SKIP_SLOW
    }
    record("injection", payload=request.param, formats=len(paths))
    return text, paths


def test_html_is_escaped(reports: tuple[str, dict[str, Path]]) -> None:
    _, paths = reports
    html = paths["html"].read_text()
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "\x1b" not in html


def test_csv_formulas_are_neutralised(reports: tuple[str, dict[str, Path]]) -> None:
    text, paths = reports
    with paths["csv"].open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    cells = [c for row in rows[1:] for c in row]
    marked = [c for c in cells if text.strip()[:6] in c or "cmd|" in c or "HYPERLINK" in c]
    assert marked or not text.startswith(FORMULA_START)
    assert [c for c in marked if c.startswith(FORMULA_START)] == []


def test_xlsx_holds_no_formula(reports: tuple[str, dict[str, Path]]) -> None:
    _, paths = reports
    book = openpyxl.load_workbook(paths["xlsx"])
    formulas = [
        (sheet.title, cell.coordinate, cell.value)
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f" or (isinstance(cell.value, str) and cell.value.startswith("="))
    ]
    assert formulas == []


def test_json_and_cyclonedx_stay_valid_and_faithful(reports: tuple[str, dict[str, Path]]) -> None:
    text, paths = reports
    data = json.loads(paths["json"].read_text())
    assert text in _strings(data)  # the device's words, kept as data
    json.loads(paths["cyclonedx"].read_text())
    json.loads(paths["answer-json"].read_text())


def test_markdown_answer_has_no_live_markup(reports: tuple[str, dict[str, Path]]) -> None:
    _, paths = reports
    answer = paths["answer"].read_text()
    assert re.findall(r"(?<!\\)<(?:script|img)", answer) == []  # \<script\> is shown, not run
    assert "\x1b" not in answer


def test_report_files_are_named_by_the_caller(reports: tuple[str, dict[str, Path]]) -> None:
    _, paths = reports
    for fmt, path in paths.items():
        siblings = sorted(p.name for p in path.parent.iterdir())
        assert siblings == sorted(f"report{SUFFIXES[f]}" for f in paths), fmt
