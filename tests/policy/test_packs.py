"""Policy packs: every example runs as a test; loading rejects bad packs with clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from camaudit.errors import InputError
from camaudit.kb import load_kb
from camaudit.policy import (
    PACKS_DIR,
    check_pack_examples,
    evaluate,
    load_pack_file,
    load_packs,
    shipped_pack_ids,
)
from camaudit.policy.packs import example_view

EXAMPLE_PACK = PACKS_DIR / "examples" / "example-council-approved-kit.yaml"
ALL_PACKS = [*load_packs(), load_pack_file(EXAMPLE_PACK)]
CASES = [(p, i) for p in ALL_PACKS for i in range(len(p.spec.examples))]


def test_shipped_packs():
    assert shipped_pack_ids() == ["fcc-covered-list", "ndaa-889", "uk-2022-sensitive-sites"]
    for pack in load_packs():
        spec = pack.spec
        assert spec.legal_basis.citation and spec.legal_basis.source and spec.dates
        assert spec.jurisdiction and spec.scope and len(spec.examples) >= 5


@pytest.mark.parametrize(("pack", "index"), CASES, ids=[f"{p.id}:{i}" for p, i in CASES])
def test_pack_example(pack, index):
    ex = pack.spec.examples[index]
    fired = sorted(h.rule.spec.id for h in evaluate(pack, example_view(pack, index, load_kb())))
    assert fired == sorted(ex.expect), ex.name


def test_check_pack_examples_reports_a_wrong_expectation(tmp_path):
    text = EXAMPLE_PACK.read_text().replace(
        "expect: [example-council-approved-kit.not-approved]", "expect: []"
    )
    path = tmp_path / "wrong.yaml"
    path.write_text(text)
    failures = check_pack_examples(load_pack_file(path))
    assert len(failures) == 1 and "Uniview needs approval" in failures[0]


def test_load_by_id_and_path_keeps_order():
    packs = load_packs(["ndaa-889", str(EXAMPLE_PACK)])
    assert [p.id for p in packs] == ["ndaa-889", "example-council-approved-kit"]


@pytest.mark.parametrize(
    ("names", "message"),
    [
        (["no-such-pack"], "unknown policy pack 'no-such-pack'"),
        (["ndaa-889", "ndaa-889"], "given twice"),
        (["/nonexistent/pack.yaml"], "cannot read"),
    ],
)
def test_load_errors(names, message):
    with pytest.raises(InputError, match=message):
        load_packs(names)


MINIMAL = """\
id: t
title: T
legal_basis: {{citation: C, source: S}}
dates: {{adopted: 2025-01-01}}
jurisdiction: J
scope: S
rules:
  - id: t.r
    kind: breach
    severity: high
    title: "{title}"
    detail: D
    match: {match}
examples:
  - name: e
    device: {{manufacturer: Hikvision}}
    expect: [t.r]
"""


@pytest.mark.parametrize(
    ("title", "match", "message"),
    [
        ("{maker.__class__}", "{maker: [Hikvision]}", "placeholder"),
        ("{secret}", "{maker: [Hikvision]}", "placeholder"),
        ("ok", "{}", "empty condition"),
        ("ok", "{maker_tag: ndaa-899}", "restriction tag 'ndaa-899'"),
        ("ok", "{model: '[unclosed'}", "invalid regular expression"),
        (
            "ok",
            "{maker: [Hikvision], firmware: {below: 'not a version'}}",
            "not a hikvision version",
        ),
        ("ok", "{maker: [Hikvision], colour: red}", "colour"),
    ],
)
def test_bad_pack_is_an_input_error(tmp_path, title, match, message):
    path = tmp_path / "bad.yaml"
    path.write_text(MINIMAL.format(title=title, match=match))
    with pytest.raises(InputError, match=message):
        load_pack_file(path)


def test_minimal_pack_loads_and_fires(tmp_path):
    path = tmp_path / "ok.yaml"
    path.write_text(MINIMAL.format(title="{maker} found", match="{maker: [hangzhou hikvision]}"))
    pack = load_pack_file(path)
    assert check_pack_examples(pack) == []


def test_rule_ids_must_carry_the_pack_id(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(
        MINIMAL.format(title="x", match="{maker: [Hikvision]}").replace("id: t.r", "id: r")
    )
    with pytest.raises(InputError, match="must start with the pack id"):
        load_pack_file(path)


def test_not_yaml(tmp_path: Path):
    path = tmp_path / "bad.yaml"
    path.write_text("id: [unclosed")
    with pytest.raises(InputError, match="invalid YAML"):
        load_pack_file(path)
