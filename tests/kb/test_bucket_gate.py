"""The per-bucket gate of the model grammar says exactly what the patterns' own searches say."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from camaudit.kb import CompiledPattern, KnowledgeBase, load_kb

KB = load_kb()
EXAMPLES = sorted({ex.strip().upper() for p in KB.patterns for ex in p.spec.examples if ex.strip()})


def _ungated(kb: KnowledgeBase, up: str) -> CompiledPattern | None:
    for p in kb._by_first.get(up[0], kb._unanchored):
        if p.regex.search(up):
            return p
    return None


def test_every_bucket_of_several_patterns_has_a_gate() -> None:
    assert KB._bucket_gate
    for ch, bucket in KB._by_first.items():
        if len(bucket) > 1:
            assert ch in KB._bucket_gate


def test_examples_find_the_same_pattern() -> None:
    for ex in EXAMPLES:
        assert KB._first_pattern(ex) is _ungated(KB, ex), ex


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(EXAMPLES), st.integers(0, 12), st.text("0123456789ABCDEFXZ-/ ", max_size=6))
def test_mutated_examples_find_the_same_pattern(ex: str, cut: int, tail: str) -> None:
    for up in (ex[: max(1, len(ex) - cut)], ex + tail, tail + ex, ex.replace("-", tail[:1])):
        if up:
            assert KB._first_pattern(up) is _ungated(KB, up), up
