"""The KB checker catches broken data with clear messages; the shipped KB passes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from camaudit.errors import KnowledgeBaseError
from camaudit.identify import Identifier
from camaudit.identify.kbcheck import check_kb
from camaudit.kb import KB_DIR, load_kb_from

FIXTURE = Path(__file__).parents[1] / "identify" / "kb_fixture"


def _copy(tmp_path: Path) -> Path:
    dst = tmp_path / "kb"
    shutil.copytree(FIXTURE, dst)
    return dst


def test_fixture_kb_passes():
    kb = load_kb_from(FIXTURE)
    assert check_kb(kb, Identifier(kb)).ok


def test_bad_regex_is_named(tmp_path):
    kb_dir = _copy(tmp_path)
    p = kb_dir / "fingerprints" / "http.yaml"
    p.write_text(
        p.read_text().replace(
            "match: '(?i)^(?:hikvision-|dnvrs-|dvrdvs-)webs$'", "match: '(unclosed'"
        )
    )
    with pytest.raises(
        KnowledgeBaseError,
        match=r"http.yaml: rules.0.match .*http.server.hik-webs.*invalid regular expression",
    ):
        load_kb_from(kb_dir)


def test_an_alias_split_at_a_comma_is_refused(tmp_path):
    kb_dir = _copy(tmp_path)
    p = kb_dir / "vendors.yaml"
    p.write_text(
        p.read_text().replace("aliases: [dahua]", "aliases: [dahua, dahua technology co., ltd.]")
    )
    with pytest.raises(KnowledgeBaseError, match=r"alias 'ltd\.' is only a company form"):
        load_kb_from(kb_dir)


def test_failing_example_is_reported(tmp_path):
    kb_dir = _copy(tmp_path)
    p = kb_dir / "fingerprints" / "http.yaml"
    p.write_text(p.read_text().replace("- value: DNVRS-Webs", "- value: Apache"))
    kb = load_kb_from(kb_dir)
    report = check_kb(kb, Identifier(kb))
    assert any(
        "http.server.hik-webs example 1: the rule does not match 'Apache'" in f
        for f in report.failures
    )


def test_wrong_expectation_is_reported(tmp_path):
    kb_dir = _copy(tmp_path)
    p = kb_dir / "fingerprints" / "http.yaml"
    p.write_text(
        p.read_text().replace("expect: {manufacturer: Hikvision}", "expect: {manufacturer: Dahua}")
    )
    kb = load_kb_from(kb_dir)
    report = check_kb(kb, Identifier(kb))
    assert any("expected manufacturer='Dahua', got 'Hikvision'" in f for f in report.failures)


def test_counter_example_that_matches_is_reported(tmp_path):
    kb_dir = _copy(tmp_path)
    p = kb_dir / "fingerprints" / "http.yaml"
    p.write_text(p.read_text().replace("- value: GoAhead-Webs", "- value: Hikvision-Webs"))
    kb = load_kb_from(kb_dir)
    assert any("counter-example" in f for f in check_kb(kb, Identifier(kb)).failures)


def test_unknown_manufacturer_in_brand(tmp_path):
    kb_dir = _copy(tmp_path)
    p = kb_dir / "vendors.yaml"
    p.write_text(
        p.read_text().replace(
            "manufacturer: Hikvision, relation: oem, confidence: high",
            "manufacturer: Nobody, relation: oem, confidence: high",
        )
    )
    with pytest.raises(KnowledgeBaseError, match="unknown manufacturer 'Nobody'"):
        load_kb_from(kb_dir)


def test_unknown_set_key(tmp_path):
    kb_dir = _copy(tmp_path)
    p = kb_dir / "fingerprints" / "http.yaml"
    p.write_text(p.read_text().replace("set: {manufacturer: Hikvision}", "set: {maker: Hikvision}"))
    with pytest.raises(KnowledgeBaseError, match="unknown 'set' keys"):
        load_kb_from(kb_dir)


def test_shipped_kb_loads():
    kb = load_kb_from(KB_DIR)
    assert "Hikvision" in kb.vendors and "Dahua" in kb.vendors


def _with_gate(tmp_path: Path, gate: str) -> Path:
    kb_dir = _copy(tmp_path)
    p = kb_dir / "fingerprints" / "http.yaml"
    old = "match: '(?i)^(?:hikvision-|dnvrs-|dvrdvs-)webs$'"
    p.write_text(p.read_text().replace(old, f"{old}\n    gate: '{gate}'"))
    return kb_dir


def test_a_gate_that_its_examples_pass_keeps_the_rule(tmp_path):
    kb = load_kb_from(_with_gate(tmp_path, "(?i)webs$"))
    assert check_kb(kb, Identifier(kb)).ok


def test_a_gate_narrower_than_its_rule_fails_the_examples(tmp_path):
    # A gate must match wherever the rule does: the examples prove it.
    kb = load_kb_from(_with_gate(tmp_path, "^Hikvision"))
    report = check_kb(kb, Identifier(kb))
    assert any("http.server.hik-webs" in f and "DNVRS-Webs" in f for f in report.failures)


def test_bad_gate_regex_is_named(tmp_path):
    with pytest.raises(KnowledgeBaseError, match=r"rules.0.gate .*invalid regular expression"):
        load_kb_from(_with_gate(tmp_path, "(unclosed"))


def test_a_model_pattern_id_used_twice_is_named(tmp_path):
    kb_dir = _copy(tmp_path)
    p = kb_dir / "models.yaml"
    line = next(ln for ln in p.read_text().splitlines() if ln.startswith("  - {id: "))
    p.write_text(p.read_text().rstrip("\n") + "\n" + line + "\n")
    with pytest.raises(KnowledgeBaseError, match=r"models.yaml: pattern id .* is used twice"):
        load_kb_from(kb_dir)
