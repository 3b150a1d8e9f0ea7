"""Maker names in free text written in scripts without spaces between words (names.py)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from camaudit.identify import Identifier
from camaudit.identify.names import name_template
from camaudit.models import EvidenceKind
from tests.identify.conftest import maker_of as _maker

K = EvidenceKind


@pytest.mark.parametrize(
    ("kind", "text", "maker"),
    [
        (K.HTTP, "<title>海康威视网络摄像机</title>", "Hikvision"),
        (K.HTTP, "<title>大华网络摄像机</title>", "Dahua"),  # a short name where its run starts
        (K.HTTP, json.dumps({"厂商": "杭州海康威视数字技术股份有限公司"}), "Hikvision"),
        (K.BANNER, "萤石 C6CN", "Hikvision"),  # EZVIZ, Hikvision's subsidiary
        (K.ASSET_ROW, json.dumps({"品牌": "乐橙", "型号": "TA4"}), "Dahua"),  # Imou
        (K.ASSET_ROW, json.dumps({"description": "使用浙江大华摄像头"}), "Dahua"),
        (K.HTTP, json.dumps({"제조사": "한화비전"}), "Hanwha Vision"),
    ],
)
def test_a_makers_name_in_its_own_script_names_it(ident, kind, text, maker):
    assert _maker(ident, kind, text) == maker


@pytest.mark.parametrize(
    "text",
    [
        "伟大华人",  # "great Chinese people": 大华 only as the halves of two words
        "使用大华摄像头",  # a two-character name inside a run: not read (a longer one is)
        "网络摄像机",  # no name at all
    ],
)
def test_two_characters_inside_a_run_of_others_name_no_maker(ident, text):
    assert _maker(ident, K.HTTP, f"<title>{text}</title>") is None


def test_a_short_name_inside_a_longer_one_is_read_once(ident):
    found = name_template(ident, "海康威视")
    assert {(f, v) for f, v, *_ in found} == {("manufacturer", "Hikvision")}
    assert [m for *_, m in found] == ["海康威视"]


_IDENT = Identifier()


@settings(max_examples=200, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from("海康威视大华萤石乐橙宇视 -:\n摄像机伟人abcDS0123"), max_size=60
    )
)
def test_native_text_never_raises(text):
    found = name_template(_IDENT, text)
    assert all(field in ("manufacturer", "brand") for field, *_ in found)
