"""Engine behaviour on a small fixture KB (independent of the shipped data)."""

from __future__ import annotations

from pathlib import Path

import pytest

from camaudit.identify import Identifier
from camaudit.kb import load_kb_from
from camaudit.models import Evidence, EvidenceKind

FIXTURE = Path(__file__).parent / "kb_fixture"


@pytest.fixture(scope="module")
def ident() -> Identifier:
    return Identifier(load_kb_from(FIXTURE))


def onvif(manufacturer: str, model: str = "X-1") -> Evidence:
    doc = (
        f"<tds:GetDeviceInformationResponse><tds:Manufacturer>{manufacturer}</tds:Manufacturer>"
        f"<tds:Model>{model}</tds:Model></tds:GetDeviceInformationResponse>"
    )
    return Evidence(EvidenceKind.ONVIF_DEVINFO, doc.encode())


def test_oem_label_resolves_to_maker_and_brand(ident):
    result = ident.identify([onvif("LTS", "CMIP3C42W-28")])
    assert (result.manufacturer, result.brand) == ("Hikvision", "LTS")
    assert result.restricted and result.restricted[0].policy == "ndaa-889"
    assert "LTS" in result.restricted[0].reason


def test_mac_and_label_agree_and_chain_names_both(ident):
    result = ident.identify([onvif("LTS"), Evidence(EvidenceKind.MAC, b"c4:2f:90:01:02:03")])
    assert result.manufacturer == "Hikvision"
    rules = {e.rule for e in result.evidence}
    assert "onvif.devinfo.manufacturer" in rules
    assert any(r.startswith("oui:C42F90") for r in rules)
    assert result.confidence > 0.9


def test_conflict_is_explained(ident):
    result = ident.identify([onvif("Dahua"), Evidence(EvidenceKind.MAC, b"c4:2f:90:01:02:03")])
    assert result.manufacturer == "Dahua"
    assert any("over Hikvision" in n for n in result.notes)


def test_weak_evidence_says_unknown(ident):
    result = ident.identify([onvif("Swann")])  # low-confidence OEM link: 0.8 * 0.4 < 0.5
    assert result.manufacturer is None
    assert result.brand == "Swann"
    assert result.restricted == []
    assert any("too little evidence" in n for n in result.notes)


def test_partial_oem_label_does_not_name_maker(ident):
    result = ident.identify([onvif("Honeywell")])
    assert result.manufacturer is None and result.brand == "Honeywell"
    assert any("some lines only" in n for n in result.notes)


def test_unknown_vendor_name_is_a_label_not_a_maker(ident):
    result = ident.identify([onvif("Acme Widgets")])
    assert result.manufacturer is None
    assert any("Acme Widgets" in n for n in result.notes)


def test_ignored_name_is_silent(ident):
    result = ident.identify([onvif("General")])
    assert result.manufacturer is None and result.brand is None


def test_model_grammar_names_maker(ident):
    result = ident.identify([onvif("", "DS-2CD2143G2-I")])
    assert result.manufacturer == "Hikvision"
    assert result.model == "DS-2CD2143G2-I"
    assert result.device_type.value == "camera"


def test_locally_administered_mac_carries_no_vendor(ident):
    result = ident.identify([Evidence(EvidenceKind.MAC, b"c6:2f:90:01:02:03")])
    assert result.manufacturer is None
    assert any("locally administered" in n for n in result.notes)


def test_nothing_matched(ident):
    result = ident.identify(
        [Evidence(EvidenceKind.HTTP, b"HTTP/1.1 200 OK\r\nServer: nginx\r\n\r\n")]
    )
    assert result.manufacturer is None and result.confidence == 0.0
    assert "no rule matched this evidence" in result.notes


def test_evidence_chain_carries_hash(ident):
    ev = Evidence(EvidenceKind.HTTP, b"HTTP/1.1 401 Unauthorized\r\nServer: DNVRS-Webs\r\n\r\n")
    result = ident.identify([ev])
    assert result.manufacturer == "Hikvision"
    assert result.evidence[0].sha256 == ev.sha256
    assert result.evidence[0].matched == "DNVRS-Webs"
