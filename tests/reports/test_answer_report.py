"""The information-request answer: counts, confidence and caveats in plain language."""

from __future__ import annotations

import re

from camaudit.reports.answer_report import plain, render_answer
from camaudit.reports.context import build_report_data
from tests.reports.estate import META


def answer(devices, findings=(), **meta) -> str:
    return render_answer(build_report_data(list(devices), list(findings), {**META, **meta}))


def table(text: str) -> dict[str, int]:
    rows = re.findall(r"^\| (.+?) \| \**(\d+)\** \|$", text, re.M)
    return {label.strip("* "): int(n) for label, n in rows}


def test_hikvision_yes_with_counts_and_labels(estate, findings):
    text = answer(estate, findings)
    assert (
        "**Answer:** Yes. 4 of the 9 devices examined were identified as made by Hikvision" in text
    )
    assert "including 1 sold under another brand name" in text
    counts = table(text)
    assert counts["Made by Hikvision, sold under the Hikvision name"] == 3
    assert counts["Made by Hikvision, sold under another brand name: LTS (1)"] == 1
    assert counts["Total examined"] == 9
    assert sum(v for k, v in counts.items() if k != "Total examined") == 9
    assert "3 were identified with high confidence" in text
    assert "between 2 January 2025 and 5 January 2025" in text
    assert "1 device did not give enough information" in text
    assert "1 device not identified as made by Hikvision nevertheless shows some link" in text
    assert "audit references: 11, 12" in text
    assert "Example Borough Council" in text


def test_question_and_vendor_are_parameters(estate, findings):
    text = answer(estate, findings, vendor="Dahua", question="Does the council use Dahua kit?")
    assert "“Does the council use Dahua kit?”" in text
    assert "Yes. 1 of the 9 devices examined was identified as made by Dahua." in text
    assert "Hikvision" not in text


def test_zero_with_unknowns_does_not_claim_no(estate, findings):
    text = answer(estate, findings, vendor="Vivotek")
    assert "**Answer:** None of the 9 devices examined was identified as made by Vivotek" in text
    assert "1 device could not be identified" in text
    assert "cannot be ruled out completely" in text
    assert "**Answer:** No." not in text


def test_zero_with_everything_identified_says_no(estate):
    known = [d for d in estate if d.identity.manufacturer]
    text = answer(known, vendor="Vivotek")
    assert "**Answer:** No. None of the 8 devices examined" in text
    assert "Unidentified devices" not in text
    assert table(text)["Manufacturer not identified, nothing linked to Vivotek"] == 0


def test_zero_but_hinted_devices_are_mentioned(estate):
    hinted_only = [d for d in estate if d.ip == "127.20.0.17"]  # Axis with a Hikvision MAC
    text = answer(hinted_only)
    assert "None of the 1 device examined" in text
    assert "1 device made by other companies shows some link to Hikvision" in text


def test_no_devices():
    text = answer([])
    assert "cannot answer either way" in text
    assert "as recorded up to 6 January 2025" in text


def test_untrusted_text_cannot_inject_markdown(estate):
    text = answer(
        estate[:1], org="Evil](http://x.invalid) *Council*\n# Injected", vendor="Hik|vision"
    )
    assert "\n# Injected" not in text
    assert "Evil\\]\\(http://x.invalid\\) \\*Council\\*" in text
    assert "Hik\\|vision" in text


def test_plain_strips_control_characters():
    assert plain("a\x00b\nc") == "a b c"


def test_restricted_kit_is_listed_by_location_with_its_asset_id(planted):
    from tests.reports.planted import ORG, restricted_placed

    text = answer(planted, org=ORG)
    section = text[text.index("## Hikvision equipment by location") :]
    for ip, asset_id, location in restricted_placed(planted):
        assert f"- {location}: asset {asset_id}, Hikvision DS-2CD2143G2-I ({ip})" in section
    assert "10.77.0.3" not in section  # a Dahua device is not listed in a Hikvision answer


def test_answer_json_devices_carry_asset_id_and_location(planted):
    from camaudit.reports.answer_json import build_answer
    from tests.reports.planted import ORG, restricted_placed

    doc = build_answer(build_report_data(list(planted), [], {**META, "org": ORG}))
    by_key = {d["key"]: d for d in doc["devices"]}
    placed = {(a, loc) for _, a, loc in restricted_placed(planted)}
    got = {(d["asset_id"], d["location"]) for d in by_key.values() if d["restricted"]}
    assert placed <= got and (None, None) in got  # the unregistered Dahua has neither
