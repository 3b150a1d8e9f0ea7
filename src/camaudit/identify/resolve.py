"""From rule hits and built-in evidence (MAC OUI, model numbers) to canonical, weighted facts.

Names seen on devices are resolved through the KB: a vendor name gives a manufacturer; a brand
gives the label and, through its OEM/corporate link, the manufacturer (scaled by how sure the link
is; never for ``partial`` links, where only some product lines are OEM).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from camaudit.identify.facts import Fact
from camaudit.identify.oui import OuiIndex, is_locally_administered
from camaudit.kb import CompiledPattern, KnowledgeBase
from camaudit.models import DeviceType, EvidenceRef

LINK_SCALE = {"high": 1.0, "medium": 0.8, "low": 0.4}
#: Weight of a MAC OUI registered to a camera maker (alone enough to name the maker).
OUI_WEIGHT = 0.55
#: Weight of a MAC-shaped string found in free text (it may be another host's address).
TEXT_OUI_WEIGHT = 0.35
#: Weight from which a model fact is a field that holds the model (not a token of free text).
MODEL_FIELD_WEIGHT = 0.85
#: Share of a model pattern's weight its label gets (below a named make column's 0.85).
GRAMMAR_BRAND_SCALE = 0.8
#: Rule id citing a model number whose label the evidence also names (see
#: :meth:`Resolver.corroborated`).
CORROBORATED_RULE = "grammar:label-named"
#: Weight of a name the KB does not know, used only as a label.
UNKNOWN_LABEL_WEIGHT = 0.3
_DEVICE_TYPES = {t.value for t in DeviceType}
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-/.]{2,40}")
#: A token the grammar may read as a model number has a letter and a digit.
_MODEL_LIKE = re.compile(r"(?=[^A-Za-z]*[A-Za-z])(?=\D*\d)")
#: A line or series word after a model number (``NVR21-S2 Series``, ``DS-2CD2xx3 line``): the
#: value still names only the model.
_LINE_WORD = re.compile(r"\s+(?:series|serie|serien|line|range|family)\s*$", re.IGNORECASE)
#: Words of free text for model names written as several (``G4 Bullet``, ``VIGI C340``).
_WORDS = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-/.+]{0,40}")
#: A model name of several words is read from free text only with a pattern this sure of its
#: maker (weak retail names such as ``Duo 2`` or ``Cue 2E`` stay unread in prose).
SPACED_MODEL_MIN_WEIGHT = 0.6
#: ... and one whose prefix is written apart from its code, only with a pattern this sure (as
#: for a dropped hyphen, see KnowledgeBase._retyped).
JOINED_PREFIX_MIN_WEIGHT = 0.7
#: Other model numbers of one maker read from the same text, beyond the chosen one.
_MAX_SIBLINGS = 2


class Resolver:
    """Turns raw ``set`` values into canonical facts, with notes on what could not be resolved."""

    def __init__(self, kb: KnowledgeBase, oui: OuiIndex | None) -> None:
        self.kb = kb
        self.oui = oui

    def name_facts(
        self, key: str, name: str, weight: float, ref: EvidenceRef, notes: list[str]
    ) -> Iterator[Fact]:
        """Facts from a vendor/brand name seen in ``key`` (manufacturer, brand or vendor)."""
        match = self.kb.resolve(name)
        if match is None:
            if self.kb.is_ignored_name(name):
                return
            notes.append(f"unrecognised {key} name {name!r} ({ref.rule})")
            if key in ("brand", "vendor"):
                yield Fact("brand", name.strip(), weight * UNKNOWN_LABEL_WEIGHT, ref)
            return
        if match.brand is None:
            yield Fact("manufacturer", match.vendor.name, weight, ref)
            if key in ("brand", "vendor"):
                yield Fact("brand", match.vendor.name, weight, ref)
            return
        brand = match.brand
        yield Fact("brand", brand.name, weight, ref)
        if brand.partial:
            notes.append(
                f"{brand.name} relabels {brand.manufacturer} kit on some lines only "
                f"({brand.confidence} confidence): the label alone does not show the maker"
            )
            return
        yield Fact("manufacturer", brand.manufacturer, weight * LINK_SCALE[brand.confidence], ref)

    def model_facts(
        self, model: str, weight: float, ref: EvidenceRef, *, as_field: bool = False
    ) -> Iterator[Fact]:
        """The model itself, plus what the model-number grammar says about it (``as_field``:
        the grammar's weight in full, as for a model field, whatever ``weight``)."""
        yield Fact("model", model, weight, ref)
        pattern = self.kb.match_model(model)
        if pattern is None:
            return
        spec = pattern.spec
        gref = EvidenceRef(ref.kind, spec.id, model, ref.field, ref.value, ref.sha256)
        # A value given as *the model* (a register's model column, an ONVIF Model field) is
        # read at the grammar's own weight; one picked out of free text is discounted.
        w = (
            spec.weight
            if as_field or weight >= MODEL_FIELD_WEIGHT
            else spec.weight * max(weight, 0.6)
        )
        yield Fact("manufacturer", spec.manufacturer, w, gref)
        if spec.brand:
            # The label a model's shape suggests yields to a label the source names (an
            # LTS-badged camera keeps its Hikvision-shaped model number).
            yield Fact("brand", spec.brand, w * GRAMMAR_BRAND_SCALE, gref)
        if spec.device_type:
            yield Fact("device_type", spec.device_type, w, gref)

    def corroborated(self, facts: list[Fact]) -> list[Fact]:
        """Model numbers whose label the evidence names as well (``Intelbras iNVD7032``, a
        Lorex make column beside an N843A8): the pattern's shape is then not a coincidence of
        some other maker's code, so a model read from free text (discounted in
        :meth:`model_facts`) counts at the pattern's own weight. This also gives the maker of a
        label that relabels some lines only, for a line the pattern says is the maker's."""
        out: list[Fact] = []
        named: set[str] | None = None
        done: set[str] = set()
        for f in facts:
            if f.field != "manufacturer" or f.ref.rule in done:
                continue
            spec = self.kb.pattern(f.ref.rule)
            if spec is None or spec.brand is None or f.weight >= spec.weight:
                continue
            if named is None:
                named = {
                    g.value.casefold()
                    for g in facts
                    if g.field == "brand" and self.kb.pattern(g.ref.rule) is None
                }
            if spec.brand.casefold() not in named:
                continue
            done.add(spec.id)
            r = f.ref
            ref = EvidenceRef(
                r.kind, CORROBORATED_RULE, f"{spec.brand}: {r.matched}", r.field, r.value, r.sha256
            )
            # what lifts the discounted reading to the pattern's weight (noisy-OR)
            w = 1.0 - (1.0 - spec.weight) / (1.0 - f.weight)
            out.append(Fact("manufacturer", spec.manufacturer, w, ref))
        return out

    def text_model_facts(self, text: str, weight: float, ref: EvidenceRef) -> Iterator[Fact]:
        """The model number of free text (a register description, a page title, a banner, a
        realm, a JSON or SOAP value): of the tokens with a letter and a digit that the model
        grammar knows and the KB's ``free_text_ignore`` list does not name, the one whose
        pattern is surest (the first among equals: ``C6TC (CS-C6TC-32WFR)`` reads the full
        code). A value that is only the model number weighs as a model field."""
        best: tuple[float, str] | None = None
        found: list[tuple[str, CompiledPattern]] = []
        for token in _TOKEN.findall(text)[:64]:
            token = token.rstrip("./-")
            if len(token) < 4 or not _MODEL_LIKE.match(token):
                continue
            pattern = self.kb.match_model(token)
            if pattern is not None and not self.kb.is_free_text_ignored(token):
                found.append((token, pattern))
                if best is None or pattern.spec.weight > best[0]:
                    best = (pattern.spec.weight, token)
                if best[0] >= MODEL_FIELD_WEIGHT:
                    break
        if best is not None:
            token = best[1]
            # The model itself keeps the free-text weight.
            bare = text.strip()
            whole = token == bare or token == _LINE_WORD.sub("", bare)
            facts = list(self.model_facts(token.upper(), weight, ref, as_field=whole))
            yield from facts
            if not whole and len(found) > 1:
                yield from self._sibling_models(token, found, facts, ref)
            return
        if " " in text:
            spaced = self.spaced_model(text)
            if spaced is not None:
                whole = spaced == " ".join(text.split()).upper()
                yield from self.model_facts(spaced, weight, ref, as_field=whole)

    def _sibling_models(
        self,
        chosen: str,
        found: list[tuple[str, CompiledPattern]],
        facts: list[Fact],
        ref: EvidenceRef,
    ) -> Iterator[Fact]:
        """Other model numbers of the chosen one's maker in the same text (``IP7151, IP7152``;
        ``DS-2CD2143G0-I / DS-2CD2043G0-I``): each is another reading of that maker's grammar,
        counted once more at the chosen one's weight (two makers' codes count for neither)."""
        maker = next(
            (f for f in facts if f.field == "manufacturer" and f.ref.rule != ref.rule), None
        )
        if maker is None:
            return
        makers = {p.spec.manufacturer for _t, p in found}
        if len(makers) > 1:
            return
        seen = {chosen.upper()}
        for token, pattern in found:
            if token.upper() in seen or len(seen) > _MAX_SIBLINGS:
                continue
            seen.add(token.upper())
            sref = EvidenceRef(ref.kind, pattern.spec.id, token, ref.field, ref.value, ref.sha256)
            yield Fact("manufacturer", maker.value, maker.weight, sref)

    def spaced_model(self, text: str) -> str | None:
        """The first model name of two or three words in ``text`` (``G4 Bullet``, ``FLEXIDOME IP
        3000i``, ``VIGI C340``): words with a digit among them that a sure pattern of the model
        grammar reads together, one of them a short code of letters and digits (``G4``,
        ``3000i``; a long one such as a serial is a token of its own)."""
        words = _WORDS.findall(text[:400])[:64]
        codes = [len(w) <= 8 and _MODEL_LIKE.match(w) is not None for w in words]
        if not any(codes):
            return None
        for i in range(len(words) - 1):
            for n in (2, 3):
                window = words[i : i + n]
                if (
                    len(window) < n
                    or window[0].islower()  # prose ("to", "the"): names start with a capital
                    or not any(codes[i : i + n])
                ):
                    continue
                name = " ".join(window).rstrip("./-").upper()
                pattern = self.kb.match_model(name, retype=False)
                if self._sure(pattern, name, SPACED_MODEL_MIN_WEIGHT):
                    return name
                if n == 2 and pattern is None:
                    joined = self._joined_prefix(window)
                    if joined is not None:
                        return joined
        return None

    def _joined_prefix(self, window: list[str]) -> str | None:
        """A code whose letter prefix is written apart (``ASC 1204B-S``, ``NVR 2104HS-S2``):
        a prefix of two to five capitals, then a word starting with a digit, read joined or
        hyphenated by a pattern sure of its shape."""
        prefix, code = window
        if not (2 <= len(prefix) <= 5 and prefix.isalpha() and prefix.isupper()):
            return None
        if not code[:1].isdigit():
            return None
        for name in (f"{prefix}{code}".upper(), f"{prefix}-{code}".upper()):
            name = name.rstrip("./-")
            if self._sure(self.kb.match_model(name, retype=False), name, JOINED_PREFIX_MIN_WEIGHT):
                return name
        return None

    def _sure(self, pattern: CompiledPattern | None, name: str, min_weight: float) -> bool:
        """Whether ``pattern`` reads ``name`` surely enough for free text (and the name is not a
        token the KB tells free text to ignore)."""
        return (
            pattern is not None
            and pattern.spec.weight >= min_weight
            and not self.kb.is_free_text_ignored(name)
        )

    def set_facts(
        self, key: str, value: str, weight: float, ref: EvidenceRef, notes: list[str]
    ) -> Iterator[Fact]:
        """Facts for one ``set`` entry of a rule hit."""
        if key in ("manufacturer", "brand", "vendor"):
            yield from self.name_facts(key, value, weight, ref, notes)
        elif key == "model":
            yield from self.model_facts(value, weight, ref)
        elif key == "device_type":
            if value in _DEVICE_TYPES:
                yield Fact("device_type", value, weight, ref)
        else:
            yield Fact(key, value, weight, ref)

    def mac_facts(
        self,
        mac: str,
        kind: str,
        sha: str | None,
        notes: list[str],
        weight: float = OUI_WEIGHT,
        field: str = "mac",
    ) -> Iterator[Fact]:
        """What the IEEE registry says about a MAC address (``weight``: of a maker's own block)."""
        if self.oui is None:
            return
        if is_locally_administered(mac):
            notes.append(f"MAC {mac} is locally administered: no vendor information")
            return
        hit = self.oui.lookup(mac)
        if hit is None:
            return
        match = self.kb.resolve_ieee(hit.registrant)
        rule = f"oui:{hit.prefix}"
        ref = EvidenceRef(kind, rule, hit.prefix, field, mac, sha)
        if match is None:
            notes.append(f"MAC {mac} is registered to {hit.registrant!r} (not a known CCTV maker)")
            return
        if match.brand is None:
            yield Fact("manufacturer", match.vendor.name, weight, ref)
            return
        yield Fact("brand", match.brand.name, weight * 0.8, ref)
        if not match.brand.partial:
            scale = LINK_SCALE[match.brand.confidence]
            yield Fact("manufacturer", match.brand.manufacturer, weight * scale, ref)
