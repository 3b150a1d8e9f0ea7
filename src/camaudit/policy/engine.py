"""Evaluating policy packs against one device at a time (pure: no I/O beyond the KB).

A device is seen through a :class:`DeviceView`: its identity, the site's sensitivity, the KB
entries of its maker and of its label, and its parsed firmware. A rule fires when any of its
``match`` blocks holds and none of its ``unless`` blocks does; every key of a block must hold.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from camaudit.kb import KnowledgeBase, normalise_name
from camaudit.kb.schema import BrandEntry, VendorEntry
from camaudit.models import Identity, Sensitivity, Severity
from camaudit.policy.firmware import FirmwareScheme, FirmwareVersion, parse_firmware, scheme_for
from camaudit.policy.schema import Condition, FirmwareBounds, LegalBasis, PackFile, Rule

RELATION_PHRASES = {
    "subsidiary": "subsidiary of",
    "house-brand": "house brand of",
    "oem": "OEM of",
    "former-subsidiary": "former subsidiary of",
    "component": "built on components from",
    "affiliate": "affiliate of",
}
#: Rule ids quoted as "evidence" in explanations (the first few are enough).
_MAX_QUOTED_RULES = 4


def _phrase(link: BrandEntry) -> str:
    text = f"label {link.name}: {RELATION_PHRASES[link.relation]} {link.manufacturer} "
    text += f"({link.confidence} confidence"
    if link.partial:
        text += "; some product lines only"
    return text + ")"


@dataclass(frozen=True, slots=True)
class DeviceView:
    """What a policy rule sees of one device."""

    key: str
    identity: Identity
    sensitivity: Sensitivity
    maker: VendorEntry | None
    label: BrandEntry | None
    label_maker: VendorEntry | None
    firmware: FirmwareVersion | None

    @classmethod
    def build(
        cls, key: str, identity: Identity, sensitivity: Sensitivity, kb: KnowledgeBase
    ) -> DeviceView:
        maker = kb.vendors.get(identity.manufacturer) if identity.manufacturer else None
        label: BrandEntry | None = None
        if identity.brand:
            found = kb.resolve(identity.brand)
            label = found.brand if found else None
        label_maker = kb.vendors.get(label.manufacturer) if label else None
        firmware = parse_firmware(identity.firmware, identity.manufacturer)
        return cls(key, identity, sensitivity, maker, label, label_maker, firmware)

    @property
    def identified(self) -> bool:
        return self.identity.manufacturer is not None

    def how(self) -> str:
        """How the maker was established (or why only the label points at one)."""
        ident = self.identity
        if ident.manufacturer is None:
            if self.label is not None:
                return f"{_phrase(self.label)}; no evidence names the maker"
            return "no evidence names the maker"
        supporting = (r.rule for r in ident.evidence if r.field == "manufacturer")
        rules = list(dict.fromkeys(supporting))[:_MAX_QUOTED_RULES]
        basis = f"identified as {ident.manufacturer} (confidence {ident.confidence:.2f}"
        basis += f"; evidence: {', '.join(rules)})" if rules else ")"
        if self.label is not None and self.label.manufacturer == ident.manufacturer:
            return f"{_phrase(self.label)}; {basis}"
        return basis

    def template_values(self, pack_id: str) -> dict[str, str]:
        ident = self.identity
        return {
            "maker": ident.manufacturer or "unknown maker",
            "label": ident.brand or ident.manufacturer or "no label",
            "model": ident.model or "unknown model",
            "firmware": ident.firmware or "unknown firmware",
            "device_type": ident.device_type.value,
            "sensitivity": self.sensitivity.value,
            "how": self.how(),
            "country": (self.maker.country if self.maker else None) or "unknown",
            "pack": pack_id,
        }


@dataclass(frozen=True, slots=True)
class _CompiledCondition:
    spec: Condition
    makers: frozenset[str]
    labels: frozenset[str]
    model: re.Pattern[str] | None


@dataclass(frozen=True, slots=True)
class CompiledRule:
    spec: Rule
    blocks: tuple[_CompiledCondition, ...]
    unless: tuple[_CompiledCondition, ...]

    def severity(self, sensitivity: Sensitivity) -> Severity | None:
        sev = self.spec.severity_at(sensitivity.value)
        return Severity(sev) if sev is not None else None


@dataclass(frozen=True, slots=True)
class PolicyPack:
    """A validated, compiled policy pack."""

    spec: PackFile
    rules: tuple[CompiledRule, ...]
    source: str = ""

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def title(self) -> str:
        return self.spec.title

    @property
    def legal_basis(self) -> LegalBasis:
        return self.spec.legal_basis


@dataclass(frozen=True, slots=True)
class PolicyHit:
    """One rule of one pack firing on one device."""

    pack: PolicyPack
    rule: CompiledRule
    severity: Severity
    title: str
    detail: str
    remediation: str
    how: str = ""


def _fold(names: list[str] | None, kb: KnowledgeBase, *, brands: bool) -> frozenset[str]:
    """Names folded for comparison; KB aliases map to canonical names."""
    out: set[str] = set()
    for name in names or []:
        out.add(normalise_name(name))
        found = kb.resolve(name)
        if found is not None:
            canonical = found.label if brands else found.vendor.name
            if brands or found.brand is None:
                out.add(normalise_name(canonical))
    return frozenset(out)


def compile_condition(spec: Condition, kb: KnowledgeBase) -> _CompiledCondition:
    return _CompiledCondition(
        spec,
        _fold(spec.maker, kb, brands=False),
        _fold(spec.label, kb, brands=True),
        re.compile(spec.model, re.IGNORECASE) if spec.model is not None else None,
    )


def compile_pack(spec: PackFile, kb: KnowledgeBase, source: str = "") -> PolicyPack:
    rules = tuple(
        CompiledRule(
            r,
            tuple(compile_condition(c, kb) for c in r.blocks),
            tuple(compile_condition(c, kb) for c in r.unless),
        )
        for r in spec.rules
    )
    return PolicyPack(spec, rules, source)


@lru_cache(maxsize=4096)
def _bound(text: str, scheme: FirmwareScheme) -> FirmwareVersion | None:
    return parse_firmware(text, scheme=scheme)


def firmware_in_bounds(
    firmware: FirmwareVersion | None, bounds: FirmwareBounds, manufacturer: str | None
) -> bool | None:
    """Whether ``firmware`` lies in ``bounds``; ``None`` when that cannot be decided."""
    if firmware is None:
        return None
    scheme = scheme_for(manufacturer)
    checks: list[tuple[str | None, tuple[int, ...]]] = [
        (bounds.min, (0, 1)),
        (bounds.max, (-1, 0)),
        (bounds.below, (-1,)),
    ]
    for text, allowed in checks:
        if text is None:
            continue
        bound = _bound(text, scheme)
        if bound is None:
            return None
        order = firmware.compare(bound)
        if order is None:
            return None
        if order not in allowed:
            return False
    return True


def _holds(cond: _CompiledCondition, view: DeviceView) -> bool:
    spec, ident = cond.spec, view.identity
    if spec.identified is not None and spec.identified != view.identified:
        return False
    if spec.maker is not None and (
        ident.manufacturer is None or normalise_name(ident.manufacturer) not in cond.makers
    ):
        return False
    if spec.label is not None and (
        ident.brand is None or normalise_name(ident.brand) not in cond.labels
    ):
        return False
    if spec.maker_tag is not None and (
        view.maker is None or spec.maker_tag not in view.maker.restricted
    ):
        return False
    if spec.label_tag is not None and (
        view.identified
        or view.label_maker is None
        or spec.label_tag not in view.label_maker.restricted
    ):
        return False
    if spec.maker_country is not None and (
        view.maker is None or (view.maker.country or "") not in spec.maker_country
    ):
        return False
    if cond.model is not None and (ident.model is None or not cond.model.search(ident.model)):
        return False
    if spec.device_type is not None and ident.device_type.value not in spec.device_type:
        return False
    if spec.sensitivity is not None and view.sensitivity.value not in spec.sensitivity:
        return False
    return not (
        spec.firmware is not None
        and firmware_in_bounds(view.firmware, spec.firmware, ident.manufacturer) is not True
    )


def rule_fires(rule: CompiledRule, view: DeviceView) -> bool:
    """The rule applies at the site's sensitivity, any ``match`` block holds and no ``unless``
    block does."""
    if rule.severity(view.sensitivity) is None:
        return False
    if not any(_holds(c, view) for c in rule.blocks):
        return False
    return not any(_holds(c, view) for c in rule.unless)


def evaluate(pack: PolicyPack, view: DeviceView) -> list[PolicyHit]:
    """Every rule of ``pack`` that fires on the device, in pack order."""
    hits: list[PolicyHit] = []
    values: dict[str, str] | None = None
    for rule in pack.rules:
        if not rule_fires(rule, view):
            continue
        if values is None:
            values = view.template_values(pack.id)
        spec = rule.spec
        severity = rule.severity(view.sensitivity)
        assert severity is not None  # rule_fires checked it
        hits.append(
            PolicyHit(
                pack,
                rule,
                severity,
                spec.title.format_map(values),
                spec.detail.format_map(values),
                spec.remediation.format_map(values),
                values["how"],
            )
        )
    return hits
