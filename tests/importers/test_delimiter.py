"""The register importer's own CSV delimiter detection (replaces csv.Sniffer)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from camaudit.importers.register import detect_delimiter


def test_common_dialects() -> None:
    assert detect_delimiter("a,b,c\n1,2,3\n") == ","
    assert detect_delimiter("a;b;c\n1;2,5;3\n4;5;6\n") == ";"
    assert detect_delimiter("a\tb\n1\t2\n") == "\t"
    assert detect_delimiter("a|b|c\n1|2|3\n") == "|"
    assert detect_delimiter('"x,y";b\n"1,2";3\n') == ";"  # commas inside quotes do not count
    assert detect_delimiter("just one column\n") == ","


@given(st.text(max_size=4000))
def test_any_text_gives_a_candidate(sample: str) -> None:
    assert detect_delimiter(sample) in (",", ";", "\t", "|")


def test_pathological_quotes_are_linear() -> None:
    assert detect_delimiter('"' * 200_000 + "\n" + "a,b\n" * 10) in (",", ";", "\t", "|")
