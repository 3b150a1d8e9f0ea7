"""The free-text field tables (identify/free_text.py)."""

from __future__ import annotations

from camaudit.identify.free_text import FREE_TEXT, FREE_WEIGHT, NAME_FIELDS


def test_each_field_has_one_weight_between_0_and_1():
    names = [name for name, _w in FREE_TEXT]
    assert len(names) == len(set(names))
    assert all(0 < w <= 1 for w in FREE_WEIGHT.values())


def test_maker_names_are_only_looked_up_in_fields_the_free_text_pass_reads():
    # content.py looks names up in a field only while reading it as free text
    assert set(NAME_FIELDS) <= set(FREE_WEIGHT)
