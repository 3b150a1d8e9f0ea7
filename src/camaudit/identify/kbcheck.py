"""``camaudit kb check``: validate the knowledge base and run every example in it as a test."""

from __future__ import annotations

from dataclasses import dataclass, field

from camaudit.identify.engine import Identifier, Observation
from camaudit.identify.extract import Fields, extract
from camaudit.kb import KnowledgeBase
from camaudit.kb.schema import ANY_KIND, Rule, RuleExample
from camaudit.models import Evidence, EvidenceKind, EvidenceRef

#: Declared kind of the ``data`` examples of ``kind: any`` rules that name none.
_DEFAULT_KIND = "http"
_KINDS = frozenset(k.value for k in EvidenceKind)
_CHECKED = ("manufacturer", "brand", "model", "firmware", "device_type", "serial")


@dataclass(slots=True)
class CheckReport:
    rules: int = 0
    patterns: int = 0
    examples: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


def _rule_obs(
    ident: Identifier, kind: str, rule: Rule, ex: RuleExample
) -> tuple[bool, Observation]:
    """Whether ``rule`` matches the example, and the observation made from it."""
    obs = Observation()
    if ex.data is not None:
        declared = ex.kind or (_DEFAULT_KIND if kind == ANY_KIND else kind)
        ev = Evidence(EvidenceKind(declared), ex.data.encode("utf-8"))
        hit = kind == declared and _hits(ident, kind, rule, ev)
        ident.observe(ev, obs)
        # Rules of other kinds and generic rules run on sniffed content inside observe().
        hit = hit or any(f.ref.rule == rule.id for f in obs.facts)
        return hit, obs
    fields = Fields()
    fields.add(rule.fields[0], ex.value or "")
    hit = False
    for h in ident.rules.match(kind, fields, only=rule.id):
        hit = True
        ref = EvidenceRef(kind, rule.id, h.matched, h.field, h.value)
        for key, value in h.sets:
            obs.facts.extend(ident.resolver.set_facts(key, value, rule.weight, ref, obs.notes))
    return hit, obs


def _hits(ident: Identifier, kind: str, rule: Rule, ev: Evidence) -> bool:
    return any(True for _ in ident.rules.match(kind, extract(ev), only=rule.id))


def _compare(where: str, expect: dict[str, str | None], got: dict[str, object]) -> list[str]:
    out = []
    for key, want in expect.items():
        if key not in _CHECKED:
            out.append(f"{where}: cannot check unknown field {key!r}")
            continue
        have = got.get(key)
        if (have or None) != (want or None):
            out.append(f"{where}: expected {key}={want!r}, got {have!r}")
    return out


def check_kb(kb: KnowledgeBase, identifier: Identifier | None = None) -> CheckReport:
    """Run every example and counter-example in the KB; collect failures with their rule ids."""
    ident = identifier or Identifier(kb)
    report = CheckReport()
    for kinds, rule in kb.rules():
        report.rules += 1
        kind = kinds[0]
        if kind not in _KINDS and kind != ANY_KIND:
            report.failures.append(f"rule {rule.id}: unknown evidence kind {kind!r}")
            continue
        bad = [
            e.kind
            for e in (*rule.examples, *rule.counter_examples)
            if e.kind not in (None, *_KINDS)
        ]
        if bad:
            report.failures.append(f"rule {rule.id}: unknown example kind {bad[0]!r}")
            continue
        for n, ex in enumerate(rule.examples, start=1):
            report.examples += 1
            where = f"rule {rule.id} example {n}"
            if (ex.value is None) == (ex.data is None):
                report.failures.append(f"{where}: give exactly one of 'value' or 'data'")
                continue
            hit, obs = _rule_obs(ident, kind, rule, ex)
            if not hit:
                report.failures.append(
                    f"{where}: the rule does not match {(ex.value or ex.data)!r:.120}"
                )
                continue
            if ex.expect:
                got = ident.fuse(obs).to_dict()
                report.failures.extend(_compare(where, ex.expect, got))
        for n, ex in enumerate(rule.counter_examples, start=1):
            report.examples += 1
            hit, _ = _rule_obs(ident, kind, rule, ex)
            if hit:
                report.failures.append(
                    f"rule {rule.id} counter-example {n}: the rule matches {(ex.value or ex.data)!r:.120}"
                )
    for p in kb.patterns:
        report.patterns += 1
        for ex_model in p.spec.examples:
            report.examples += 1
            first = kb.match_model(ex_model)
            if first is None:
                report.failures.append(
                    f"pattern {p.spec.id}: example {ex_model!r} matches no pattern"
                )
            elif first.spec.id != p.spec.id:
                report.failures.append(
                    f"pattern {p.spec.id}: example {ex_model!r} is taken first by {first.spec.id}"
                )
        for cx in p.spec.counter_examples:
            report.examples += 1
            if p.regex.search(cx.upper()):
                report.failures.append(f"pattern {p.spec.id}: counter-example {cx!r} matches")
    return report
