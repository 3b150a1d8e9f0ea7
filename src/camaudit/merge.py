"""One device, many sources: which parts of the evidence are the same physical device.

A *part* is one source's view of one endpoint (one audit's evidence for an address, a MAC or a
register row). Parts of one organisation are merged by rules tried in order of strength:

1. ``mac``: the same MAC address;
2. ``serial``: the same serial number;
3. ``ip``: the same address in different audits (an address seen with two MACs stays two
   devices: DHCP gave it to another device; a part without a MAC joins the nearest in time);
4. ``asset_id``: a register's asset id equal to another part's asset id, name or host name;
5. ``model+location``: a register row and a device with the same model and location, when
   exactly one of each matches (a weak hint).

A merge never joins groups whose MACs or serials differ, and the weaker rules (3-5) never join
two parts of the same audit (one source lists distinct endpoints). Parts the user split off
(:func:`merge_parts` ``apart``) are never merged. Every merge records its rule and reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from camaudit.models import MergeStep

_STRONG = frozenset({"mac", "serial"})


@dataclass(slots=True)
class Part:
    """What merging needs to know about one part."""

    key: str
    audit: int
    ip: str | None = None
    mac: str | None = None
    serial: str | None = None
    asset_id: str | None = None
    names: frozenset[str] = frozenset()
    model: str | None = None
    location: str | None = None
    register: bool = False
    ts: datetime | None = None
    payload: Any = field(default=None, compare=False, repr=False)


@dataclass(slots=True)
class _Group:
    parts: list[Part]
    steps: list[MergeStep]

    def values(self, attr: str) -> set[str]:
        out = set()
        for p in self.parts:
            v = getattr(p, attr)
            if v:
                out.add(v.upper() if attr == "serial" else v)
        return out

    def audits(self) -> set[int]:
        return {p.audit for p in self.parts}


def _conflict(a: _Group, b: _Group, rule: str) -> str | None:
    for attr in ("mac", "serial"):
        va, vb = a.values(attr), b.values(attr)
        if va and vb and not va & vb:
            return f"different {attr}s"
    if rule not in _STRONG and a.audits() & b.audits():
        return "parts of the same audit"
    if (
        rule not in _STRONG
        and any(p.register for p in a.parts)
        and any(p.register for p in b.parts)
    ):
        return "two register rows"
    return None


class _Merger:
    def __init__(self, parts: Sequence[Part], apart: Iterable[str]) -> None:
        self.apart = set(apart)
        self.group: dict[str, _Group] = {p.key: _Group([p], []) for p in parts}

    def join(self, a: Part, b: Part, rule: str, detail: str) -> bool:
        if a.key in self.apart or b.key in self.apart:
            return False
        ga, gb = self.group[a.key], self.group[b.key]
        if ga is gb or _conflict(ga, gb, rule):
            return False
        ga.parts.extend(gb.parts)
        ga.steps.extend(gb.steps)
        ga.steps.append(MergeStep(rule, (a.key, b.key), detail))
        for p in gb.parts:
            self.group[p.key] = ga
        return True

    def groups(self) -> list[_Group]:
        seen: dict[int, _Group] = {}
        for g in self.group.values():
            seen.setdefault(id(g), g)
        return list(seen.values())


def _by(parts: Iterable[Part], attr: str) -> dict[str, list[Part]]:
    out: dict[str, list[Part]] = {}
    for p in parts:
        v = getattr(p, attr)
        if v:
            out.setdefault(v.upper() if attr == "serial" else v, []).append(p)
    return out


def _distance(a: Part, b: Part) -> float:
    if a.ts is None or b.ts is None:
        return float("inf")
    return abs((a.ts - b.ts).total_seconds())


def merge_parts(
    parts: Sequence[Part], apart: Iterable[str] = ()
) -> list[tuple[list[Part], list[MergeStep]]]:
    """Group parts into devices; each with the merge steps that joined it (in rule order)."""
    m = _Merger(parts, apart)
    for attr in ("mac", "serial"):
        for value, same in _by(parts, attr).items():
            for other in same[1:]:
                m.join(same[0], other, attr, f"same {attr} {value}")
    for ip, same in _by(parts, "ip").items():
        macs = len({p.mac for p in same if p.mac})
        note = f" (nearest in time of {macs} MACs seen there)" if macs > 1 else ""
        done: list[Part] = []
        for p in sorted(
            same, key=lambda p: (p.mac is None, p.ts.timestamp() if p.ts else 0.0, p.key)
        ):
            for q in sorted(done, key=lambda q: (_distance(p, q), q.key)):
                if m.join(q, p, "ip", f"same IP {ip}{note}"):
                    break
            done.append(p)
    names = [(p, n) for p in parts for n in _names(p)]
    for reg in (p for p in parts if p.register and p.asset_id):
        want = reg.asset_id.lower() if reg.asset_id else ""
        for other, name in names:
            if other is not reg and name == want:
                m.join(reg, other, "asset_id", f"asset id {reg.asset_id} named by {other.key}")
    _weak(m, parts)
    return [(g.parts, g.steps) for g in m.groups()]


def _names(p: Part) -> set[str]:
    return {n.lower() for n in p.names} | ({p.asset_id.lower()} if p.asset_id else set())


def _weak(m: _Merger, parts: Sequence[Part]) -> None:
    def hint(p: Part) -> tuple[str, str] | None:
        if p.model and p.location:
            return p.model.lower(), p.location.lower()
        return None

    registers: dict[tuple[str, str], list[Part]] = {}
    devices: dict[tuple[str, str], list[Part]] = {}
    for p in parts:
        h = hint(p)
        if h is not None:
            (registers if p.register else devices).setdefault(h, []).append(p)
    for h, regs in registers.items():
        devs = devices.get(h, [])
        if len(regs) == 1 and len(devs) == 1 and len(m.group[regs[0].key].parts) == 1:
            m.join(regs[0], devs[0], "model+location", f"weak: model {h[0]} at {h[1]}")
