"""The HTML report's first screen is the answer: restricted devices with asset id and location,
the plan naming its devices, policy breaches ranked above exposure notes, and no absolute path
of the user's machine anywhere in a report."""

from __future__ import annotations

from pathlib import Path

import pytest

from camaudit import api
from camaudit.models import Device, Finding, Identity, Severity
from camaudit.reports.context import build_report_data
from camaudit.reports.first_screen import describe_database, device_label, policy_order
from camaudit.store import Store
from tests.importers.conftest import FIXTURES

REGISTER = FIXTURES / "register" / "messy_register_2.csv"


@pytest.fixture(scope="module")
def report_html(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    root = tmp_path_factory.mktemp("first-screen")
    with Store.open(f"sqlite:///{root / 'audit.db'}") as store:
        api.import_file("register", REGISTER, store=store, org="Westshire", site="Civic Centre")
        api.assess_store(store)
        path = api.report(store, "html", root / "report.html")
    return path.read_text(encoding="utf-8"), root


def test_restricted_devices_and_plan_come_first(report_html: tuple[str, Path]) -> None:
    html, _ = report_html
    answer = html.index('id="answer-heading"')
    assert answer < html.index('id="summary-heading"') < html.index('id="devices-heading"')
    top = html[answer : html.index('id="summary-heading"')]
    assert "60 restricted devices found" in top
    rows = top[top.index("<tbody>") : top.index("</tbody>")].split("<tr>")[1:]
    assert len(rows) == 9 and "and 52 more" in rows[-1]  # 8 listed, then how many more
    for row in rows[:-1]:  # each with its asset id and location
        assert "<strong>C-" in row or "<strong>N-" in row or "<strong>X-" in row, row
        assert "not recorded" not in row, row
    assert "<strong>C-017</strong></td><td>Back door, Civic Centre" in top
    assert "Hikvision (label HiWatch) HWI-B121H" in top and "Dahua (label Imou)" in top
    assert "What to do" in top and "Segment 60 covered device(s) on standard sites" in top
    assert "<li>Hikvision, asset C-005 at Stairwell B</li>" in top  # a device named


def test_unset_site_sensitivity_is_said_on_the_first_screen(report_html: tuple[str, Path]) -> None:
    html, _ = report_html
    top = html[html.index('id="answer-heading"') : html.index('id="summary-heading"')]
    assert "Site sensitivity not set." in top
    assert "its 60 covered devices are reported as info only" in top
    assert (
        "camaudit site &#34;Civic Centre&#34; --org &#34;Westshire&#34; --sensitivity sensitive"
        in top
    )


@pytest.mark.parametrize("fmt", ["html", "json", "csv", "cyclonedx"])
def test_no_absolute_paths_in_reports(tmp_path: Path, fmt: str) -> None:
    db = tmp_path / "deep" / "folder" / "audit.db"
    with Store.open(f"sqlite:///{db}") as store:
        api.import_file("register", REGISTER, store=store, org="Westshire")
        out = api.report(store, fmt, tmp_path / f"r.{fmt}")
    text = out.read_text(encoding="utf-8")
    assert str(tmp_path) not in text and "/deep/folder" not in text
    if fmt == "html":
        assert "SQLite file audit.db" in text


def test_breaches_rank_above_exposure_notes() -> None:
    dev = Device("k1", "Org", Identity(manufacturer="Hikvision"))
    found = [
        Finding("k1", "exposure", Severity.HIGH, "Open RTSP stream"),
        Finding("k1", "exposure", Severity.MEDIUM, "HTTP without TLS"),
        Finding("k1", "cve", Severity.CRITICAL, "CVE-2021-36260"),
        Finding("k1", "ndaa-889", Severity.HIGH, "Covered by NDAA s.889"),
    ]
    entry = build_report_data([dev], found).entries[0]
    assert [f.policy for f in entry.findings] == ["ndaa-889", "cve", "exposure", "exposure"]
    counts = {"exposure": 46, "ndaa-889": 12, "cve": 3}
    assert [p for p, _ in policy_order(counts)] == ["ndaa-889", "cve", "exposure"]


def test_database_and_device_words() -> None:
    assert describe_database("sqlite:////home/officer/.local/share/camaudit/c.db") == (
        "SQLite file c.db"
    )
    assert describe_database("sqlite://") == "in-memory SQLite"
    assert describe_database("postgresql+psycopg://u:***@db/audit") == (
        "postgresql+psycopg://u:***@db/audit"
    )
    dev = Device(
        "k", "Org", Identity(manufacturer="Hikvision", model="DS-2CD2143G2-I"), ip="10.0.0.5"
    )
    assert device_label(dev) == "10.0.0.5 Hikvision DS-2CD2143G2-I"
