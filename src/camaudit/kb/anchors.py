"""First-character sets of anchored patterns, so the model grammar tries only patterns that can
match a given string (first match in file order is preserved)."""

from __future__ import annotations

import re
import re._constants as sre_c
import re._parser as sre_parse
import string
from typing import Any

_DIGITS = frozenset(string.digits)
_MAX_RANGE = 128


def _set_chars(items: list[tuple[Any, Any]]) -> set[str] | None:
    out: set[str] = set()
    for op, av in items:
        if op is sre_c.LITERAL:
            out.add(chr(av))
        elif op is sre_c.RANGE:
            lo, hi = av
            if hi - lo > _MAX_RANGE:
                return None
            out.update(chr(c) for c in range(lo, hi + 1))
        elif op is sre_c.CATEGORY and av is sre_c.CATEGORY_DIGIT:
            out |= _DIGITS
        else:
            return None
    return out


def _first(seq: Any) -> tuple[set[str] | None, bool]:
    """(characters a match of ``seq`` can start with, whether ``seq`` can match empty)."""
    out: set[str] = set()
    for op, av in seq:
        if op is sre_c.LITERAL:
            out.add(chr(av))
            return out, False
        if op is sre_c.IN:
            chars = _set_chars(av)
            if chars is None:
                return None, False
            return out | chars, False
        if op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT):
            lo, _hi, sub = av
            chars, nullable = _first(sub)
            if chars is None:
                return None, False
            out |= chars
            if lo > 0 and not nullable:
                return out, False
            continue
        if op is sre_c.SUBPATTERN:
            chars, nullable = _first(av[-1])
            if chars is None:
                return None, False
            out |= chars
            if not nullable:
                return out, False
            continue
        if op is sre_c.BRANCH:
            any_nullable = False
            for alt in av[1]:
                chars, nullable = _first(alt)
                if chars is None:
                    return None, False
                out |= chars
                any_nullable = any_nullable or nullable
            if not any_nullable:
                return out, False
            continue
        return None, False
    return out, True


def first_chars(pattern: str) -> frozenset[str] | None:
    """Characters every match of a ``^``-anchored pattern starts with; None when unknown."""
    try:
        tree = sre_parse.parse(pattern)
    except (re.error, RecursionError):
        return None
    if tree.state.flags & re.IGNORECASE:
        return None
    items = list(tree)
    if not items or items[0] != (sre_c.AT, sre_c.AT_BEGINNING):
        return None
    chars, nullable = _first(items[1:])
    if chars is None or nullable:
        return None
    return frozenset(chars)
