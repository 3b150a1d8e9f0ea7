"""Reconciliation of register parts with network parts (reconcile.py), unit by unit."""

from __future__ import annotations

import pytest

from camaudit.identify import Identifier
from camaudit.reconcile import reconcile
from tests.reports.planted import EXPECTED, ORG, planted_devices


@pytest.fixture(scope="module")
def planted():
    return planted_devices(Identifier())


def test_the_planted_case_gives_each_kind_once_with_asset_id_and_location(planted):
    result = reconcile(planted, ORG)
    got = [(m.kind, m.asset_id, m.location) for m in result.items]
    assert sorted(got, key=str) == sorted(EXPECTED, key=str)
    assert result.counts() == {
        "unregistered": 1,
        "unseen": 1,
        "maker_mismatch": 1,
        "firmware_older": 1,
    }


def test_an_oem_label_is_explained_as_a_label_of_the_maker(planted):
    (oem,) = reconcile(planted, ORG).of("maker_mismatch")
    assert (oem.register, oem.observed) == ("LTS", "Hikvision")
    assert "LTS is a label of Hikvision" in oem.detail


def test_agreeing_sides_and_newer_firmware_give_nothing(planted):
    agreeing = [d for d in planted if d.key == "planted-5"]
    assert reconcile(agreeing, ORG).items == []


def test_to_dict_carries_counts_and_items(planted):
    doc = reconcile(planted, ORG).to_dict()
    assert doc["org"] == ORG and sum(doc["counts"].values()) == len(doc["items"]) == 4
