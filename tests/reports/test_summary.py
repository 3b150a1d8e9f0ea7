"""Summary figures over the realistic estate."""

from __future__ import annotations

from camaudit.models import Severity
from camaudit.reports import summarise
from tests.reports.estate import CJK_SITE, FIRST_SEEN, LAST_SEEN


def test_counts_devices_makers_and_restrictions(estate, findings):
    s = summarise(estate, findings)
    assert (s.devices, s.identified, s.unknown) == (9, 8, 1)
    assert s.restricted == 5
    assert s.oem_restricted == 1  # the LTS-labelled Hikvision
    assert s.by_manufacturer["Hikvision"] == 4
    assert s.by_manufacturer["unknown"] == 1
    assert s.restricted_by_manufacturer == {"Hikvision": 4, "Dahua": 1}
    assert s.by_site["Car Park"] == 2 and s.restricted_by_site.get("Car Park", 0) == 0
    assert s.restricted_by_site[CJK_SITE] == 1
    assert s.high_confidence + s.moderate_confidence == s.identified
    assert (s.first_seen, s.last_seen) == (FIRST_SEEN, LAST_SEEN)


def test_counts_findings_and_ignores_orphans_for_device_count(estate, findings):
    s = summarise(estate, findings)
    assert s.findings == len(findings) == 8
    assert s.findings_by_severity[Severity.CRITICAL] == 2
    assert s.findings_by_policy["ndaa-889"] == 5
    assert s.devices_with_findings == 5  # the orphan finding names no listed device
    assert next(sev for sev, _ in s.severity_counts()) is Severity.CRITICAL


def test_devices_only_call_still_works(estate):
    s = summarise(estate)
    assert s.findings == 0 and s.devices == 9
    d = s.as_dict()
    assert d["restricted"] == 5 and d["findings_by_severity"] == {}


def test_empty_estate():
    s = summarise([])
    assert s.devices == 0 and s.first_seen is None
    assert s.as_dict()["evidence_first_seen"] is None
