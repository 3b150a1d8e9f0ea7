"""Loading policy packs: the shipped ones by id, or user-defined ones from a YAML path."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from camaudit.errors import CamauditError, InputError, KnowledgeBaseError
from camaudit.kb import KnowledgeBase, load_kb
from camaudit.models import DeviceType, Identity, Sensitivity
from camaudit.policy.datafile import load_model
from camaudit.policy.engine import DeviceView, PolicyPack, compile_pack, evaluate
from camaudit.policy.firmware import parse_firmware, scheme_for
from camaudit.policy.schema import Condition, PackFile

PACKS_DIR = Path(__file__).resolve().parent / "packs"


def shipped_pack_ids() -> list[str]:
    """Ids of the packs shipped with camaudit (the default set), sorted."""
    return sorted(p.stem for p in PACKS_DIR.glob("*.yaml"))


def _canonical(name: str, kb: KnowledgeBase) -> str:
    found = kb.resolve(name)
    return found.vendor.name if found is not None and found.brand is None else name


def _check_bounds(spec: PackFile, kb: KnowledgeBase, error: type[CamauditError]) -> None:
    """Firmware bounds must parse in the scheme of the makers they are written for."""
    for rule in spec.rules:
        for cond in [*rule.blocks, *rule.unless]:
            if cond.firmware is None:
                continue
            makers: list[str | None] = (
                [_canonical(m, kb) for m in cond.maker] if cond.maker else [None]
            )
            for maker in makers:
                for text in (cond.firmware.min, cond.firmware.max, cond.firmware.below):
                    if text is not None and parse_firmware(text, maker) is None:
                        scheme = scheme_for(maker).value
                        raise error(
                            f"pack {spec.id}: rule {rule.id}: firmware bound {text!r} "
                            f"is not a {scheme} version"
                        )


def _tags(cond: Condition) -> list[str]:
    return [t for t in (cond.maker_tag, cond.label_tag) if t is not None]


def _check_tags(spec: PackFile, kb: KnowledgeBase, error: type[CamauditError]) -> None:
    """A tag nobody carries is almost always a typo: refuse it."""
    known = {t for v in kb.vendors.values() for t in v.restricted}
    for rule in spec.rules:
        for cond in [*rule.blocks, *rule.unless]:
            for tag in _tags(cond):
                if tag not in known:
                    raise error(
                        f"pack {spec.id}: rule {rule.id}: no vendor in the KB carries the "
                        f"restriction tag {tag!r} (known: {', '.join(sorted(known))})"
                    )


def load_pack_file(
    path: Path, kb: KnowledgeBase | None = None, *, error: type[CamauditError] = InputError
) -> PolicyPack:
    """Load, validate and compile one pack file."""
    kb = kb or load_kb()
    spec = load_model(path, PackFile, error=error)
    _check_bounds(spec, kb, error)
    _check_tags(spec, kb, error)
    return compile_pack(spec, kb, str(path))


@lru_cache(maxsize=32)
def _shipped(pack_id: str) -> PolicyPack:
    return load_pack_file(PACKS_DIR / f"{pack_id}.yaml", error=KnowledgeBaseError)


def load_packs(
    names: Sequence[str] | None = None, kb: KnowledgeBase | None = None
) -> list[PolicyPack]:
    """Packs by shipped id (``ndaa-889``) or by path to a YAML file; ``None`` = every shipped pack.

    Raises :class:`InputError` for an unknown id or a bad user file.
    """
    chosen = list(names) if names is not None else shipped_pack_ids()
    shipped = set(shipped_pack_ids())
    packs: list[PolicyPack] = []
    seen: set[str] = set()
    for name in chosen:
        if name in shipped:
            if kb is None or kb is load_kb():
                pack = _shipped(name)  # compiled once per process against the shipped KB
            else:
                pack = load_pack_file(PACKS_DIR / f"{name}.yaml", kb, error=KnowledgeBaseError)
        elif name.endswith((".yaml", ".yml")) or "/" in name or "\\" in name:
            pack = load_pack_file(Path(name), kb)
        else:
            raise InputError(
                f"unknown policy pack {name!r}; choose from {', '.join(sorted(shipped))} "
                "or give the path of a pack file"
            )
        if pack.id in seen:
            raise InputError(f"policy pack {pack.id!r} is given twice")
        seen.add(pack.id)
        packs.append(pack)
    return packs


def example_view(pack: PolicyPack, index: int, kb: KnowledgeBase) -> DeviceView:
    """The device view of one of a pack's examples."""
    ex = pack.spec.examples[index]
    ident = Identity(
        manufacturer=ex.device.manufacturer,
        brand=ex.device.brand,
        model=ex.device.model,
        firmware=ex.device.firmware,
        device_type=DeviceType(ex.device.device_type),
        confidence=0.9 if ex.device.manufacturer else 0.0,
    )
    return DeviceView.build(f"example:{index}", ident, Sensitivity(ex.sensitivity), kb)


def check_pack_examples(pack: PolicyPack, kb: KnowledgeBase | None = None) -> list[str]:
    """Run every example of ``pack``; one message per example whose fired rules differ."""
    kb = kb or load_kb()
    failures: list[str] = []
    for i, ex in enumerate(pack.spec.examples):
        fired = sorted(h.rule.spec.id for h in evaluate(pack, example_view(pack, i, kb)))
        if fired != sorted(ex.expect):
            failures.append(
                f"pack {pack.id}: example {ex.name!r}: expected {sorted(ex.expect)}, got {fired}"
            )
    return failures
