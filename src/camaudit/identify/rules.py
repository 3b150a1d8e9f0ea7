"""Fingerprint rules compiled for fast dispatch: by evidence kind, then by field, with literal
pre-filters so that most rules never run their regular expression on a value."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from camaudit.identify.extract import Fields
from camaudit.kb import KnowledgeBase
from camaudit.kb.schema import Rule

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True, slots=True)
class CompiledRule:
    id: str
    regex: re.Pattern[str]
    literals: tuple[str, ...]
    sets: tuple[tuple[str, str], ...]
    weight: float
    spec: Rule


@dataclass(frozen=True, slots=True)
class RuleHit:
    """A rule that matched a field value, with the facts it asserts (templates filled)."""

    rule: CompiledRule
    field: str
    value: str
    matched: str
    sets: tuple[tuple[str, str], ...]


def _fill(template: str, m: re.Match[str]) -> str:
    def sub(pm: re.Match[str]) -> str:
        key = pm.group(1)
        try:
            got = m.group(int(key)) if key.isdigit() else m.group(key)
        except IndexError:  # no such group
            return ""
        return got or ""

    return _PLACEHOLDER.sub(sub, template).strip()


class RuleIndex:
    """All fingerprint rules of a KB, indexed ``kind → field → rules``."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self._index: dict[str, dict[str, list[CompiledRule]]] = {}
        self.count = 0
        for kinds, rule in kb.rules():
            compiled = CompiledRule(
                id=rule.id,
                regex=re.compile(rule.match),
                literals=tuple(rule.literals),
                sets=tuple(rule.set.items()),
                weight=rule.weight,
                spec=rule,
            )
            self.count += 1
            for kind in kinds:
                by_field = self._index.setdefault(kind, {})
                for fname in rule.fields:
                    by_field.setdefault(fname.lower(), []).append(compiled)

    def fields_for(self, kind: str) -> dict[str, list[CompiledRule]]:
        return self._index.get(kind, {})

    def match(self, kind: str, fields: Fields, only: str | None = None) -> Iterator[RuleHit]:
        """Every rule hit on these fields (``only``: restrict to one rule id)."""
        by_field = self._index.get(kind)
        if not by_field:
            return
        for fname, values in fields.items():
            rules = by_field.get(fname)
            if not rules:
                continue
            for value in values:
                lower: str | None = None
                for rule in rules:
                    if only is not None and rule.id != only:
                        continue
                    if rule.literals:
                        if lower is None:
                            lower = value.lower()
                        if not any(lit in lower for lit in rule.literals):
                            continue
                    m = rule.regex.search(value)
                    if m is None:
                        continue
                    sets = tuple(
                        (key, filled)
                        for key, template in rule.sets
                        if (filled := _fill(template, m) if "{" in template else template)
                    )
                    yield RuleHit(rule, fname, value, m.group(0), sets)
