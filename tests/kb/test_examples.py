"""Every example in the shipped knowledge base is a test (one test id per rule / pattern)."""

from __future__ import annotations

import pytest

from camaudit.identify import Identifier
from camaudit.identify.kbcheck import check_kb
from camaudit.kb import KB_DIR, load_kb_from

KB = load_kb_from(KB_DIR)
IDS = [r.id for _, r in KB.rules()] + [p.spec.id for p in KB.patterns]


@pytest.fixture(scope="module")
def failures() -> dict[str, list[str]]:
    report = check_kb(KB, Identifier(KB))
    out: dict[str, list[str]] = {}
    for f in report.failures:
        # "rule <id> ..." or "pattern <id>: ..."
        key = f.split(" ", 2)[1].rstrip(":")
        out.setdefault(key, []).append(f)
    return out


@pytest.mark.parametrize("entry_id", IDS)
def test_kb_entry_examples(entry_id, failures):
    assert failures.get(entry_id, []) == []
