"""What changed between two audits' devices: new, removed, changed and replaced kit.

Devices are matched by :attr:`Device.key`. A *replacement* is a restricted device that is gone
and a non-restricted device of the same type that is new, at the same address (first) or on the
same site (then); both leave the new/removed lists. Pairing is greedy in key order, so the result
does not depend on input order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from camaudit.errors import InputError
from camaudit.models import Device

#: Identity fields compared, and the kind of change each one makes.
_IDENTITY_FIELDS = ("manufacturer", "brand", "model", "device_type", "serial")
_LOCATION_FIELDS = ("ip", "site")


class ChangeKind(StrEnum):
    IDENTITY = "identity"
    FIRMWARE = "firmware"
    LOCATION = "location"


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str
    before: str | None
    after: str | None


@dataclass(frozen=True, slots=True)
class DeviceChange:
    """A device present in both audits whose identity, firmware or location differs."""

    before: Device
    after: Device
    kinds: tuple[ChangeKind, ...]
    changes: tuple[FieldChange, ...]

    @property
    def key(self) -> str:
        return self.after.key


@dataclass(frozen=True, slots=True)
class Replacement:
    """A restricted device removed and a non-restricted one of the same type added in its place."""

    removed: Device
    added: Device
    matched_on: str


@dataclass(frozen=True, slots=True)
class AuditDiff:
    new: tuple[Device, ...]
    removed: tuple[Device, ...]
    changed: tuple[DeviceChange, ...]
    replaced: tuple[Replacement, ...]
    unchanged: tuple[str, ...]

    def summary(self) -> dict[str, int]:
        return {
            "new": len(self.new),
            "removed": len(self.removed),
            "changed": len(self.changed),
            "replaced": len(self.replaced),
            "unchanged": len(self.unchanged),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "summary": self.summary(),
            "new": [d.to_dict() | {"key": d.key} for d in self.new],
            "removed": [d.to_dict() | {"key": d.key} for d in self.removed],
            "changed": [
                {
                    "key": c.key,
                    "kinds": [k.value for k in c.kinds],
                    "changes": [
                        {"field": f.field, "before": f.before, "after": f.after} for f in c.changes
                    ],
                }
                for c in self.changed
            ],
            "replaced": [
                {"removed": r.removed.key, "added": r.added.key, "matched_on": r.matched_on}
                for r in self.replaced
            ],
            "unchanged": list(self.unchanged),
        }


def _value(device: Device, name: str) -> str | None:
    if name in _LOCATION_FIELDS:
        value = getattr(device, name)
    elif name == "device_type":
        value = device.identity.device_type.value
    else:
        value = getattr(device.identity, name)
    return None if value is None else str(value)


def _compare(before: Device, after: Device) -> DeviceChange | None:
    changes: list[FieldChange] = []
    kinds: list[ChangeKind] = []
    groups = (
        (ChangeKind.IDENTITY, _IDENTITY_FIELDS),
        (ChangeKind.FIRMWARE, ("firmware",)),
        (ChangeKind.LOCATION, _LOCATION_FIELDS),
    )
    for kind, names in groups:
        diffs = [
            FieldChange(n, _value(before, n), _value(after, n))
            for n in names
            if _value(before, n) != _value(after, n)
        ]
        if diffs:
            kinds.append(kind)
            changes.extend(diffs)
    return DeviceChange(before, after, tuple(kinds), tuple(changes)) if changes else None


def _index(devices: Sequence[Device], label: str) -> dict[str, Device]:
    out: dict[str, Device] = {}
    for d in devices:
        if d.key in out:
            raise InputError(f"{label}: device key {d.key!r} appears twice")
        out[d.key] = d
    return out


def is_restricted(device: Device) -> bool:
    """Default test: the identity carries at least one restriction."""
    return bool(device.identity.restricted)


def _pair(
    removed: list[Device], new: list[Device], restricted: Callable[[Device], bool]
) -> list[Replacement]:
    gone = [d for d in removed if restricted(d)]
    candidates = [d for d in new if not restricted(d)]
    pairs: list[Replacement] = []
    taken: set[str] = set()
    matchers: tuple[tuple[str, Callable[[Device, Device], bool]], ...] = (
        ("address", lambda a, b: a.ip is not None and a.ip == b.ip and a.site == b.site),
        ("site", lambda a, b: a.site is not None and a.site == b.site),
    )
    for what, same in matchers:
        for old in gone:
            if any(p.removed.key == old.key for p in pairs):
                continue
            for cand in candidates:
                if cand.key in taken:
                    continue
                if (
                    cand.organisation == old.organisation
                    and cand.identity.device_type == old.identity.device_type
                    and same(old, cand)
                ):
                    where = f"same {what} {old.ip if what == 'address' else old.site}"
                    pairs.append(Replacement(old, cand, where))
                    taken.add(cand.key)
                    break
    return pairs


def diff(
    devices_a: Sequence[Device],
    devices_b: Sequence[Device],
    *,
    restricted: Callable[[Device], bool] = is_restricted,
) -> AuditDiff:
    """Compare audit A (before) with audit B (after)."""
    before, after = _index(devices_a, "audit A"), _index(devices_b, "audit B")
    removed = [before[k] for k in sorted(before.keys() - after.keys())]
    new = [after[k] for k in sorted(after.keys() - before.keys())]
    changed: list[DeviceChange] = []
    unchanged: list[str] = []
    for key in sorted(before.keys() & after.keys()):
        change = _compare(before[key], after[key])
        if change is None:
            unchanged.append(key)
        else:
            changed.append(change)
    replaced = _pair(removed, new, restricted)
    gone_keys = {r.removed.key for r in replaced}
    added_keys = {r.added.key for r in replaced}
    return AuditDiff(
        tuple(d for d in new if d.key not in added_keys),
        tuple(d for d in removed if d.key not in gone_keys),
        tuple(changed),
        tuple(replaced),
        tuple(unchanged),
    )
