"""Rule semantics and explanations of the policy engine (on hand-made identities)."""

from __future__ import annotations

import pytest

from camaudit.kb import load_kb
from camaudit.models import DeviceType, EvidenceRef, Identity, Sensitivity
from camaudit.policy import DeviceView, evaluate
from camaudit.policy.engine import compile_pack, rule_fires
from camaudit.policy.schema import PackFile

KB = load_kb()


def view(sensitivity: Sensitivity = Sensitivity.STANDARD, **fields: object) -> DeviceView:
    ident = Identity(**fields)  # type: ignore[arg-type]
    return DeviceView.build("k", ident, sensitivity, KB)


def pack(*rules: dict[str, object]) -> object:
    spec = PackFile.model_validate(
        {
            "id": "t",
            "title": "T",
            "legal_basis": {"citation": "C", "source": "S"},
            "dates": {"adopted": "2025-01-01"},
            "jurisdiction": "J",
            "scope": "S",
            "rules": [
                {
                    "id": f"t.{i}",
                    "kind": "breach",
                    "severity": "high",
                    "title": "x",
                    "detail": "y",
                    **r,
                }
                for i, r in enumerate(rules)
            ],
            "examples": [{"name": "n", "device": {}, "expect": []}],
        }
    )
    return compile_pack(spec, KB)


def fired(p: object, v: DeviceView) -> list[str]:
    return [h.rule.spec.id for h in evaluate(p, v)]  # type: ignore[arg-type]


def test_how_names_the_oem_link_and_the_evidence():
    refs = [
        EvidenceRef(
            "onvif_devinfo", "onvif.devinfo.manufacturer", "LTS", "manufacturer", "Hikvision"
        )
    ]
    v = view(manufacturer="Hikvision", brand="LTS", confidence=0.97, evidence=refs)
    how = v.how()
    assert how.startswith("label LTS: OEM of Hikvision (high confidence)")
    assert "confidence 0.97" in how and "onvif.devinfo.manufacturer" in how


def test_how_for_a_partial_label_without_maker():
    how = view(brand="Honeywell").how()
    assert "label Honeywell: OEM of Hikvision (medium confidence; some product lines only)" in how
    assert how.endswith("no evidence names the maker")


def test_how_for_subsidiary_and_former_subsidiary():
    assert "subsidiary of Hikvision" in view(manufacturer="Hikvision", brand="EZVIZ").how()
    assert "former subsidiary of Dahua" in view(manufacturer="Dahua", brand="Lorex").how()


def test_label_tag_needs_an_unknown_maker():
    p = pack({"match": {"label_tag": "ndaa-889"}})
    assert fired(p, view(brand="Honeywell")) == ["t.0"]
    assert fired(p, view(brand="Honeywell", manufacturer="Hikvision")) == []
    assert fired(p, view(brand="Axis", manufacturer="Axis")) == []


def test_aliases_resolve_for_makers_and_labels():
    p = pack(
        {"match": {"maker": ["hangzhou hikvision digital technology"]}},
        {"match": {"label": ["lt security"]}},
    )
    assert fired(p, view(manufacturer="Hikvision", brand="LTS")) == ["t.0", "t.1"]
    assert fired(p, view(manufacturer="Dahua", brand="Amcrest")) == []


def test_a_label_name_in_a_maker_list_does_not_match_the_maker():
    p = pack({"match": {"maker": ["LTS"]}})
    assert fired(p, view(manufacturer="Hikvision", brand="LTS")) == []


def test_any_match_block_and_unless_blocks():
    p = pack(
        {
            "match": [{"maker": ["Uniview"]}, {"maker_country": ["CN"]}],
            "unless": [{"maker_tag": "ndaa-889"}, {"device_type": ["nvr"]}],
        }
    )
    assert fired(p, view(manufacturer="Uniview")) == ["t.0"]
    assert fired(p, view(manufacturer="Milesight")) == ["t.0"]  # CN maker, second block
    assert fired(p, view(manufacturer="Hikvision")) == []  # excluded by tag
    assert fired(p, view(manufacturer="Uniview", device_type=DeviceType.NVR)) == []
    assert fired(p, view(manufacturer="Axis")) == []


def test_severity_map_limits_where_a_rule_applies():
    p = pack(
        {"match": {"identified": True}, "severity": {"sensitive": "medium", "critical": "high"}}
    )
    assert fired(p, view(manufacturer="Axis")) == []
    hits = evaluate(p, view(Sensitivity.CRITICAL, manufacturer="Axis"))  # type: ignore[arg-type]
    assert [h.severity.value for h in hits] == ["high"]


@pytest.mark.parametrize(
    ("model", "firmware", "fires"),
    [
        ("DS-2CD2132F-IS", "V5.3.0 build 150327", True),
        ("ds-2cd2132f-is", "V5.3.0 build 150327", True),  # regex is case-insensitive
        ("DS-2CD2132F-IS", "V5.4.5 build 170124", False),
        ("DS-2CD2132F-IS", None, False),  # unknown firmware never matches a range
        (None, "V5.3.0 build 150327", False),  # unknown model never matches a regex
    ],
)
def test_model_and_firmware_conditions(model, firmware, fires):
    p = pack({"match": {"model": r"^DS-2CD2\d{2}2F", "firmware": {"max": "V5.4.0 build 160530"}}})
    v = view(manufacturer="Hikvision", model=model, firmware=firmware)
    assert rule_fires(p.rules[0], v) is fires  # type: ignore[attr-defined]


def test_templates_are_filled():
    p = pack(
        {
            "match": {"maker_tag": "ndaa-889"},
            "title": "{maker}/{label}/{model}/{sensitivity}/{pack}",
        }
    )
    hit = evaluate(p, view(Sensitivity.SENSITIVE, manufacturer="Dahua", brand="Imou"))[0]  # type: ignore[arg-type]
    assert hit.title == "Dahua/Imou/unknown model/sensitive/t"
