"""The ``xlsx`` format: an openpyxl workbook with Devices, Findings, Evidence and Summary sheets,
and a Reconciliation sheet when any device came from an asset register.

Each table sheet has a styled header row, an autofilter and frozen panes. Text is stored as text
(never as a formula: see :func:`~camaudit.reports.tabular.guard_formula`), stripped of the control
characters the file format cannot hold, and capped at Excel's cell limit.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from camaudit.models import Device, Finding
from camaudit.reports.context import ReportData, build_report_data
from camaudit.reports.tabular import (
    DEVICE_COLUMNS,
    EVIDENCE_COLUMNS,
    FINDING_COLUMNS,
    RECONCILIATION_COLUMNS,
    Cell,
    device_row,
    evidence_rows,
    finding_rows,
    guard_formula,
    reconciliation_rows,
)

#: Excel's limit on characters in one cell.
MAX_CELL_CHARS = 32_767
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="1F3A68")
_RESTRICTED_FILL = PatternFill("solid", fgColor="FDE7E5")
_MAX_WIDTH = 60


def _clean(value: Cell) -> Cell:
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)[:MAX_CELL_CHARS]
    return value


def _table(
    ws: Worksheet,
    columns: Sequence[str],
    rows: Sequence[Sequence[Cell]],
    highlight: Sequence[bool] = (),
) -> None:
    """Header + rows (those flagged in ``highlight`` shaded), then style, widths, autofilter
    and frozen header."""
    ws.append(list(columns))
    widths = [len(c) for c in columns]
    for n, row in enumerate(rows):
        values = [_clean(v) for v in row]
        ws.append(values)
        if n < len(highlight) and highlight[n]:
            for col in range(1, len(values) + 1):
                ws.cell(row=n + 2, column=col).fill = _RESTRICTED_FILL
        for i, v in enumerate(values):
            widths[i] = max(widths[i], min(len(str(v)) if v is not None else 0, _MAX_WIDTH))
    for cell in ws[1]:
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(vertical="center")
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w + 2
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(ws.max_row, 1)}"


def _summary_sheet(ws: Worksheet, data: ReportData) -> None:
    s = data.summary
    meta = data.meta
    facts: list[tuple[str, Cell]] = [
        ("Organisation", meta.org or ""),
        ("Generated", meta.generated_text),
        ("Database", meta.database or ""),
        ("Audits", ", ".join(str(a) for a in meta.audits)),
        ("Devices", s.devices),
        ("Manufacturer identified", s.identified),
        ("  with high confidence", s.high_confidence),
        ("Manufacturer unknown", s.unknown),
        ("From restricted vendors", s.restricted),
        ("  sold under another label", s.oem_restricted),
        ("Findings", s.findings),
        ("Devices with findings", s.devices_with_findings),
    ]
    ws.append(["Figure", "Value"])
    for label, value in facts:
        ws.append([label, _clean(guard_formula(value))])
    ws.append([])
    ws.append(["Manufacturer", "Devices", "Restricted"])
    maker_header = ws.max_row
    for maker, n in s.by_manufacturer.most_common():
        ws.append([_clean(guard_formula(maker)), n, s.restricted_by_manufacturer.get(maker, 0)])
    ws.append([])
    ws.append(["Severity", "Findings"])
    severity_header = ws.max_row
    for sev, n in s.severity_counts():
        ws.append([sev.value, n])
    for r in (1, maker_header, severity_header):
        for cell in ws[r]:
            if cell.value is not None:
                cell.font = _HEADER_FONT
                cell.fill = _HEADER_FILL
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 40
    ws.column_dimensions["C"].width = 12
    ws.freeze_panes = "A2"


def build_workbook(data: ReportData) -> Workbook:
    """The workbook for ``data`` (sheets: Devices, Findings, Evidence, Summary[, Reconciliation])."""
    wb = Workbook()
    devices = wb.active
    assert devices is not None
    devices.title = "Devices"
    _table(
        devices,
        DEVICE_COLUMNS,
        [device_row(e) for e in data.entries],
        [e.restricted for e in data.entries],
    )
    _table(wb.create_sheet("Findings"), FINDING_COLUMNS, finding_rows(data))
    _table(wb.create_sheet("Evidence"), EVIDENCE_COLUMNS, evidence_rows(data))
    _summary_sheet(wb.create_sheet("Summary"), data)
    if data.reconciliation is not None:
        _table(wb.create_sheet("Reconciliation"), RECONCILIATION_COLUMNS, reconciliation_rows(data))
    return wb


def write_xlsx(
    path: Path, devices: list[Device], findings: list[Finding], meta: dict[str, Any]
) -> None:
    """Write the report as an Excel workbook."""
    build_workbook(build_report_data(devices, findings, meta)).save(path)
