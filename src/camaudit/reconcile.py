"""The register reconciled with the network: what an auditor does by hand.

From an organisation's devices (merged across sources, :mod:`camaudit.merge`):

- ``unregistered``: seen on the network (scan, capture, scanner import) but in no register row;
- ``unseen``: in the register but never seen on the network;
- ``maker_mismatch``: the register names one maker and the device's own evidence another (the
  OEM case: the register says "LTS", the device's ISAPI says Hikvision);
- ``firmware_older``: the device runs older firmware than the register records.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from camaudit.models import Device
from camaudit.policy.firmware import parse_firmware

KINDS = ("unregistered", "unseen", "maker_mismatch", "firmware_older")
#: Each kind as a heading for people (reports).
KIND_TITLES = {
    "unregistered": "On the network, not in the register",
    "unseen": "In the register, never seen on the network",
    "maker_mismatch": "Register and device name different makers",
    "firmware_older": "Device runs older firmware than the register records",
}


@dataclass(frozen=True, slots=True)
class Mismatch:
    """One reconciliation line: what kind, which device, where, what each side says."""

    kind: str
    device: str
    asset_id: str | None
    location: str | None
    ip: str | None
    register: str | None
    observed: str | None
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "device": self.device,
            "asset_id": self.asset_id,
            "location": self.location,
            "ip": self.ip,
            "register": self.register,
            "observed": self.observed,
            "detail": self.detail,
        }


@dataclass(slots=True)
class Reconciliation:
    org: str | None
    items: list[Mismatch] = field(default_factory=list)

    def of(self, kind: str) -> list[Mismatch]:
        return [m for m in self.items if m.kind == kind]

    def counts(self) -> dict[str, int]:
        return {k: len(self.of(k)) for k in KINDS}

    def to_dict(self) -> dict[str, Any]:
        return {
            "org": self.org,
            "counts": self.counts(),
            "items": [m.to_dict() for m in self.items],
        }


def _maker(side: dict[str, str | None]) -> str | None:
    return side.get("manufacturer") or side.get("brand")


def _said(claimed: dict[str, str | None]) -> str | None:
    """The name the register wrote (its label when it names one, else the maker)."""
    return claimed.get("brand") or claimed.get("manufacturer")


def _mismatch(claimed: dict[str, str | None], observed: dict[str, str | None]) -> bool:
    said = _said(claimed)
    seen = {v.lower() for v in (observed.get("manufacturer"), observed.get("brand")) if v}
    return bool(said and seen and said.lower() not in seen)


def _item(
    d: Device, kind: str, register: str | None, observed: str | None, detail: str
) -> Mismatch:
    where = d.asset.where() or None
    return Mismatch(kind, d.key, d.asset.asset_id, where, d.ip, register, observed, detail)


def reconcile(devices: Iterable[Device], org: str | None = None) -> Reconciliation:
    """Reconcile the register part of every device with its network part."""
    out = Reconciliation(org)
    for d in devices:
        c, o = d.claimed, d.observed
        if o and not c:
            detail = "seen on the network, in no register row"
            out.items.append(_item(d, "unregistered", None, _maker(o), detail))
        elif c and not o:
            detail = "in the register, never seen on the network"
            out.items.append(_item(d, "unseen", _maker(c), None, detail))
        elif c and o:
            if _mismatch(c, o):
                said, seen = _said(c), _maker(o)
                same = c.get("manufacturer") and c.get("manufacturer") == o.get("manufacturer")
                oem = f" ({said} is a label of {seen})" if same else ""
                detail = f"register says {said}, device says {seen}{oem}"
                out.items.append(_item(d, "maker_mismatch", said, seen, detail))
            reg_fw = parse_firmware(c.get("firmware"), o.get("manufacturer"))
            dev_fw = parse_firmware(o.get("firmware"), o.get("manufacturer"))
            if reg_fw and dev_fw and dev_fw.compare(reg_fw) == -1:
                detail = f"device runs {o.get('firmware')}, register records {c.get('firmware')}"
                out.items.append(
                    _item(d, "firmware_older", c.get("firmware"), o.get("firmware"), detail)
                )
    return out
