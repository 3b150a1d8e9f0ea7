"""The identification engine: evidence in, one fused :class:`Identity` out.

Pure: no network, no database. Each piece of evidence is extracted into fields, matched against
the KB's rules for its kind, and resolved into weighted facts; facts about the same field are
combined (noisy-OR per value) and the strongest value wins. Conflicts are explained in ``notes``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from camaudit.identify.extract import extract
from camaudit.identify.extract.text import normalise_mac
from camaudit.identify.facts import Fact
from camaudit.identify.oui import OuiIndex, load_oui_index
from camaudit.identify.resolve import Resolver
from camaudit.identify.rules import RuleIndex
from camaudit.kb import KnowledgeBase, load_kb
from camaudit.models import DeviceType, Evidence, EvidenceKind, EvidenceRef, Identity, Restriction

#: Fused score a manufacturer needs before an identity names it.
MANUFACTURER_THRESHOLD = 0.5
#: Fused score other fields need.
FIELD_THRESHOLD = 0.25
_FREE_TEXT_FIELDS = ("description",)


@dataclass(slots=True)
class Observation:
    """Facts and notes gathered from one or more pieces of evidence."""

    facts: list[Fact] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    macs: list[str] = field(default_factory=list)


class Identifier:
    """Identify devices from evidence using a knowledge base (the shipped one by default).

    ``Identifier().identify([Evidence(EvidenceKind.HTTP, b"Server: ...")])`` gives an Identity.
    """

    def __init__(self, kb: KnowledgeBase | None = None, *, use_oui: bool = True) -> None:
        self.kb = kb or load_kb()
        self.rules = RuleIndex(self.kb)
        self.oui: OuiIndex | None = load_oui_index() if use_oui else None
        self.resolver = Resolver(self.kb, self.oui)

    def observe(
        self, evidence: Evidence, obs: Observation | None = None, *, only: str | None = None
    ) -> Observation:
        """Add the facts one piece of evidence supports to ``obs`` (a new one if None)."""
        obs = obs or Observation()
        kind = evidence.kind.value
        fields = extract(evidence)
        sha = evidence.sha256
        for hit in self.rules.match(kind, fields, only=only):
            ref = EvidenceRef(kind, hit.rule.id, hit.matched, hit.field, hit.value[:200], sha)
            for key, value in hit.sets:
                obs.facts.extend(
                    self.resolver.set_facts(key, value, hit.rule.weight, ref, obs.notes)
                )
        if only is not None:
            return obs
        if evidence.kind is EvidenceKind.ASSET_ROW:
            for fname in _FREE_TEXT_FIELDS:
                for text in fields.get(fname):
                    ref = EvidenceRef(kind, "grammar:free-text", text[:80], fname, text[:200], sha)
                    obs.facts.extend(self.resolver.text_model_facts(text, 0.6, ref))
        for mac in fields.get("mac"):
            norm = normalise_mac(mac)
            if norm and norm not in obs.macs:
                obs.macs.append(norm)
                obs.facts.extend(self.resolver.mac_facts(norm, kind, sha, obs.notes))
        return obs

    def identify(self, evidence: Iterable[Evidence]) -> Identity:
        """Fuse all the evidence about one device into one identity."""
        obs = Observation()
        for ev in evidence:
            self.observe(ev, obs)
        return self.fuse(obs)

    def fuse(self, obs: Observation) -> Identity:
        """Combine facts into an identity (noisy-OR per value, strongest value per field)."""
        # (field, folded value) -> [product of (1 - weight), display value, supporting refs]
        groups: dict[tuple[str, str], list[Any]] = {}
        for f in obs.facts:
            key = (f.field, f.value.casefold())
            g = groups.get(key)
            if g is None:
                groups[key] = [1.0 - min(f.weight, 0.99), f.value, [f.ref]]
            else:
                g[0] *= 1.0 - min(f.weight, 0.99)
                g[2].append(f.ref)
        by_field: dict[str, list[tuple[float, str, list[EvidenceRef]]]] = {}
        for (fname, _), (miss, value, refs_) in groups.items():
            by_field.setdefault(fname, []).append((1.0 - miss, value, refs_))
        notes = list(dict.fromkeys(obs.notes))
        chosen: dict[str, tuple[str, float, list[EvidenceRef]]] = {}
        for fname, cands in by_field.items():
            if len(cands) > 1:
                cands.sort(key=lambda c: (-c[0], c[1].casefold()))
            score, value, refs_ = cands[0]
            threshold = MANUFACTURER_THRESHOLD if fname == "manufacturer" else FIELD_THRESHOLD
            if score < threshold:
                if fname == "manufacturer":
                    notes.append(
                        f"too little evidence to name the maker: best guess "
                        f"{value} at {score:.2f} (< {threshold})"
                    )
                continue
            chosen[fname] = (value, score, refs_)
            if fname in ("manufacturer", "brand"):
                for oscore, other, _ in cands[1:]:
                    if oscore >= FIELD_THRESHOLD:
                        notes.append(
                            f"{fname}: chose {value} ({score:.2f}) over {other} ({oscore:.2f})"
                        )
        ident = Identity()
        refs: list[EvidenceRef] = []
        for fname, (value, _score, supporting) in chosen.items():
            refs.extend(supporting)
            if fname == "device_type":
                ident.device_type = DeviceType(value)
            else:
                setattr(ident, fname, value)
        if ident.manufacturer:
            ident.confidence = chosen["manufacturer"][1]
            vendor = self.kb.vendors.get(ident.manufacturer)
            if vendor is not None:
                how = ""
                if ident.brand and ident.brand != ident.manufacturer:
                    brand = self.kb.brands.get(ident.brand)
                    rel = brand.relation if brand else "label"
                    how = f" (label {ident.brand}: {rel} of {ident.manufacturer})"
                for policy in vendor.restricted:
                    ident.restricted.append(
                        Restriction(policy, f"made by {ident.manufacturer}{how}")
                    )
                if vendor.generic:
                    notes.append(
                        f"{ident.manufacturer} is a white-label platform sold under many brands"
                    )
        elif not obs.facts:
            notes.append("no rule matched this evidence")
        if obs.macs:
            ident.mac = obs.macs[0]
        seen: set[tuple[str, str, str]] = set()
        for r in refs:
            k = (r.rule, r.field, r.matched)
            if k not in seen:
                seen.add(k)
                ident.evidence.append(r)
        ident.notes = notes
        return ident
