"""Read a population table as a user downloads it (NRS mid-year estimates, CSV or XLSX).

Published tables start with title and note rows, then a header (``Area code``, ``Area name``,
``Sex``, ``All ages``, single years of age ...). The reader looks for that header in the first
rows of each sheet, keeps the all-persons rows, and reads one figure per area. The vintage
(``Mid-2024``) is read from the title rows when the caller does not give it.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from camaudit.errors import InputError

#: Rows searched for the header in each sheet.
HEADER_SCAN = 40
#: Cells per row considered (tables have ~95 age columns; the total comes early).
MAX_COLS = 200
MAX_ROWS = 20_000
_CODE = re.compile(r"^[A-Z]\d{8}$")
_VINTAGE = re.compile(r"\bmid[- ]?(?:year\s+)?(\d{4})\b", re.IGNORECASE)
_TOTAL_NAMES = ("all ages", "all persons", "total", "population", "persons", "all people")
_SEX_KEEP = {"persons", "all", "all persons", "total", "all people", "people"}


@dataclass(frozen=True, slots=True)
class PopulationRow:
    """One area's figure from the table."""

    code: str | None
    name: str | None
    value: int
    line: int


@dataclass(frozen=True, slots=True)
class PopulationTable:
    """The figures of one file with the vintage and a description of where they came from."""

    rows: tuple[PopulationRow, ...]
    vintage: str | None
    sheet: str | None
    sha256: str


def _norm(cell: object) -> str:
    return re.sub(r"\s+", " ", str(cell or "")).strip()


def _iter_csv(path: Path) -> Iterator[tuple[str | None, list[list[str]]]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        text = path.read_text(encoding="cp1252")
    yield None, [row[:MAX_COLS] for row in csv.reader(text.splitlines()[:MAX_ROWS])]


def _iter_xlsx(path: Path) -> Iterator[tuple[str | None, list[list[str]]]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a bad file
        raise InputError(f"cannot read {path} as a workbook: {exc}") from None
    try:
        for ws in wb.worksheets:
            rows = []
            for n, values in enumerate(ws.iter_rows(values_only=True, max_col=MAX_COLS)):
                if n >= MAX_ROWS:
                    break
                rows.append(["" if v is None else str(v) for v in values])
            yield ws.title, rows
    finally:
        wb.close()


def _header(rows: list[list[str]]) -> tuple[int, dict[str, int]] | None:
    for i, row in enumerate(rows[:HEADER_SCAN]):
        cells = [_norm(c).casefold() for c in row]
        code = next((j for j, c in enumerate(cells) if "code" in c), None)
        name = next(
            (j for j, c in enumerate(cells) if c in ("area name", "name", "council area", "area")),
            None,
        )
        total = next((j for j, c in enumerate(cells) if c in _TOTAL_NAMES), None)
        if total is None or (code is None and name is None):
            continue
        cols = {"total": total}
        if code is not None:
            cols["code"] = code
        if name is not None:
            cols["name"] = name
        sex = next((j for j, c in enumerate(cells) if c in ("sex", "gender")), None)
        if sex is not None:
            cols["sex"] = sex
        return i, cols
    return None


def _number(cell: str) -> int | None:
    text = _norm(cell).replace(",", "").replace(" ", "")
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return int(value) if value >= 0 and value == int(value) else None


def read_population_table(path: Path) -> PopulationTable:
    """Figures per area from ``path`` (``.csv``, ``.xlsx``); InputError if no table is found."""
    if not path.is_file():
        raise InputError(f"cannot read {path}: no such file")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    sheets = _iter_xlsx(path) if path.suffix.lower() in (".xlsx", ".xlsm") else _iter_csv(path)
    for sheet, rows in sheets:
        found = _header(rows)
        if found is None:
            continue
        start, cols = found
        title = " ".join(_norm(c) for r in rows[:start] for c in r) + " " + (sheet or "")
        m = _VINTAGE.search(title)
        out = []
        for n, row in enumerate(rows[start + 1 :], start=start + 2):

            def cell(k: str, row: list[str] = row, cols: dict[str, int] = cols) -> str:
                j = cols.get(k)
                return _norm(row[j]) if j is not None and j < len(row) else ""

            if "sex" in cols and cell("sex").casefold() not in _SEX_KEEP:
                continue
            value = _number(cell("total"))
            code = cell("code") or None
            if code is not None and not _CODE.match(code):
                code = None
            name = cell("name") or None
            if value is None or (code is None and name is None):
                continue
            out.append(PopulationRow(code, name, value, n))
        if out:
            vintage = f"mid-{m.group(1)}" if m else None
            return PopulationTable(tuple(out), vintage, sheet, digest)
    raise InputError(
        f"{path}: no population table found (looked for a header row with an area code or name "
        "and an 'All ages' / 'Total' / 'Population' column in the first "
        f"{HEADER_SCAN} rows of each sheet)"
    )
