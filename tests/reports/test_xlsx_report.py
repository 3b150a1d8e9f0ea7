"""XLSX: sheets, header styling, filters, frozen panes, rows, and no live formulas."""

from __future__ import annotations

import dataclasses

from openpyxl import load_workbook

from camaudit.reconcile import KIND_TITLES
from camaudit.reports.tabular import (
    DEVICE_COLUMNS,
    EVIDENCE_COLUMNS,
    FINDING_COLUMNS,
    RECONCILIATION_COLUMNS,
)
from tests.reports.estate import CJK_SITE, HOSTILE_MODEL


def values(ws):
    return [list(r) for r in ws.iter_rows(values_only=True)]


def test_sheets_and_rows(write, estate, findings):
    wb = load_workbook(write("xlsx"))
    assert wb.sheetnames == ["Devices", "Findings", "Evidence", "Summary"]
    devices = values(wb["Devices"])
    assert devices[0] == DEVICE_COLUMNS
    assert [r[DEVICE_COLUMNS.index("key")] for r in devices[1:]] == [d.key for d in estate]
    first = dict(zip(DEVICE_COLUMNS, devices[1], strict=True))
    assert first["manufacturer"] == "Hikvision" and first["findings"] == 2
    assert isinstance(first["confidence"], int | float) and first["confidence"] >= 0.9
    assert any(r[DEVICE_COLUMNS.index("site")] == CJK_SITE for r in devices)
    unknown = next(r for r in devices if r[DEVICE_COLUMNS.index("ip")] == "127.20.0.16")
    assert unknown[DEVICE_COLUMNS.index("manufacturer")] == "unknown"
    found = values(wb["Findings"])
    assert found[0] == FINDING_COLUMNS and len(found) - 1 == len(findings)
    evidence = values(wb["Evidence"])
    assert evidence[0] == EVIDENCE_COLUMNS
    assert len(evidence) - 1 == sum(len(d.identity.evidence) for d in estate)
    sha = EVIDENCE_COLUMNS.index("sha256")
    assert all(len(r[sha]) == 64 for r in evidence[1:])
    summary = {r[0]: r[1] for r in values(wb["Summary"]) if r and r[0]}
    assert summary["Devices"] == 9 and summary["From restricted vendors"] == 5
    assert "s3cret" not in str(summary["Database"])


def test_table_layout(write):
    wb = load_workbook(write("xlsx"))
    for name, columns in (
        ("Devices", DEVICE_COLUMNS),
        ("Findings", FINDING_COLUMNS),
        ("Evidence", EVIDENCE_COLUMNS),
    ):
        ws = wb[name]
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:")
        assert ws.auto_filter.ref.endswith(str(ws.max_row))
        assert all(c.font.bold for c in ws[1][: len(columns)])
    assert wb["Summary"]["A1"].font.bold


def test_no_formulas_anywhere(write):
    wb = load_workbook(write("xlsx"))
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    models = [c.value for c in wb["Devices"]["G"]]
    assert "'" + HOSTILE_MODEL in models


def test_control_characters_and_huge_text_do_not_break_the_file(write, estate):
    dev = estate[0]
    noisy = dataclasses.replace(
        dev,
        identity=dataclasses.replace(
            dev.identity, model="DS\x00-2CD\x07\x1b[31m", notes=["x" * 40_000]
        ),
    )
    wb = load_workbook(write("xlsx", devices=[noisy], found=[]))
    row = dict(zip(DEVICE_COLUMNS, values(wb["Devices"])[1], strict=True))
    assert row["model"] == "DS-2CD[31m"
    assert len(row["notes"]) == 32_767


def test_reconciliation_sheet(write, planted):
    from tests.reports.planted import EXPECTED, ORG

    wb = load_workbook(write("xlsx", devices=planted, found=[], org=ORG))
    assert wb.sheetnames == ["Devices", "Findings", "Evidence", "Summary", "Reconciliation"]
    rows = values(wb["Reconciliation"])
    assert rows[0] == RECONCILIATION_COLUMNS
    cols = [RECONCILIATION_COLUMNS.index(c) for c in ("kind", "asset_id", "location")]
    got = sorted((tuple(r[i] for i in cols) for r in rows[1:]), key=str)
    want = sorted(((KIND_TITLES[k], a, loc) for k, a, loc in EXPECTED), key=str)
    assert got == want
    assert wb["Reconciliation"].auto_filter.ref == "A1:H5"


def test_asset_id_and_location_beside_each_restricted_device(write, planted):
    from tests.reports.planted import ORG, restricted_placed

    sheet = values(load_workbook(write("xlsx", devices=planted, found=[], org=ORG))["Devices"])
    by_ip = {
        r[DEVICE_COLUMNS.index("ip")]: dict(zip(DEVICE_COLUMNS, r, strict=True)) for r in sheet[1:]
    }
    for ip, asset_id, location in restricted_placed(planted):
        row = by_ip[ip]
        assert row["restricted"] and (row["asset_id"], row["location"]) == (asset_id, location)
