"""The format registry: names, errors, and every format written from the same estate."""

from __future__ import annotations

import sys

import pytest

from camaudit.errors import InputError, ReportError
from camaudit.reports import FORMATS, SUFFIXES, write_report


def test_format_names():
    assert set(FORMATS) == {
        "html",
        "pdf",
        "csv",
        "xlsx",
        "json",
        "cyclonedx",
        "answer",
        "answer-json",
    }
    assert set(SUFFIXES) == set(FORMATS)


@pytest.mark.parametrize("fmt", sorted(set(FORMATS) - {"pdf"}))
def test_every_format_writes(write, fmt):
    path = write(fmt)
    assert path.stat().st_size > 500


def test_unknown_format_and_missing_directory(tmp_path):
    with pytest.raises(InputError, match="unknown report format 'docx'"):
        write_report("docx", tmp_path / "x.docx", [], [])
    with pytest.raises(InputError, match="does not exist"):
        write_report("csv", tmp_path / "nope" / "x.csv", [], [])


def test_unwritable_path_is_a_report_error(tmp_path):
    with pytest.raises(ReportError, match="cannot write"):
        write_report("json", tmp_path, [], [])  # a directory


def test_pdf_without_weasyprint_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "camaudit.reports.pdf_report", None)
    with pytest.raises(ReportError, match="WeasyPrint"):
        write_report("pdf", tmp_path / "x.pdf", [], [])
