"""kb/cves.yaml: every example is a test; matching rules, severities and KEV flags."""

from __future__ import annotations

import pytest

from camaudit.assess import assess
from camaudit.assess.cves import (
    CveStatus,
    check_cve_examples,
    example_view,
    load_cves,
    load_cves_from,
    match_cve,
)
from camaudit.errors import KnowledgeBaseError
from camaudit.kb import load_kb
from camaudit.models import Device, DeviceType, Identity, Sensitivity
from camaudit.policy import DeviceView

CATALOGUE = load_cves()
CASES = [(c, i) for c in CATALOGUE.cves for i in range(len(c.examples))]


@pytest.mark.parametrize(("cve", "index"), CASES, ids=[f"{c.id}:{i}" for c, i in CASES])
def test_cve_example(cve, index):
    got = match_cve(CATALOGUE, cve, example_view(cve, index, load_kb()))
    assert got.status.value == cve.examples[index].expect, got.reason


def test_catalogue_contents():
    ids = {c.id for c in CATALOGUE.cves}
    assert {"CVE-2021-36260", "CVE-2017-7921", "CVE-2021-33044", "CVE-2021-33045"} <= ids
    kev = {c.id: c.kev.date_added.isoformat() for c in CATALOGUE.cves if c.kev}
    assert kev["CVE-2021-36260"] == "2022-01-10"
    assert kev["CVE-2021-33044"] == kev["CVE-2021-33045"] == "2024-08-21"
    for c in CATALOGUE.cves:
        assert c.source and c.fixed and c.remediation
        assert len(c.examples) >= 3, c.id  # older / boundary / patched at least
    assert check_cve_examples(CATALOGUE) == []


# Firmware-range table per vendor through the CVE data: older, boundary, patched.
HIKVISION_36260 = [
    ("DS-2CD2143G0-I", "V5.4.0 build 160530", "affected"),  # older
    ("DS-2CD2143G0-I", "V5.5.53 build 210627", "affected"),  # day before the fixed builds
    ("DS-2CD2143G0-I", "V5.5.800 build 210628", "not-affected"),  # boundary: first fixed build
    ("DS-2CD2143G0-I", "V5.7.3 build 220112", "not-affected"),  # patched
]
DAHUA_33044 = [
    ("IPC-HDW5831R-ZE", "2.622.0000000.31.R, Build Date: 2018-11-23", "affected"),  # older
    (
        "IPC-HDW5831R-ZE",
        "2.800.0000000.16.R, Build Date: 2021-05-31",
        "affected",
    ),  # boundary -1 day
    ("IPC-HDW5831R-ZE", "2.800.0000000.16.R, Build Date: 2021-06-01", "not-affected"),  # boundary
    ("IPC-HDW5831R-ZE", "2.840.0000000.12.R, Build Date: 2024-01-16", "not-affected"),  # patched
    ("IPC-HDW5831R-ZE", "2.800.0000016.0.R", "unknown"),  # no build date: nothing claimed
]


@pytest.mark.parametrize(
    ("cve_id", "maker", "model", "firmware", "expect"),
    [("CVE-2021-36260", "Hikvision", *row) for row in HIKVISION_36260]
    + [("CVE-2021-33044", "Dahua", *row) for row in DAHUA_33044],
)
def test_vendor_range_table(cve_id, maker, model, firmware, expect):
    cve = next(c for c in CATALOGUE.cves if c.id == cve_id)
    ident = Identity(
        manufacturer=maker, model=model, firmware=firmware, device_type=DeviceType.CAMERA
    )
    got = match_cve(CATALOGUE, cve, DeviceView.build("k", ident, Sensitivity.STANDARD, load_kb()))
    assert got.status.value == expect, got.reason


def test_other_makers_are_never_matched():
    cve = next(c for c in CATALOGUE.cves if c.id == "CVE-2021-36260")
    ident = Identity(manufacturer="Axis", model="DS-2CD2143G0-I", firmware="V5.5.0 build 170914")
    view = DeviceView.build("k", ident, Sensitivity.STANDARD, load_kb())
    assert match_cve(CATALOGUE, cve, view).status is CveStatus.NOT_AFFECTED


def _assess_one(**fields):
    device = Device("d", "Org", Identity(**fields))
    return assess([device], evidence_of=lambda d: [], sensitivity_of=lambda d: Sensitivity.STANDARD)


def test_finding_shape_for_kev_and_possible_matches():
    sure = _assess_one(
        manufacturer="Hikvision",
        brand="Hikvision",
        model="DS-2CD2143G0-I",
        firmware="V5.5.0 build 170914",
        device_type=DeviceType.CAMERA,
    )
    f = next(x for x in sure.devices[0].findings if x.rule == "CVE-2021-36260")
    assert f.kev and f.kev_date_added == "2022-01-10" and f.cve == "CVE-2021-36260"
    assert f.severity.value == "critical" and "(CISA KEV)" in f.title and "possibly" not in f.title
    oem = _assess_one(
        manufacturer="Hikvision",
        brand="LTS",
        model="CMIP3C42W-28",
        firmware="V5.5.0 build 170914",
        device_type=DeviceType.CAMERA,
    )
    g = next(x for x in oem.devices[0].findings if x.rule == "CVE-2021-36260")
    assert g.severity.value == "high" and "(possibly affected)" in g.title
    assert "relabel" in g.detail


def test_unknown_firmware_gets_a_note_not_a_cve():
    result = _assess_one(manufacturer="Dahua", model="IPC-HDW5831R-ZE", firmware="weird-1")
    rules = {f.rule for f in result.devices[0].findings}
    assert "identification.firmware-unknown" in rules
    assert not any(r.startswith("CVE-") for r in rules)
    note = next(
        f for f in result.devices[0].findings if f.rule == "identification.firmware-unknown"
    )
    assert "CVE-2021-33044" in note.detail and note.severity.value == "info"


def test_no_note_for_makers_without_cve_data():
    result = _assess_one(manufacturer="Axis", model="P3245-LVE")
    assert not [f for f in result.devices[0].findings if f.policy == "identification"]


def test_bad_cve_file_is_rejected(tmp_path):
    path = tmp_path / "cves.yaml"
    path.write_text(
        "catalogue: {kev_snapshot: 2025-08-25, note: n}\n"
        "cves:\n"
        "  - id: CVE-2099-0001\n    vendor: Hikvision\n    title: t\n    cvss: 5.0\n"
        "    source: s\n    fixed: f\n    remediation: r\n"
        "    affected: [{name: a, firmware: {max: 'not a version'}}]\n"
        "    examples: [{firmware: V5.5.0, expect: affected}]\n"
    )
    with pytest.raises(KnowledgeBaseError, match="not a hikvision firmware version"):
        load_cves_from(path)
