"""The identification engine: evidence in, one fused :class:`Identity` out.

Pure: no network, no database. Each piece of evidence is extracted into fields, matched against
the KB's rules for its kind, and resolved into weighted facts; facts about the same field are
combined (noisy-OR per value) and the strongest value wins. Conflicts are explained in ``notes``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from camaudit.errors import KnowledgeBaseError
from camaudit.identify.content import observe_content
from camaudit.identify.extract import Fields, extract
from camaudit.identify.extract.text import normalise_mac
from camaudit.identify.extract.unwrap import Presented, presented
from camaudit.identify.facts import Fact, FactTemplate
from camaudit.identify.names import ASSET_NAME_FIELDS, observe_asset_names, without_lists
from camaudit.identify.oui import OuiIndex, load_oui_index
from camaudit.identify.register_reading import READ_AS, RegisterReader, load_spellings
from camaudit.identify.resolve import Resolver
from camaudit.identify.rules import RuleHit, RuleIndex
from camaudit.kb import KnowledgeBase, load_kb
from camaudit.models import DeviceType, Evidence, EvidenceKind, EvidenceRef, Identity, Restriction

#: Fused score a manufacturer needs before an identity names it.
MANUFACTURER_THRESHOLD = 0.5
#: Fused score other fields need.
FIELD_THRESHOLD = 0.25
_FREE_TEXT_FIELDS = ("description",)
_MAKER_FIELDS = frozenset({"manufacturer", "brand"})
_MODEL_COLUMN_RULE = "asset.model.column"
#: A maker column read as people write it (see Identifier._maker_columns), and its weight (the
#: make column rule's, a little less: the name was read, not written).
_MAKER_COLUMN_RULE = "register:maker-column"
_MAKER_COLUMN_WEIGHT = 0.8
#: Weight of a model number found in a register column no rule reads (as in a description).
OTHER_COLUMN_WEIGHT = 0.65
#: Fields of a register row that are not its columns, or are read elsewhere.
_NOT_COLUMNS = frozenset({"raw", "mac", "read as"})
_AS_WRITTEN = " (as written)"
_TEMPLATE_CACHE = 50_000
_SELF = "\x00self"  # placeholder 'matched' text marking facts that cite the hit itself
# Resolved facts of a hit: (field, value, weight, rule id or None = the hit's own, matched text)
_Template = tuple[tuple[tuple[str, str, float, str | None, str | None], ...], tuple[str, ...]]
_DEVICE_TYPES = {t.value: t for t in DeviceType}


def _rank(candidate: tuple[float, str, list[EvidenceRef]]) -> tuple[float, str]:
    """Highest score first; ties broken by name so results do not depend on input order."""
    return (-candidate[0], candidate[1].casefold())


@dataclass(slots=True)
class Observation:
    """Facts and notes gathered from one or more pieces of evidence."""

    facts: list[Fact] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    macs: list[str] = field(default_factory=list)
    #: MACs read from structured content (a ``macAddress`` key...): the identity's MAC when no
    #: MAC evidence gave one; a MAC record of the same address is still read and cited.
    content_macs: list[str] = field(default_factory=list)

    @property
    def mac(self) -> str | None:
        return self.macs[0] if self.macs else (self.content_macs[0] if self.content_macs else None)


_OUI_FOR_KB: dict[int, tuple[KnowledgeBase, OuiIndex]] = {}


def _oui_for(kb: KnowledgeBase) -> OuiIndex:
    """The machine's IEEE registry plus the KB's newer MA-L blocks (one index per KB)."""
    found = _OUI_FOR_KB.get(id(kb))
    if found is None or found[0] is not kb:
        index = load_oui_index().with_blocks(kb.recent_blocks, "kb/oui_recent.yaml")
        if len(_OUI_FOR_KB) >= 8:
            _OUI_FOR_KB.clear()
        found = _OUI_FOR_KB[id(kb)] = (kb, index)
    return found[1]


class Identifier:
    """Identify devices from evidence using a knowledge base (the shipped one by default).

    ``Identifier().identify([Evidence(EvidenceKind.HTTP, b"Server: ...")])`` gives an Identity.
    """

    def __init__(self, kb: KnowledgeBase | None = None, *, use_oui: bool = True) -> None:
        self.kb = kb or load_kb()
        self.rules = RuleIndex(self.kb)
        self.oui: OuiIndex | None = _oui_for(self.kb) if use_oui else None
        self.resolver = Resolver(self.kb, self.oui)
        # Resolved facts of a (cached, hence reused) rule hit, minus the evidence hash.
        self._templates: dict[tuple[str, str, tuple[tuple[str, str], ...]], _Template] = {}
        self._first_words: frozenset[str] | None = None
        #: The register reader (built on the first register row; None: this KB has none).
        self._reader: RegisterReader | None = None
        self._reader_built = False
        self._asset_text_fields: tuple[tuple[str, float], ...] | None = None
        self._asset_free_text_names: frozenset[str] | None = None
        #: Model-grammar facts per free-text value (see content.py).
        self.text_cache: dict[tuple[str, float], tuple[FactTemplate, FactTemplate]] = {}
        self._restriction_cache: dict[
            tuple[str, str | None], tuple[tuple[Restriction, ...], bool]
        ] = {}

    def name_first_words(self) -> frozenset[str]:
        """First words of every vendor and brand name and alias (normalised): free text is
        searched for names only from these words."""
        if self._first_words is None:
            self._first_words = frozenset(n.split(" ", 1)[0] for n in self.kb.known_names())
        return self._first_words

    def _asset_free_text(self) -> tuple[tuple[str, float], ...]:
        """Register columns read by the model grammar as free text, with the weight of a model
        found there: descriptions, and model columns whose own rule took nothing (a cell that
        lists several models, or one with words around its model number)."""
        if self._asset_text_fields is None:
            rule = self.kb.rule(_MODEL_COLUMN_RULE)
            columns = tuple(f.lower() for f in rule.fields) if rule else ()
            self._asset_text_fields = tuple((f, 0.65) for f in _FREE_TEXT_FIELDS) + tuple(
                (c, 0.75) for c in columns
            )
        return self._asset_text_fields

    def _asset_other_columns(self, fields: Fields, read: set[str]) -> tuple[str, ...]:
        """A register row's columns whose rules (if any) found nothing and that may hold a model
        or maker ("Product", "Equipment", "Comments", a type column holding a model number...):
        not the columns read as free text already, not places, people, serials or dates (the
        register spellings' ``ignore_columns``), nor what an importer kept as written."""
        ignore = self.kb.register_ignore_columns
        done = self._asset_free_text_names
        if done is None:
            done = self._asset_free_text_names = frozenset(f for f, _w in self._asset_free_text())
        return tuple(
            name
            for name in fields.names()
            if name not in read
            and name not in done
            and name not in _NOT_COLUMNS
            and name not in ignore
            and not name.endswith(_AS_WRITTEN)
        )

    def _maker_columns(self, fields: Fields, obs: Observation, sha: str) -> None:
        """A register row's maker column written as people write it ("Hik Vision", "Hikvison",
        "HIK-VISION", "Dahau"), read as the register importer reads maker columns
        (identify.register_reading): the KB name it means, citing the value as written."""
        reader = self._register_reader()
        if reader is None or fields.get(READ_AS):
            return  # no reader for this KB, or an importer read the row already
        for key in [k for k in fields.names() if k in reader.maker_keys]:  # the row's order
            for value in fields.get(key):
                if self.kb.resolve(value) is not None or self.kb.is_ignored_name(value):
                    continue
                found = reader.find_maker(value, forgiving=True)
                if found is None:
                    continue
                ref = EvidenceRef("asset_row", _MAKER_COLUMN_RULE, value, key, value, sha)
                notes: list[str] = []
                obs.facts.extend(
                    self.resolver.name_facts("vendor", found.name, _MAKER_COLUMN_WEIGHT, ref, notes)
                )
                obs.notes.append(f"{key} {value[:60]!r} read as {found.name} ({found.how})")
                obs.notes.extend(notes)

    def _register_reader(self) -> RegisterReader | None:
        if not self._reader_built:
            self._reader_built = True
            try:
                self._reader = RegisterReader(self.kb, load_spellings())
            except KnowledgeBaseError:  # a KB without the names the spellings file uses
                self._reader = None
        return self._reader

    def resolved(self, kind: str, hit: RuleHit) -> _Template:
        """Facts a hit asserts, resolved through the KB once per (rule, asserted values)."""
        key = (kind, hit.rule.id, hit.sets)
        found = self._templates.get(key)
        if found is None:
            probe = EvidenceRef(kind, hit.rule.id, _SELF, "", "")
            notes: list[str] = []
            items: list[tuple[str, str, float, str | None, str | None]] = []
            for k, value in hit.sets:
                for f in self.resolver.set_facts(k, value, hit.rule.weight, probe, notes):
                    own = f.ref.rule == hit.rule.id and f.ref.matched == _SELF
                    items.append(
                        (
                            f.field,
                            f.value,
                            f.weight,
                            None if own else f.ref.rule,
                            None if own else f.ref.matched,
                        )
                    )
            found = (tuple(items), tuple(notes))
            if len(self._templates) >= _TEMPLATE_CACHE:
                self._templates.clear()
            self._templates[key] = found
        return found

    def observe(
        self, evidence: Evidence, obs: Observation | None = None, *, only: str | None = None
    ) -> Observation:
        """Add the facts one piece of evidence supports to ``obs`` (a new one if None).

        An isolation boundary: if anything fails on this evidence, ``obs`` keeps exactly what the
        other evidence gave it, plus a note naming this evidence's hash, the stage and the error.
        """
        obs = obs or Observation()
        marks = (len(obs.facts), len(obs.notes), len(obs.macs), len(obs.content_macs))
        stage = ["extract"]
        try:
            shown = presented(evidence) if only is None else None
            if shown is None:
                self._observe(evidence, obs, only, stage, evidence.sha256)
            else:
                self._observe_shown(evidence, shown, obs, stage)
        except Exception as exc:
            del obs.facts[marks[0] :], obs.notes[marks[1] :], obs.macs[marks[2] :]
            del obs.content_macs[marks[3] :]
            obs.notes.append(
                f"evidence {evidence.sha256[:12]} ({evidence.kind.value}) could not be read "
                f"at {stage[0]} ({type(exc).__name__}); the rest of the evidence was used"
            )
        return obs

    def _observe_shown(
        self, evidence: Evidence, shown: Presented, obs: Observation, stage: list[str]
    ) -> None:
        """Evidence that is a reply as a tool or page showed it (see extract/unwrap.py): the
        reply itself is read, and replies kept in its JSON strings; references keep the
        evidence's own hash."""
        sha = evidence.sha256
        inner, how = shown.reply, shown.how
        if inner is not None:
            obs.notes.append(f"evidence {sha[:12]} ({evidence.kind.value}) read as {how}")
            self._observe(inner, obs, None, stage, sha)
        else:
            self._observe(evidence, obs, None, stage, sha)
        for part in shown.embedded:
            self._observe(part, obs, None, stage, sha)

    def _observe(
        self, evidence: Evidence, obs: Observation, only: str | None, stage: list[str], sha: str
    ) -> None:
        start = len(obs.facts)
        kind = evidence.kind.value
        fields = extract(evidence, self.rules.wanted(kind))
        if fields.notes:
            obs.notes.extend(f"evidence {sha[:12]}: {n}" for n in fields.notes)
        if evidence.truncated:
            obs.notes.append(
                f"evidence {sha[:12]} ({kind}) was cut at a byte cap: read from its first "
                f"{len(evidence.payload)} bytes"
            )
        for hit in self.rules.match(kind, fields, only=only):
            stage[0] = hit.rule.id
            items, notes = self.resolved(kind, hit)
            value = hit.value[:200]
            own = EvidenceRef(kind, hit.rule.id, hit.matched, hit.field, value, sha)
            for fname, fvalue, weight, rule_id, matched in items:
                ref = (
                    own
                    if rule_id is None
                    else EvidenceRef(kind, rule_id, matched or "", hit.field, value, sha)
                )
                obs.facts.append(Fact(fname, fvalue, weight, ref))
            if notes:
                obs.notes.extend(notes)
        if only is not None:
            return
        stage[0] = "model grammar"
        if evidence.kind is EvidenceKind.ASSET_ROW:
            read = {f.ref.field for f in obs.facts[start:]}
            named = {f.ref.field for f in obs.facts[start:] if f.field in _MAKER_FIELDS}
            others = self._asset_other_columns(fields, read)
            texts = [
                (fname, weight)
                for fname, weight in self._asset_free_text()
                # a model column its own rule read, to a maker, is not read again (see
                # _asset_free_text); one read to no maker ("C800 I91BM") is, code by code
                if fname not in named or fname in _FREE_TEXT_FIELDS
            ] + [(fname, OTHER_COLUMN_WEIGHT) for fname in others]
            for fname, weight in texts:
                for text in fields.get(fname):
                    ref = EvidenceRef(kind, "grammar:free-text", text[:80], fname, text[:200], sha)
                    obs.facts.extend(self.resolver.text_model_facts(text, weight, ref))
            stage[0] = "register names"
            self._maker_columns(fields, obs, sha)
            observe_asset_names(
                self, fields, obs, sha, tuple(f for f in others if f not in ASSET_NAME_FIELDS)
            )
        stage[0] = "MAC registry"
        for mac in fields.get("mac"):
            norm = normalise_mac(mac)
            if norm and norm not in obs.macs:
                obs.macs.append(norm)
                obs.facts.extend(self.resolver.mac_facts(norm, kind, sha, obs.notes))
        stage[0] = "content"
        observe_content(self, evidence, fields, obs, start, sha)

    def _restrictions(
        self, manufacturer: str, brand: str | None
    ) -> tuple[tuple[Restriction, ...], bool]:
        """Restrictions naming a maker (with how the label relates to it), and whether the maker
        is a white-label platform. Cached: there are few (maker, label) pairs."""
        key = (manufacturer, brand)
        found = self._restriction_cache.get(key)
        if found is None:
            vendor = self.kb.vendors.get(manufacturer)
            how = ""
            if brand and brand != manufacturer:
                link = self.kb.brands.get(brand)
                how = f" (label {brand}: {link.relation if link else 'label'} of {manufacturer})"
            found = (
                tuple(Restriction(p, f"made by {manufacturer}{how}") for p in vendor.restricted)
                if vendor
                else (),
                bool(vendor and vendor.generic),
            )
            self._restriction_cache[key] = found
        return found

    def identify(self, evidence: Iterable[Evidence]) -> Identity:
        """Fuse all the evidence about one device into one identity (never raises on bad
        evidence: a device whose facts cannot be fused is unknown, with a note saying why)."""
        obs = Observation()
        for ev in evidence:
            self.observe(ev, obs)
        try:
            return self.fuse(obs)
        except Exception as exc:
            return Identity(
                mac=obs.mac,
                notes=[f"identification failed while combining facts ({type(exc).__name__})"],
            )

    def fuse(self, obs: Observation) -> Identity:
        """Combine facts into an identity (noisy-OR per value, strongest value per field)."""
        if not obs.facts:
            notes = list(dict.fromkeys(obs.notes)) if obs.notes else []
            notes.append("no rule matched this evidence")
            return Identity(mac=obs.mac, notes=notes)
        # field -> folded value -> [product of (1 - weight), display value, supporting refs]
        by_field: dict[str, dict[str, list[Any]]] = {}
        facts, listed = without_lists(self, obs.facts)
        if any(f.field == "brand" for f in facts):
            facts = facts + self.resolver.corroborated(facts)
        for f in facts:
            per = by_field.get(f.field)
            if per is None:
                per = by_field[f.field] = {}
            folded = f.value.casefold()
            g = per.get(folded)
            w = f.weight if f.weight < 0.99 else 0.99
            if g is None:
                per[folded] = [1.0 - w, f.value, [f.ref]]
            else:
                g[0] *= 1.0 - w
                g[2].append(f.ref)
        notes = list(dict.fromkeys(obs.notes)) if obs.notes else []
        notes.extend(listed)
        ident = Identity(mac=obs.mac)
        refs: list[EvidenceRef] = []
        for fname, per in by_field.items():
            cands = [(1.0 - g[0], g[1], g[2]) for g in per.values()]
            if len(cands) > 1:
                cands.sort(key=_rank)
            score, value, supporting = cands[0]
            threshold = MANUFACTURER_THRESHOLD if fname == "manufacturer" else FIELD_THRESHOLD
            if score < threshold:
                if fname == "manufacturer":
                    notes.append(
                        f"too little evidence to name the maker: best guess "
                        f"{value} at {score:.2f} (< {threshold})"
                    )
                continue
            if fname in ("manufacturer", "brand"):
                for oscore, other, _ in cands[1:]:
                    if oscore >= FIELD_THRESHOLD:
                        notes.append(
                            f"{fname}: chose {value} ({score:.2f}) over {other} ({oscore:.2f})"
                        )
            refs.extend(supporting)
            if fname == "manufacturer":
                ident.manufacturer = value
                ident.confidence = score
            elif fname == "device_type":
                ident.device_type = _DEVICE_TYPES[value]
            else:
                setattr(ident, fname, value)
        if ident.manufacturer:
            restricted, generic = self._restrictions(ident.manufacturer, ident.brand)
            ident.restricted = list(restricted)
            if generic:
                notes.append(
                    f"{ident.manufacturer} is a white-label platform sold under many brands"
                )
        seen: set[tuple[str, str, str]] = set()
        for r in refs:
            k = (r.rule, r.field, r.matched)
            if k not in seen:
                seen.add(k)
                ident.evidence.append(r)
        ident.notes = notes
        return ident
