"""Rules on ``raw`` (a whole reply) run on every record: each must be cheap to rule out.

A rule is picked for a reply when one of its literals occurs in it. If ordinary replies pick it,
its regex runs on all of them, and must be quick to fail: led by a literal (the regex engine
then scans for it), anchored at the start, or behind a cheaper ``gate``. A leading ``\\b`` or
look-behind defeats the literal scan (``\\bmd...`` with the literal ``lm``, which every
``realm`` holds, cost 4 µs on every header).
"""

from __future__ import annotations

import re

from camaudit.kb import load_kb

KB = load_kb()
RAW_RULES = [rule for _kinds, rule in KB.rules() if "raw" in rule.fields]
ORDINARY = [
    "HTTP/1.1 401 Unauthorized\r\nDate: Thu, 26 Nov 2026 07:00:02 GMT\r\nServer: Webs\r\n"
    "Content-Type: text/html\r\nContent-Length: 0\r\nWWW-Authenticate: Digest "
    'realm="Login to 4C0B2A9D17E3", nonce="68386d07", qop="auth", algorithm="MD5"\r\n'
    "Connection: close\r\nCache-Control: no-cache\r\nSet-Cookie: s=1; path=/; HttpOnly\r\n",
    'RTSP/1.0 401 Unauthorized\r\nCSeq: 1\r\nWWW-Authenticate: Basic realm="IP Camera(1)"\r\n'
    "Public: OPTIONS, DESCRIBE, SETUP, PLAY\r\nSession: 1234;timeout=60\r\n",
    "HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: application/json\r\nETag: x\r\n\r\n"
    '{"model": "X1", "firmware": "1.2.3", "profile_1": {"name": "main", "enabled": true}}',
]
#: Regex heads that let it fail fast: inline flags, then a literal character or a start anchor.
_FAST_HEAD = re.compile(r"^(?:\(\?[aiLsux]+\))?(?:[A-Za-z0-9 !\"#%&',/:;<=>@_`~-]|\\[.\-/x]|\\A)")
_ANCHORED = re.compile(r"^(?:\(\?[aiLsux]+\))?\^")


def _picked(rule, text: str) -> bool:
    return not rule.literals or any(lit in text.lower() for lit in rule.literals)


def test_there_are_raw_rules() -> None:
    assert len(RAW_RULES) > 50


def test_a_raw_rule_ordinary_replies_pick_fails_fast() -> None:
    slow = [
        rule.id
        for rule in RAW_RULES
        if any(_picked(rule, t) for t in ORDINARY)
        and rule.gate is None
        and not _ANCHORED.match(rule.match)
        and not _FAST_HEAD.match(re.sub(r"^\(\?m\)", "", rule.match))
    ]
    assert slow == []


def test_the_check_itself_flags_a_slow_head() -> None:
    assert not _FAST_HEAD.match(r"\bmd ?[=:]")
    assert _FAST_HEAD.match(r"md(?<=\bmd) ?[=:]")
