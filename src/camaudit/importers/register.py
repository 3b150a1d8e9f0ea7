"""Asset registers: CSV (any common delimiter, UTF-8 or Windows-1252) and XLSX (streamed with
openpyxl in read-only mode, every sheet that has a register header).

The header row is found among the first rows (title rows above it are common) by how many
columns it maps to canonical names (see :mod:`camaudit.importers.register_headers`). Each data row
becomes one ``asset_row`` evidence whose object holds the canonical columns (``make``, ``model``,
``description`` ...) plus every other column under its own header. Empty rows and repeated
header rows are skipped; a malformed MAC or IP address is an error naming the row and column.
"""

from __future__ import annotations

import csv
import datetime as dt
import logging
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from camaudit.errors import EvidenceFormatError, InputError
from camaudit.identify.register_reading import default_reader
from camaudit.importers.base import (
    asset_row_payload,
    make_evidence,
    parse_ip,
    parse_mac,
    read_head,
    sniff_encoding,
    source_label,
)
from camaudit.importers.register_headers import ColumnMap, map_columns
from camaudit.models import Evidence, EvidenceKind

log = logging.getLogger(__name__)

#: Rows searched for the header row.
HEADER_SEARCH_ROWS = 30
#: Largest cell kept (characters); CSV fields beyond the csv module's limit are an error.
MAX_CELL = 4096
MAX_COLUMNS = 512
#: Largest uncompressed XLSX part accepted (shared strings are held in memory by openpyxl).
MAX_XLSX_PART = 256 * 1024 * 1024
_EMPTY = frozenset({"", "-", "--", "n/a", "na", "none", "nil", "tbc", "tbd", "unknown", "?", "0"})
_NO_IP = _EMPTY | {"dhcp", "dynamic", "auto"}
_XLSX_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"
_XLSX_SUFFIXES = (".xlsx", ".xlsm")
#: The stream an encrypted (password-protected) OOXML file keeps its workbook in, as the OLE
#: directory names it (UTF-16LE).
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
#: What to do about a workbook camaudit cannot read (the end of every such message).
_SAVE_AGAIN = "open it in the spreadsheet program and save it again as XLSX or CSV"


@dataclass(frozen=True, slots=True)
class _Sheet:
    """Rows of one table: ``(row number, cells)``; ``where`` prefixes row numbers in sources."""

    rows: Iterable[tuple[int, list[str]]]
    where: str


class RegisterImporter:
    """Asset registers (CSV or XLSX) with tolerant header matching."""

    name = "register"
    description = "asset register, CSV or XLSX (make/model/description/serial/MAC/IP columns)"

    def read(self, path: Path) -> Iterator[Evidence]:
        """Stream one ``asset_row`` evidence per non-empty row of every sheet with a header."""
        head = read_head(path, 8)
        if head.startswith(_OLE_MAGIC):
            raise InputError(f"{path}: {_ole_refusal(path)}")
        if head.startswith(_XLSX_MAGIC):
            sheets = _xlsx_sheets(path)
        elif path.suffix.lower() in _XLSX_SUFFIXES:
            raise EvidenceFormatError(
                f"named {path.suffix} but not an XLSX workbook: it holds no zip archive; "
                "export the register again as XLSX or CSV",
                source=str(path),
            )
        else:
            sheets = _csv_sheets(path)
        found = False
        best_headers: list[str] = []
        for sheet in sheets:
            rows = iter(sheet.rows)
            header = _find_header(rows)
            if isinstance(header, list):
                best_headers = best_headers or header
                continue
            found = True
            columns, pending = header
            yield from _rows(path, sheet.where, columns, pending, rows)
        if not found:
            seen = ", ".join(repr(h) for h in best_headers if h.strip())[:300] or "none"
            raise EvidenceFormatError(
                "no make, model or description column found in the first "
                f"{HEADER_SEARCH_ROWS} rows (headers seen: {seen})",
                source=str(path),
            )


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date().isoformat()
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    return " ".join(str(value).split())[:MAX_CELL]


def _find_header(
    rows: Iterator[tuple[int, list[str]]],
) -> tuple[ColumnMap, list[tuple[int, list[str]]]] | list[str]:
    """The best header row among the first rows and the rows read after it; or, if there is
    none, the first non-empty row (for the error message)."""
    buffered: list[tuple[int, list[str]]] = []
    best: tuple[ColumnMap, int] | None = None  # map, index in buffer
    for index, (number, cells) in enumerate(rows):
        buffered.append((number, cells))
        if any(c.strip() for c in cells):
            columns = map_columns(cells)
            if columns.identifying and (best is None or columns.score > best[0].score):
                best = (columns, index)
        if len(buffered) >= HEADER_SEARCH_ROWS:
            break
    if best is None:
        return next((cells for _, cells in buffered if any(c.strip() for c in cells)), [])
    columns, index = best
    return columns, buffered[index + 1 :]


def _rows(
    path: Path,
    where: str,
    columns: ColumnMap,
    pending: list[tuple[int, list[str]]],
    rows: Iterator[tuple[int, list[str]]],
) -> Iterator[Evidence]:
    header_key = [h.strip().lower() for h in columns.headers]
    for number, cells in _chain(pending, rows):
        if not any(c.strip() for c in cells):
            continue
        if [c.strip().lower() for c in cells[: len(header_key)]] == header_key:
            continue  # the header repeated (pages of a printed export)
        yield _row_evidence(path, where, number, columns, cells)


def _chain(
    first: list[tuple[int, list[str]]], rest: Iterator[tuple[int, list[str]]]
) -> Iterator[tuple[int, list[str]]]:
    yield from first
    yield from rest


def _row_evidence(
    path: Path, where: str, number: int, columns: ColumnMap, cells: list[str]
) -> Evidence:
    row: dict[str, str] = {}
    descriptions: list[str] = []
    ip: str | None = None
    mac: str | None = None
    for index, value in enumerate(cells[:MAX_COLUMNS]):
        text = value.strip()
        if not text:
            continue
        header = columns.headers[index].strip() if index < len(columns.headers) else ""
        name = columns.canonical.get(index)
        if name == "mac":
            mac = _checked(text, parse_mac, "a MAC address", path, where, number, header)
            if mac:
                row["mac"] = mac
        elif name == "ip":
            ip = _checked(text, parse_ip, "an IP address", path, where, number, header, _NO_IP)
            if ip:
                row["ip"] = ip
        elif name == "description":
            descriptions.append(text)
        elif name is not None:
            row[name] = text
        else:
            key = header or f"column {index + 1}"
            if key.lower() not in row:
                row[key] = text
    if descriptions:
        row["description"] = "; ".join(descriptions)
    elif "type" in row:
        row["description"] = row["type"]  # "Hik 4MP dome" in a Type column is a description too
    row = default_reader().read_row(row)
    if ip is None and "hostname" in row:
        ip = parse_ip(row["hostname"])
    source = source_label("register", path, f"{where}{number}")
    return make_evidence(EvidenceKind.ASSET_ROW, asset_row_payload(row), source, ip=ip, mac=mac)


def _checked(
    text: str,
    parse: Callable[[str], str | None],
    what: str,
    path: Path,
    where: str,
    number: int,
    header: str,
    empty: frozenset[str] = _EMPTY,
) -> str | None:
    if text.lower() in empty:
        return None
    value: str | None = parse(text)
    if value is None:
        raise EvidenceFormatError(
            f"row {where}{number}, column {header!r}: {text[:60]!r} is not {what}",
            line=number,
            source=str(path),
        )
    return value


_DELIMITERS = (",", ";", "\t", "|")
_SNIFF_LINES = 50


def detect_delimiter(sample: str) -> str:
    """The column separator of a CSV sample: the candidate found most consistently outside
    quotes over its first lines (ties in the order , ; tab |). Linear in the sample: no
    backtracking heuristics on untrusted bytes (``csv.Sniffer`` can take minutes)."""
    counts: dict[str, list[int]] = {d: [] for d in _DELIMITERS}
    quoted = False
    line: dict[str, int] = dict.fromkeys(_DELIMITERS, 0)
    lines = 0
    for ch in sample:
        if ch == '"':
            quoted = not quoted
        elif ch == "\n" and not quoted:
            lines += 1
            for d in _DELIMITERS:
                counts[d].append(line[d])
            line = dict.fromkeys(_DELIMITERS, 0)
            if lines >= _SNIFF_LINES:
                break
        elif not quoted and ch in line:
            line[ch] += 1
    if any(line.values()):
        for d in _DELIMITERS:
            counts[d].append(line[d])

    def score(d: str) -> tuple[int, int]:
        seen = [c for c in counts[d] if c]
        if not seen:
            return (0, 0)
        common = max(set(seen), key=seen.count)
        return (sum(1 for c in counts[d] if c == common), common)

    best = max(_DELIMITERS, key=lambda d: (score(d), -_DELIMITERS.index(d)))
    return best if score(best)[0] else ","


def _csv_sheets(path: Path) -> Iterator[_Sheet]:
    yield _Sheet(_csv_rows(path), "")


def _csv_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    encoding = sniff_encoding(path)
    try:
        fh = path.open(encoding=encoding, errors="replace", newline="")
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    with fh:
        sample = fh.read(16 * 1024)
        fh.seek(0)
        reader = csv.reader(fh, delimiter=detect_delimiter(sample.lstrip("\ufeff")))
        number = 0
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise EvidenceFormatError(
                    f"row {number + 1}: unreadable CSV ({exc})", line=number + 1, source=str(path)
                ) from None
            number += 1
            if number == 1 and cells:
                cells[0] = cells[0].lstrip("\ufeff\ufffe")
            yield number, [c[:MAX_CELL] for c in cells[:MAX_COLUMNS]]


def _ole_refusal(path: Path) -> str:
    """Why an OLE compound file is refused: an encrypted OOXML workbook, or an old .xls."""
    try:
        with path.open("rb") as fh:
            tail = b""
            while chunk := fh.read(1 << 20):
                if _ENCRYPTED_PACKAGE in tail + chunk:
                    return (
                        "an encrypted, password-protected workbook, which camaudit cannot open; "
                        f"remove the password, then {_SAVE_AGAIN}"
                    )
                tail = chunk[-len(_ENCRYPTED_PACKAGE) :]
    except OSError as exc:
        return f"cannot read it: {exc.strerror or exc}"
    return "old Excel (.xls) files are not supported; save as XLSX or CSV"


def _check_xlsx(path: Path) -> None:
    """Refuse archives that would expand into more than openpyxl should hold (zip bombs), and
    archives that are damaged or hold no workbook, each in one line of our own."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError):
        raise EvidenceFormatError(
            f"not a readable XLSX workbook: the file is damaged or cut short; {_SAVE_AGAIN}",
            source=str(path),
        ) from None
    except NotImplementedError:  # a split archive, a zip version or method zipfile lacks
        raise EvidenceFormatError(
            "not a readable XLSX workbook: its zip archive uses a feature camaudit cannot "
            f"read; {_SAVE_AGAIN}",
            source=str(path),
        ) from None
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    for info in infos:
        if info.file_size > MAX_XLSX_PART:
            raise EvidenceFormatError(
                f"XLSX part {info.filename!r} expands to {info.file_size} bytes "
                f"(limit {MAX_XLSX_PART})",
                source=str(path),
            )
    if "[Content_Types].xml" not in {i.filename for i in infos}:
        raise EvidenceFormatError(
            "a zip archive with no workbook inside, not an XLSX workbook; "
            "export the register again as XLSX or CSV",
            source=str(path),
        )


def _xlsx_sheets(path: Path) -> Iterator[_Sheet]:
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - openpyxl is a dependency
        raise InputError("reading XLSX registers needs the openpyxl package") from None
    _check_xlsx(path)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl and zipfile raise many types for damaged files
        log.debug("openpyxl cannot open %s: %r", path, exc)
        raise EvidenceFormatError(
            "not a readable XLSX workbook: its contents are damaged or not laid out as a "
            f"workbook; {_SAVE_AGAIN}",
            source=str(path),
        ) from None
    try:
        if not book.worksheets:
            raise EvidenceFormatError(
                "the XLSX workbook has no worksheets: nothing to import", source=str(path)
            )
        for sheet in book.worksheets:
            yield _Sheet(_xlsx_rows(path, sheet), f"{sheet.title}!")
    finally:
        book.close()


def _xlsx_rows(path: Path, sheet: Any) -> Iterator[tuple[int, list[str]]]:
    try:
        if hasattr(sheet, "reset_dimensions"):
            sheet.reset_dimensions()  # stored dimensions are often wrong: read every row
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, [_cell_text(v) for v in values[:MAX_COLUMNS]]
    except EvidenceFormatError:
        raise
    except Exception as exc:  # damaged sheet XML (or a damaged zip member)
        log.debug("sheet %r of %s unreadable: %r", sheet.title, path, exc)
        raise EvidenceFormatError(
            f"sheet {sheet.title!r} is damaged and cannot be read; {_SAVE_AGAIN}",
            source=str(path),
        ) from None
