"""The report format registry: :data:`FORMATS` and :func:`write_report`.

Formats: ``html`` (self-contained page), ``pdf`` (WeasyPrint), ``csv`` (one row per device),
``xlsx`` (workbook), ``json`` (devices with their findings), ``cyclonedx`` (CycloneDX 1.6
hardware BOM), ``answer`` (a plain-language reply to an information request about
``meta["vendor"]``) and ``answer-json`` (the same answer as data, hashed, signed with
``meta["signing_key"]`` when given). Writers of formats with heavy dependencies import them on first use.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from camaudit.errors import InputError, ReportError
from camaudit.models import Device, Finding
from camaudit.reports.answer_json import write_answer_json
from camaudit.reports.answer_report import write_answer
from camaudit.reports.csv_report import CSV_COLUMNS, write_csv
from camaudit.reports.html_report import write_html
from camaudit.reports.json_report import write_json

Writer = Callable[[Path, list[Device], list[Finding], dict[str, Any]], None]

__all__ = ["CSV_COLUMNS", "FORMATS", "SUFFIXES", "Writer", "write_report"]


def write_pdf(
    path: Path, devices: list[Device], findings: list[Finding], meta: dict[str, Any]
) -> None:
    """PDF via WeasyPrint (imported here: it needs Pango, which a machine may lack)."""
    try:
        from camaudit.reports.pdf_report import write_pdf as render
    except (ImportError, OSError) as exc:
        raise ReportError(
            f"PDF reports need WeasyPrint and the Pango library ({exc}); "
            "write HTML instead or install them"
        ) from None
    render(path, devices, findings, meta)


def write_xlsx(
    path: Path, devices: list[Device], findings: list[Finding], meta: dict[str, Any]
) -> None:
    """Excel workbook via openpyxl."""
    from camaudit.reports.xlsx_report import write_xlsx as render

    render(path, devices, findings, meta)


def write_cyclonedx(
    path: Path, devices: list[Device], findings: list[Finding], meta: dict[str, Any]
) -> None:
    """CycloneDX 1.6 JSON via cyclonedx-python-lib."""
    from camaudit.reports.cyclonedx_report import write_cyclonedx as render

    render(path, devices, findings, meta)


FORMATS: dict[str, Writer] = {
    "html": write_html,
    "pdf": write_pdf,
    "csv": write_csv,
    "xlsx": write_xlsx,
    "json": write_json,
    "cyclonedx": write_cyclonedx,
    "answer": write_answer,
    "answer-json": write_answer_json,
}
#: The usual file name ending of each format.
SUFFIXES = {
    "html": ".html",
    "pdf": ".pdf",
    "csv": ".csv",
    "xlsx": ".xlsx",
    "json": ".json",
    "cyclonedx": ".cdx.json",
    "answer": ".md",
    "answer-json": ".answer.json",
}


def write_report(
    fmt: str,
    path: str | Path,
    devices: list[Device],
    findings: list[Finding],
    meta: dict[str, Any] | None = None,
) -> Path:
    """Write a report in ``fmt`` to ``path``; unknown formats and unwritable paths are InputErrors.

    ``meta`` may hold ``org``, ``generated`` (datetime or ISO text), ``database`` (credentials are
    redacted), ``audits``/``audit_ids``, and for ``answer`` ``vendor`` and ``question``.
    """
    writer = FORMATS.get(fmt)
    if writer is None:
        raise InputError(f"unknown report format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    out = Path(path)
    if out.parent and not out.parent.exists():
        raise InputError(f"cannot write {out}: directory {out.parent} does not exist")
    # Written whole under a hidden name, then renamed: a report killed half-way (kill -9, a full
    # disk) never leaves a truncated file under the name asked for.
    partial = partial_path(out)
    try:
        partial.touch()  # the name is taken from the start: a writer may open it late
        writer(partial, devices, findings, meta or {})
        partial.replace(out)
    except OSError as exc:
        raise ReportError(f"cannot write {out}: {exc.strerror or exc}") from None
    finally:
        partial.unlink(missing_ok=True)
    return out


def partial_path(out: Path) -> Path:
    """Where the report for ``out`` is written before it is renamed (same directory, suffix)."""
    return out.with_name(f".{out.stem}.{os.getpid()}.partial{out.suffix}")
