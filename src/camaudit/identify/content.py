"""Content first, declared kind second: what one piece of evidence says beyond its kind's rules.

After the declared kind's rules have run (engine.observe), this module

1. sniffs what the bytes are (:mod:`camaudit.identify.extract.sniff`) and runs the extractor and
   rules of every other kind they fit — a SOAP reply filed as ``http`` meets the ONVIF rules, an
   RTSP reply filed as ``banner`` the RTSP rules;
2. maps every key the extractors and the sniffed structures produced onto canonical ``gen.*``
   fields (:mod:`camaudit.identify.extract.generic`) and runs the ``kind: any`` rules (generic
   fields and weak signals: stream paths, SDP attributes, header and cookie names);
3. runs the model-number grammar on free text (titles, banners, realms, names, short values);
4. looks up MAC addresses in structured fields and, with a lower weight, anywhere in the text.

A fact equal to one this evidence already gave (same field, value and matched text) is not
counted twice. Every reference keeps the declared kind; its ``field`` names the sniffed kind or
the key a generic field came from (``onvif_devinfo:manufacturer``, ``gen.model<device_model``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from camaudit.identify.extract import Fields, extract_as
from camaudit.identify.extract.generic import (
    canonical,
    canonical_fields,
    scope_fields,
    sdp_fields,
    structured_pairs,
)
from camaudit.identify.extract.sniff import Sniffed, sniff
from camaudit.identify.extract.text import normalise_mac
from camaudit.identify.facts import Fact
from camaudit.identify.resolve import OUI_WEIGHT, TEXT_OUI_WEIGHT
from camaudit.identify.rules import RuleHit
from camaudit.kb.schema import ANY_KIND
from camaudit.models import Evidence, EvidenceKind, EvidenceRef

if TYPE_CHECKING:
    from camaudit.identify.engine import Identifier, Observation

#: Free-text fields read by the model grammar, with the weight of a model number found there.
FREE_TEXT: tuple[tuple[str, float], ...] = (
    ("title", 0.6),
    ("banner", 0.6),
    ("realm", 0.6),
    ("server", 0.5),
    ("fragment", 0.6),
    ("friendlyname", 0.6),
    ("modeldescription", 0.6),
    ("instance", 0.6),
    ("scope.name", 0.6),
    ("cn", 0.5),
    ("gen.name", 0.6),
    ("gen.text", 0.5),
)
#: Formats each extractor already parses (no second parse of the same structure).
_COVERS: dict[EvidenceKind, frozenset[str]] = {
    EvidenceKind.HTTP: frozenset({"json", "xml", "kv"}),
    EvidenceKind.RTSP: frozenset({"json", "xml", "kv"}),
    EvidenceKind.SADP: frozenset({"xml"}),
    EvidenceKind.ISAPI: frozenset({"xml"}),
    EvidenceKind.ONVIF_DEVINFO: frozenset({"xml"}),
    EvidenceKind.UPNP: frozenset({"xml"}),
    EvidenceKind.DHIP: frozenset({"json"}),
    EvidenceKind.DAHUA_CGI: frozenset({"kv"}),
    EvidenceKind.MDNS: frozenset({"json", "kv"}),
    EvidenceKind.DHCP: frozenset({"json", "kv"}),
    EvidenceKind.ASSET_ROW: frozenset({"json"}),
}
#: Field names of extractors that are not device keys (never mapped to ``gen.*``).
_NOT_KEYS = frozenset({"raw", "body", "status", "www_authenticate", "fragment", "favicon_md5"})
_TEXT_MAC = re.compile(
    r"(?<![0-9A-Fa-f:-])[0-9A-Fa-f]{2}([:-])(?:[0-9A-Fa-f]{2}\1){4}[0-9A-Fa-f]{2}(?![0-9A-Fa-f:-])"
)
_Seen = set[tuple[str, str, str]]


def observe_content(
    ident: Identifier, evidence: Evidence, fields: Fields, obs: Observation, start: int
) -> None:
    """Add what the content of ``evidence`` says beyond its declared kind's rules to ``obs``
    (``fields``: the declared kind's; ``start``: index of this evidence's first fact)."""
    declared = evidence.kind
    kind = declared.value
    sha = evidence.sha256
    text = fields.first("raw") or ""
    seen: _Seen = {(f.field, f.value.casefold(), f.ref.matched) for f in obs.facts[start:]}
    sniffed = sniff(text, evidence.payload[:2])
    every = [fields]
    covered = set(_COVERS.get(declared, ()))
    for other in sniffed.kinds:
        if other is declared:
            continue
        if other is EvidenceKind.WSD_PROBEMATCH:
            extra = scope_fields(text)
        else:
            extra = extract_as(other, text, ident.rules.wanted(other.value))
            covered |= _COVERS.get(other, frozenset())
        every.append(extra)
        label = f"{other.value}:"
        _add_hits(ident, obs, ident.rules.match(other.value, extra), kind, sha, seen, label)
    gen = _generic(every, text, sniffed, covered)
    origin = gen.origin
    _add_hits(ident, obs, ident.rules.match(ANY_KIND, fields), kind, sha, seen, "")
    _add_hits(ident, obs, ident.rules.match(ANY_KIND, gen.fields), kind, sha, seen, "", origin)
    every.append(gen.fields)
    _free_text(ident, obs, every, kind, sha, seen)
    _macs(ident, obs, gen.fields, text, kind, sha)


class _Generic:
    __slots__ = ("fields", "origin")

    def __init__(self, fields: Fields, origin: dict[str, str]) -> None:
        self.fields = fields
        self.origin = origin


def _generic(every: list[Fields], text: str, sniffed: Sniffed, covered: set[str]) -> _Generic:
    pairs: list[tuple[str, str]] = []
    for f in every:
        for name, values in f.items():
            if name in _NOT_KEYS or name.startswith(("header.", "scope")):
                continue
            if canonical(name) is not None or name.startswith(("json.", "xml.", "kv.")):
                pairs.extend((name, v) for v in values)
    todo = [fmt for fmt in sniffed.formats if fmt not in covered and fmt not in ("html", "sdp")]
    if todo:
        pairs.extend(structured_pairs(text, todo))
    gen = Fields()
    origin = canonical_fields(pairs, gen) if pairs else {}
    if "sdp" in sniffed.formats:
        sdp_fields(text, gen)
    return _Generic(gen, origin)


def _add_hits(
    ident: Identifier,
    obs: Observation,
    hits: Iterable[RuleHit],
    kind: str,
    sha: str | None,
    seen: _Seen,
    label: str,
    origin: dict[str, str] | None = None,
) -> None:
    for hit in hits:
        items, notes = ident.resolved(kind, hit)
        value = hit.value[:200]
        where = f"{label}{hit.field}"
        if origin:
            src = origin.get(f"{hit.field}={hit.value}")
            if src:
                where = f"{hit.field}<{src}"
        for fname, fvalue, weight, rule_id, matched in items:
            m = hit.matched if rule_id is None else (matched or "")
            key = (fname, fvalue.casefold(), m)
            if key in seen:
                continue
            seen.add(key)
            ref = EvidenceRef(kind, rule_id or hit.rule.id, m, where, value, sha)
            obs.facts.append(Fact(fname, fvalue, weight, ref))
        if notes:
            obs.notes.extend(notes)


def _free_text(
    ident: Identifier,
    obs: Observation,
    every: list[Fields],
    kind: str,
    sha: str | None,
    seen: _Seen,
) -> None:
    models = {v for (f, v, _m) in seen if f == "model"}
    for fname, weight in FREE_TEXT:
        for f in every:
            for text in f.get(fname):
                ref = EvidenceRef(kind, "grammar:free-text", text[:80], fname, text[:200], sha)
                facts = list(ident.resolver.text_model_facts(text, weight, ref))
                if not facts or facts[0].value.casefold() in models:
                    continue
                models.add(facts[0].value.casefold())
                for fact in facts:
                    key = (fact.field, fact.value.casefold(), fact.ref.matched)
                    if key not in seen:
                        seen.add(key)
                        obs.facts.append(fact)


def _macs(
    ident: Identifier, obs: Observation, gen: Fields, text: str, kind: str, sha: str | None
) -> None:
    for value in gen.get("gen.mac"):
        norm = normalise_mac(value)
        if norm and norm not in obs.macs:
            obs.macs.append(norm)
            obs.facts.extend(ident.resolver.mac_facts(norm, kind, sha, obs.notes, OUI_WEIGHT))
    if ":" not in text and "-" not in text:
        return
    found: set[str] = set(obs.macs)
    for m in _TEXT_MAC.finditer(text[:16384]):
        norm = normalise_mac(m.group(0))
        if norm and norm not in found:
            # Not the device's MAC for sure (a gateway's, a client's): a weaker fact, and the
            # identity's ``mac`` stays as the structured evidence says.
            found.add(norm)
            facts = ident.resolver.mac_facts(norm, kind, sha, [], TEXT_OUI_WEIGHT, "text")
            obs.facts.extend(facts)
