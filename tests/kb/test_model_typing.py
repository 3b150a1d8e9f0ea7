"""The model grammar reads a model number however it was typed: typographic dashes, full-width
characters, a space or nothing where the prefix's hyphen goes — never a word after a prefix."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from camaudit.kb import load_kb


@pytest.fixture(scope="module")
def kb():
    return load_kb()


@pytest.mark.parametrize(
    ("typed", "maker"),
    [
        ("DS\u20132CD2143G2\u2013I", "Hikvision"),  # en dashes from a word processor
        ("DS\u22122CD2143G2\u2212I", "Hikvision"),  # minus signs
        ("\uff24\uff33\uff0d\uff12\uff23\uff24\uff12\uff11\uff14\uff13\uff27\uff12", "Hikvision"),
        ("IPC HFW2431S-S-S2", "Dahua"),
        ("IPCHFW2431S-S-S2", "Dahua"),
        ("IPC 2124LB-SF28-A", "Uniview"),
        ("XNV6080R", "Hanwha Vision"),
        ("RLC810A", "Reolink"),
    ],
)
def test_a_model_typed_another_way_names_its_maker(kb, typed, maker):
    found = kb.match_model(typed)
    assert found is not None
    assert found.spec.manufacturer == maker


@pytest.mark.parametrize(
    "text", ["DS CAMERA", "DS KIT", "IPCAM1", "DSC1234", "ERIK104-P4", "NVR 16", "IPC CAMERA"]
)
def test_words_after_a_prefix_are_not_a_model(kb, text):
    assert kb.match_model(text) is None


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_any_text_is_matched_or_not_without_error(text):
    load_kb().match_model(text)


def test_pattern_device_classes_are_the_identity_device_types():
    from typing import get_args

    from camaudit.kb.schema import DeviceClass
    from camaudit.models import DeviceType

    assert set(get_args(DeviceClass)) == {t.value for t in DeviceType} - {"unknown"}


def test_every_pattern_example_resolves_to_its_own_maker(kb):
    """First match wins across the whole grammar (retyping included): an example that another
    maker's earlier pattern takes, or a counter-example its own pattern takes after retyping,
    is a collision to fix."""
    wrong = []
    for p in kb.patterns:
        for ex in p.spec.examples:
            got = kb.match_model(ex)
            if got is None or got.spec.manufacturer != p.spec.manufacturer:
                wrong.append((p.spec.id, ex, got.spec.id if got else None))
        for ce in p.spec.counter_examples:
            got = kb.match_model(ce)
            if got is not None and got.spec.id == p.spec.id:
                wrong.append((p.spec.id, ce, "counter-example matched"))
    assert wrong == []
