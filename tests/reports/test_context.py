"""Report metadata normalisation and the device/finding join."""

from __future__ import annotations

from datetime import UTC, datetime

from camaudit.models import Finding, Severity
from camaudit.reports.context import ReportMeta, build_report_data, redact_url
from tests.reports.estate import META


def test_redact_url_hides_passwords_only():
    assert redact_url("postgresql://u:p%40ss@db:5432/x") == "postgresql://u:***@db:5432/x"
    assert redact_url("postgresql+psycopg://u@db/x") == "postgresql+psycopg://u@db/x"
    assert redact_url("sqlite:////tmp/a:b@c.db") == "sqlite:////tmp/a:b@c.db"


def test_meta_from_dict():
    m = ReportMeta.from_dict(
        {"org": "X", "generated": "2025-01-06T14:03:00", "audit_ids": [3], "operator": "ops"}
    )
    assert m.generated == datetime(2025, 1, 6, 14, 3, tzinfo=UTC)
    assert m.audits == (3,)
    assert m.extra == {"operator": "ops"}
    assert m.vendor == "Hikvision"
    assert m.generated_text == "2025-01-06 14:03 UTC"
    assert "s3cret" not in str(ReportMeta.from_dict(META).as_dict())


def test_meta_defaults_to_now():
    before = datetime.now(UTC)
    assert ReportMeta.from_dict({}).generated >= before
    assert ReportMeta.from_dict({"generated": "not a date"}).generated >= before


def test_findings_join_devices_most_severe_first(estate, findings):
    data = build_report_data(estate, findings, META)
    first = data.entries[0]
    assert [f.severity for f in first.findings] == [Severity.CRITICAL, Severity.HIGH]
    assert first.worst_severity is Severity.CRITICAL
    assert "cve-2021-36260" in first.policies and "ndaa-889" in first.policies
    assert [f.device_key for f in data.orphan_findings] == ["ip:127.20.9.9"]
    assert len(first.evidence_hashes) == 2  # ISAPI document and MAC observation


def test_entry_labels(estate):
    data = build_report_data(estate, [])
    by_ip = {e.device.ip: e for e in data.entries}
    assert by_ip["127.20.0.12"].is_oem
    assert by_ip["127.20.0.16"].maker == "unknown"
    assert by_ip["127.20.0.16"].confidence_band == "unknown"
    assert by_ip["127.20.0.11"].confidence_band == "high"
    assert not by_ip["127.20.0.14"].restricted


def test_orphan_only():
    data = build_report_data([], [Finding("k", "p", Severity.LOW, "t")])
    assert data.entries == [] and len(data.orphan_findings) == 1
