"""Fingerprint rules compiled for fast dispatch: by evidence kind, then by field, with literal
pre-filters so that most rules never run their regular expression on a value."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import ahocorasick

from camaudit.identify.extract import Fields
from camaudit.kb import KnowledgeBase
from camaudit.kb.schema import ANY_KIND, Rule, compile_kb_regex

_PLACEHOLDER = re.compile(r"\{(\w+)\}")
#: Values up to this length have their rule hits remembered; at most this many are kept.
_CACHED_VALUE_LEN = 256
_CACHE_SIZE = 50_000


@dataclass(frozen=True, slots=True, eq=False)
class CompiledRule:
    id: str
    regex: re.Pattern[str]
    literals: tuple[str, ...]
    gate: re.Pattern[str] | None
    sets: tuple[tuple[str, str], ...]
    weight: float
    spec: Rule


@dataclass(frozen=True, slots=True, eq=False)
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


class _FieldRules:
    """Rules on one field: those with no literal always run; the others only when one of their
    literals occurs in the lower-cased value. One Aho-Corasick automaton over all the field's
    literals finds, in a single pass over the value, every literal that occurs."""

    __slots__ = ("always", "automaton", "by_literal")

    def __init__(
        self,
        always: tuple[CompiledRule, ...],
        by_literal: tuple[tuple[str, tuple[CompiledRule, ...]], ...],
    ) -> None:
        self.always = always
        self.by_literal = by_literal
        self.automaton: Any = None
        if by_literal:
            automaton = ahocorasick.Automaton()
            for i, (lit, _rules) in enumerate(by_literal):
                automaton.add_word(lit, i)
            automaton.make_automaton()
            self.automaton = automaton

    @classmethod
    def build(cls, rules: list[CompiledRule]) -> _FieldRules:
        always = tuple(r for r in rules if not r.literals)
        grouped: dict[str, list[CompiledRule]] = {}
        for r in rules:
            for lit in r.literals:
                grouped.setdefault(lit, []).append(r)
        return cls(always, tuple((k, tuple(v)) for k, v in grouped.items()))

    def candidates(self, value: str) -> tuple[CompiledRule, ...] | list[CompiledRule]:
        """The rules worth running on ``value``, in KB order within each group."""
        if self.automaton is None:
            return self.always
        found: set[int] | None = None
        for _end, i in self.automaton.iter(value.lower()):
            if found is None:
                found = {i}
            else:
                found.add(i)
        if found is None:
            return self.always
        by_literal = self.by_literal
        if len(found) == 1 and not self.always:
            return by_literal[next(iter(found))][1]
        picked = list(self.always)
        for i in sorted(found):
            picked.extend(by_literal[i][1])
        # A rule with several literals may be picked more than once: keep the first.
        return list(dict.fromkeys(picked)) if len(picked) > 1 else picked


class RuleIndex:
    """All fingerprint rules of a KB, indexed ``kind → field → rules``."""

    def __init__(self, kb: KnowledgeBase) -> None:
        index: dict[str, dict[str, list[CompiledRule]]] = {}
        self.count = 0
        for kinds, rule in kb.rules():
            compiled = CompiledRule(
                id=rule.id,
                regex=compile_kb_regex(rule.match),
                literals=tuple(rule.literals),
                gate=compile_kb_regex(rule.gate) if rule.gate else None,
                sets=tuple(rule.set.items()),
                weight=rule.weight,
                spec=rule,
            )
            self.count += 1
            for kind in kinds:
                by_field = index.setdefault(kind, {})
                for fname in rule.fields:
                    by_field.setdefault(fname.lower(), []).append(compiled)
        self._index = {
            kind: {f: _FieldRules.build(rules) for f, rules in by_field.items()}
            for kind, by_field in index.items()
        }
        generic = frozenset(self._index.get(ANY_KIND, {}))
        self._wanted = {
            kind: frozenset(by_field) | generic for kind, by_field in self._index.items()
        }
        self._generic_wanted = generic
        self._cache: dict[tuple[str, str, str], tuple[RuleHit, ...]] = {}

    def kinds(self) -> list[str]:
        return list(self._index)

    def wanted(self, kind: str) -> frozenset[str]:
        """The field names some rule for ``kind`` reads."""
        return self._wanted.get(kind, self._generic_wanted)

    def _value_hits(self, field_rules: _FieldRules, fname: str, value: str) -> tuple[RuleHit, ...]:
        rules = field_rules.candidates(value)
        if not rules:
            return ()
        hits = []
        for rule in rules:
            if rule.gate is not None and rule.gate.search(value) is None:
                continue
            m = rule.regex.search(value)
            if m is None:
                continue
            sets = tuple(
                (key, filled)
                for key, template in rule.sets
                if (filled := _fill(template, m) if "{" in template else template)
            )
            hits.append(RuleHit(rule, fname, value, m.group(0), sets))
        return tuple(hits)

    def match(self, kind: str, fields: Fields, only: str | None = None) -> list[RuleHit]:
        """Every rule hit on these fields (``only``: restrict to one rule id).

        Hits for short values are remembered (devices of one model repeat the same Server
        header, realm shape or title thousands of times in an estate).
        """
        by_field = self._index.get(kind)
        if not by_field:
            return []
        cache = self._cache
        out: list[RuleHit] = []
        for fname, values in fields.items():
            field_rules = by_field.get(fname)
            if field_rules is None:
                continue
            for value in values:
                if len(value) > _CACHED_VALUE_LEN:
                    hits = self._value_hits(field_rules, fname, value)
                else:
                    key = (kind, fname, value)
                    cached = cache.get(key)
                    if cached is None:
                        cached = self._value_hits(field_rules, fname, value)
                        if len(cache) >= _CACHE_SIZE:
                            cache.clear()
                        cache[key] = cached
                    hits = cached
                if hits:
                    out.extend(hits)
        if only is not None:
            return [h for h in out if h.rule.id == only]
        return out
