"""The oversight report: formats, escaping, traceability and change between rounds."""

from __future__ import annotations

import json
import shutil
from datetime import date

import pytest
from openpyxl import load_workbook

from camaudit.errors import InputError
from camaudit.oversight import service
from camaudit.oversight.report import build_report, write_report
from camaudit.oversight.types import ResponseStatus
from tests.oversight.conftest import EDITOR

HOSTILE = '=HYPERLINK("http://attacker.invalid/x","open") <script>alert(1)</script>'


@pytest.fixture
def two_rounds(store):
    first = service.draft_request(store, EDITOR, "Round one", ["Hikvision?"], "2025-01")
    service.send_request(store, EDITOR, first.id, ["fife", "moray", "angus"], sent=date(2025, 1, 6))
    service.record_response(store, EDITOR, first.id, "fife", ResponseStatus.CONFIRMED, text=HOSTILE)
    service.record_response(store, EDITOR, first.id, "moray", ResponseStatus.DENIED_PUBLIC)
    second = service.draft_request(store, EDITOR, "Round two", ["Hikvision?"], "2026-01")
    service.send_request(
        store, EDITOR, second.id, ["fife", "moray", "angus"], sent=date(2026, 1, 5)
    )
    service.record_response(
        store, EDITOR, second.id, "fife", ResponseStatus.REFUSED, exemption="s.31 national security"
    )
    service.record_response(store, EDITOR, second.id, "moray", ResponseStatus.DENIED_PUBLIC)
    return first, second


def test_change_between_rounds_and_derived_no_response(store, two_rounds):
    report = build_report(store, EDITOR, today=date(2026, 3, 1))
    assert report.summary.round == "2026-01" and report.previous is not None
    assert [(c.body, c.before, c.after) for c in report.changes] == [
        ("Fife", "confirmed", "refused (exemption)")
    ]
    # Angus never answered and its deadline passed: counted as no response, marked derived
    no = next(s for s in report.summary.statuses if s.status is ResponseStatus.NO_RESPONSE)
    assert no.bodies == 1 and no.derived == ["angus"] and no.responses == []
    # before the deadline it is pending instead
    early = build_report(store, EDITOR, today=date(2026, 1, 20))
    assert early.summary.pending == ["angus"]
    [(name, due)] = early.summary.open_deadlines
    assert name == "Angus" and due.due == date(2026, 2, 2) and due.state == "waiting"
    assert (
        build_report(store, EDITOR, today=date(2026, 1, 28))
        .summary.open_deadlines[0][1]
        .reminder_due
    )


def test_every_format_is_written_and_safe(store, two_rounds, tmp_path):
    report = build_report(store, EDITOR, round="2025-01", today=date(2026, 3, 1))
    for fmt in ("json", "csv", "xlsx", "html"):
        write_report(fmt, tmp_path / f"r.{fmt}", report)
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    confirmed = next(s for s in data["statuses"] if s["status"] == "confirmed")
    assert confirmed["bodies"] == 1 and confirmed["population_covered"] == 373_210
    assert confirmed["population_vintages"] == ["mid-2023 (original release)"]
    assert confirmed["responses"] == [r["id"] for r in data["responses"] if r["body"] == "fife"]
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert 'href="#resp-' in html and "default-src 'none'" in html
    wb = load_workbook(tmp_path / "r.xlsx")
    texts = [c.value for row in wb["Responses"].iter_rows() for c in row]
    assert all(not (isinstance(t, str) and t.startswith("=")) for t in texts)
    assert "not known" in (tmp_path / "r.csv").read_text(encoding="utf-8")


def test_pdf(store, two_rounds, tmp_path):
    pytest.importorskip("weasyprint")
    report = build_report(store, EDITOR, today=date(2026, 3, 1))
    try:
        out = write_report("pdf", tmp_path / "r.pdf", report)
    except Exception as exc:  # Pango missing on this machine
        pytest.skip(f"PDF rendering unavailable: {exc}")
    assert out.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext"):
        import subprocess

        text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True).stdout
        assert "Responses by status" in text


def test_unknown_round_and_format(store, two_rounds, tmp_path):
    with pytest.raises(InputError, match="no round"):
        build_report(store, EDITOR, round="1999")
    report = build_report(store, EDITOR)
    with pytest.raises(InputError, match="unknown format"):
        write_report("docx", tmp_path / "x.docx", report)
