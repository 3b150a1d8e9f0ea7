"""The public ``assess`` API: pack selection, store findings, JSON shape, purity of inputs."""

from __future__ import annotations

import json

import pytest

from camaudit.assess import Assessment, assess, load_packs
from camaudit.errors import InputError
from camaudit.models import Finding
from camaudit.policy import PACKS_DIR
from tests.assess.fleet import estate

EXAMPLE_PACK = str(PACKS_DIR / "examples" / "example-council-approved-kit.yaml")


def run(packs=None) -> Assessment:
    e = estate()
    return assess(
        e.devices, evidence_of=e.evidence_of, sensitivity_of=e.sensitivity_of, packs=packs
    )


def test_default_is_every_shipped_pack():
    assert [p.id for p in run().packs] == [
        "fcc-covered-list",
        "ndaa-889",
        "uk-2022-sensitive-sites",
    ]


def test_packs_by_id_path_and_object():
    (uk,) = load_packs(["uk-2022-sensitive-sites"])
    result = run(["ndaa-889", EXAMPLE_PACK, uk])
    assert [p.id for p in result.packs] == [
        "ndaa-889",
        "example-council-approved-kit",
        "uk-2022-sensitive-sites",
    ]
    policies = {f.policy for f in result.findings}
    assert "fcc-covered-list" not in policies
    assert {"ndaa-889", "example-council-approved-kit", "uk-2022-sensitive-sites"} <= policies
    lts = {f.rule for f in result.of("lts").findings}
    assert "example-council-approved-kit.denied-maker" in lts


def test_no_packs_still_reports_cves_and_exposure():
    result = run([])
    assert not [f for f in result.findings if f.kind.value in ("breach", "review")]
    assert {f.policy for f in result.findings} >= {"cve", "exposure", "identification"}


def test_unknown_pack_is_an_input_error():
    with pytest.raises(InputError, match="unknown policy pack"):
        run(["ndaa-999"])


def test_store_findings_and_json():
    result = run()
    stored = result.store_findings()
    assert set(stored) == {d.key for d in estate().devices}
    assert all(isinstance(f, Finding) for fs in stored.values() for f in fs)
    lts = stored["lts"]
    assert {f.policy for f in lts} >= {"ndaa-889", "uk-2022-sensitive-sites", "cve"}
    doc = json.loads(json.dumps(result.to_dict()))
    assert doc["summary"]["devices"] == len(estate().devices)
    assert doc["summary"]["currency"] == "GBP"
    first = doc["devices"][0]
    assert {"device", "risk", "findings", "firmware_parsed"} <= set(first)
    assert {"rule", "kind", "remediation", "legal_basis", "evidence", "kev"} <= set(
        first["findings"][0]
    )
    assert doc["plan"]["actions"][0]["kind"] == "replace"


def test_findings_are_sorted_most_severe_first():
    for d in run().devices:
        ranks = [f.severity.rank for f in d.findings]
        assert ranks == sorted(ranks, reverse=True)


def test_summary_counts():
    s = run().summary()
    assert s["devices_in_breach"] == sum(1 for sp in estate().specs.values() if sp.family)
    assert s["kev_devices"] >= 2
    assert sum(s["risk_bands"].values()) == s["devices"]


def test_missing_key_raises_key_error():
    with pytest.raises(KeyError):
        run([]).of("nope")
