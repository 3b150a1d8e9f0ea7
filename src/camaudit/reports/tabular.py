"""Rows for the tabular formats (CSV, XLSX), and the guard against spreadsheet formula injection.

Device-supplied text (a model string of ``=HYPERLINK(...)``) must never become a live formula
when a report is opened in a spreadsheet: :func:`guard_formula` prefixes text that starts with
``= + - @`` (or a tab/carriage return) with an apostrophe, as OWASP recommends for CSV.
"""

from __future__ import annotations

from camaudit.reconcile import KIND_TITLES
from camaudit.reports.context import DeviceEntry, ReportData
from camaudit.reports.summary import UNKNOWN

Cell = str | int | float | None

#: Device columns: the original CSV columns, then findings count, policy ids, notes, device key,
#: asset id and location.
DEVICE_COLUMNS = [
    "org",
    "site",
    "ip",
    "mac",
    "manufacturer",
    "brand",
    "model",
    "firmware",
    "device_type",
    "confidence",
    "restricted",
    "serial",
    "first_seen",
    "last_seen",
    "findings",
    "policies",
    "notes",
    "key",
    "asset_id",
    "location",
]
FINDING_COLUMNS = [
    "device",
    "ip",
    "site",
    "manufacturer",
    "model",
    "policy",
    "severity",
    "title",
    "detail",
]
EVIDENCE_COLUMNS = ["device", "ip", "kind", "rule", "field", "matched", "value", "sha256"]
RECONCILIATION_COLUMNS = [
    "kind",
    "asset_id",
    "location",
    "ip",
    "register",
    "observed",
    "detail",
    "device",
]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def guard_formula(value: Cell) -> Cell:
    """Text starting like a formula gets a leading apostrophe; other values pass unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def device_row(entry: DeviceEntry) -> list[Cell]:
    """One row per device, in :data:`DEVICE_COLUMNS` order (formula-guarded)."""
    d = entry.device
    ident = d.identity
    row: list[Cell] = [
        d.organisation,
        d.site,
        d.ip,
        d.mac,
        ident.manufacturer or UNKNOWN,
        ident.brand,
        ident.model,
        ident.firmware,
        ident.device_type.value,
        round(ident.confidence, 3),
        ";".join(r.policy for r in ident.restricted),
        ident.serial or d.identifiers.get("serial"),
        d.first_seen.isoformat() if d.first_seen else None,
        d.last_seen.isoformat() if d.last_seen else None,
        len(entry.findings),
        ";".join(entry.policies),
        " | ".join(ident.notes),
        d.key,
        d.asset.asset_id,
        d.asset.where() or None,
    ]
    return [guard_formula(c) for c in row]


def finding_rows(data: ReportData) -> list[list[Cell]]:
    """One row per finding, in :data:`FINDING_COLUMNS` order; orphan findings last."""
    rows: list[list[Cell]] = []
    for e in data.entries:
        d = e.device
        for f in e.findings:
            rows.append(
                [
                    d.key,
                    d.ip,
                    d.site,
                    e.maker,
                    d.identity.model,
                    f.policy,
                    f.severity.value,
                    f.title,
                    f.detail,
                ]
            )
    for f in data.orphan_findings:
        rows.append(
            [f.device_key, None, None, None, None, f.policy, f.severity.value, f.title, f.detail]
        )
    return [[guard_formula(c) for c in r] for r in rows]


def evidence_rows(data: ReportData) -> list[list[Cell]]:
    """One row per link of each device's evidence chain, in :data:`EVIDENCE_COLUMNS` order."""
    rows: list[list[Cell]] = []
    for e in data.entries:
        for ref in e.evidence:
            rows.append(
                [
                    e.key,
                    e.device.ip,
                    ref.kind,
                    ref.rule,
                    ref.field,
                    ref.matched,
                    ref.value,
                    ref.sha256,
                ]
            )
    return [[guard_formula(c) for c in r] for r in rows]


def reconciliation_rows(data: ReportData) -> list[list[Cell]]:
    """One row per reconciliation line, in :data:`RECONCILIATION_COLUMNS` order (kind as its
    heading); empty when the report has no register."""
    if data.reconciliation is None:
        return []
    rows: list[list[Cell]] = [
        [
            KIND_TITLES.get(m.kind, m.kind),
            m.asset_id,
            m.location,
            m.ip,
            m.register,
            m.observed,
            m.detail,
            m.device,
        ]
        for m in data.reconciliation.items
    ]
    return [[guard_formula(c) for c in r] for r in rows]
