"""Acceptance: devices identified from lab-like evidence, assessed against the shipped packs."""

from __future__ import annotations

from pathlib import Path

import pytest

from camaudit.assess import FindingKind, assess
from camaudit.identify import Identifier
from camaudit.models import Device, Evidence, EvidenceKind, Sensitivity
from tests.assess.fleet import SITES, estate

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "raw"


@pytest.fixture(scope="module")
def result():
    e = estate()
    return assess(e.devices, evidence_of=e.evidence_of, sensitivity_of=e.sensitivity_of)


def _rules(result, key: str, policy: str, kind: FindingKind | None = None) -> list[str]:
    return [
        f.rule
        for f in result.of(key).findings
        if f.policy == policy and (kind is None or f.kind is kind)
    ]


def test_every_hikvision_and_dahua_family_device_is_flagged_under_889(result):
    specs = estate().specs
    family = {k for k, s in specs.items() if s.family in ("Hikvision", "Dahua")}
    assert {"lts", "annke", "hilook", "ezviz", "amcrest", "lorex", "imou"} <= family
    flagged = {
        d.key for d in result.devices if _rules(result, d.key, "ndaa-889", FindingKind.BREACH)
    }
    assert flagged == family


def test_no_other_device_is_a_889_breach(result):
    for key in ("axis", "hanwha", "bosch", "uniview", "honeywell", "mystery"):
        assert _rules(result, key, "ndaa-889", FindingKind.BREACH) == [], key
    assert _rules(result, "uniview", "ndaa-889") == []  # Uniview is not named by s.889


def test_889_finding_says_how_the_label_links_to_the_maker(result):
    lts = next(f for f in result.of("lts").findings if f.rule == "ndaa-889.covered-maker")
    assert "label LTS: OEM of Hikvision (high confidence)" in lts.detail
    assert lts.legal_basis and "115-232" in lts.legal_basis
    assert lts.evidence  # SHA-256 of the evidence naming the maker
    amcrest = next(f for f in result.of("amcrest").findings if f.rule == "ndaa-889.covered-maker")
    assert "label Amcrest: OEM of Dahua" in amcrest.detail
    ezviz = next(f for f in result.of("ezviz").findings if f.rule == "ndaa-889.covered-maker")
    assert "subsidiary of Hikvision" in ezviz.detail


def test_partial_oem_label_is_a_review_not_a_breach(result):
    assert _rules(result, "honeywell", "ndaa-889") == ["ndaa-889.label-review"]
    finding = next(f for f in result.of("honeywell").findings if f.policy == "ndaa-889")
    assert finding.kind is FindingKind.REVIEW and finding.severity.value == "low"


def test_uk_2022_breaches_only_on_sensitive_sites(result):
    for d in result.devices:
        breaches = _rules(result, d.key, "uk-2022-sensitive-sites", FindingKind.BREACH)
        covered = estate().specs[d.key].family is not None
        on_sensitive = SITES[d.device.site or ""] is not Sensitivity.STANDARD
        assert bool(breaches) == (covered and on_sensitive), d.key
    # covered kit on a standard site gets an informational finding only
    assert _rules(result, "hik-ipc", "uk-2022-sensitive-sites") == [
        "uk-2022-sensitive-sites.covered-kit-on-standard-site"
    ]
    # a PRC maker that is not named gets a review on a sensitive site, never a breach
    assert _rules(result, "uniview", "uk-2022-sensitive-sites") == [
        "uk-2022-sensitive-sites.prc-maker-review"
    ]


def test_critical_site_breach_is_critical(result):
    hilook = next(f for f in result.of("hilook").findings if f.policy == "uk-2022-sensitive-sites")
    assert hilook.severity.value == "critical"


def test_unknown_maker_gets_only_an_identification_note(result):
    findings = result.of("mystery").findings
    assert {f.rule for f in findings if f.policy != "exposure"} == {"identification.unidentified"}
    assert all(f.kind is not FindingKind.BREACH for f in findings)


def test_kev_cves_and_unknown_firmware(result):
    hik = {f.rule: f for f in result.of("hik-ipc").findings}
    assert hik["CVE-2021-36260"].kev and hik["CVE-2021-36260"].severity.value == "critical"
    old = {f.rule for f in result.of("dahua-old").findings}
    assert {"CVE-2021-33044", "CVE-2021-33045"} <= old
    # DHIP gave this camera's firmware without a build date: no CVE claimed, a note instead
    dahua = {f.rule for f in result.of("dahua-ipc").findings}
    assert "identification.firmware-unknown" in dahua
    assert not {r for r in dahua if r.startswith("CVE-")}
    # recent NVR firmware: nothing claimed
    assert not [f for f in result.of("hik-nvr").findings if f.policy == "cve"]


def test_exposures_from_evidence(result):
    assert "exposure.vendor-cloud-enabled" in {f.rule for f in result.of("hik-ipc").findings}
    assert "exposure.vendor-cloud-observed" in {f.rule for f in result.of("ezviz").findings}
    assert "exposure.default-certificate" in {f.rule for f in result.of("bosch").findings}
    dahua = {f.rule for f in result.of("dahua-ipc").findings}
    assert "exposure.discovery-disclosure" in dahua  # DHIP + "Login to <serial>" realm


def test_risk_orders_the_estate(result):
    scores = {d.key: d.risk.score for d in result.devices}
    # Axis: plain-HTTP admin interface only (medium exposure) on a sensitive site
    assert result.of("axis").risk.band == "low" and scores["hanwha"] == 0
    assert scores["hilook"] > scores["hik-ipc"] > scores["uniview"] > 0
    assert result.of("hilook").risk.band == "critical"


def test_plan_replaces_sensitive_kit_first(result):
    first, second = result.plan.actions[:2]
    assert first.kind.value == second.kind.value == "replace"
    critical = {k for k, s in estate().specs.items() if s.family and s.site == "Data Centre"}
    sensitive = {k for k, s in estate().specs.items() if s.family and s.site == "Police HQ"}
    assert set(first.devices) == critical and set(second.devices) == sensitive
    assert first.cost is not None and first.cost.currency == "GBP" and first.cost.total > 0


CORPUS_CASES = [
    ("hikvision/isapi_deviceinfo_DS-2CD2532F-IWS.xml", EvidenceKind.ISAPI, "Hikvision", True),
    (
        "hikvision/sadp_probematch_DS-2CD5026EFWD-A_TRUNCATED.xml",
        EvidenceKind.SADP,
        "Hikvision",
        True,
    ),
    ("dahua/dhip_notifyDevInfo_IPC-HDW5421S.json", EvidenceKind.DHIP, "Dahua", True),
    ("lorex/dhip_notifyDevInfo_W461ASC_lorex2k.json", EvidenceKind.DHIP, "Dahua", True),
    ("amcrest/magicbox_getSystemInfo_AD410.txt", EvidenceKind.DAHUA_CGI, "Dahua", True),
    ("axis/basicdeviceinfo_M1065-LW_9.80.1.json", EvidenceKind.HTTP, "Axis", False),
]


@pytest.mark.parametrize(("path", "kind", "maker", "covered"), CORPUS_CASES)
def test_real_device_responses(path, kind, maker, covered):
    file = CORPUS / path
    if not file.exists():
        pytest.skip("shared corpus not available")
    data = file.read_bytes()
    if kind is EvidenceKind.HTTP:
        data = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n" + data
    evidence = [Evidence(kind, data)]
    device = Device("real", "Org", Identifier().identify(evidence), site="S")
    result = assess(
        [device], evidence_of=lambda d: evidence, sensitivity_of=lambda d: Sensitivity.SENSITIVE
    )
    rules = {f.rule for f in result.devices[0].findings}
    assert device.identity.manufacturer == maker
    assert ("ndaa-889.covered-maker" in rules) is covered
    assert ("uk-2022-sensitive-sites.covered-kit-on-sensitive-site" in rules) is covered
