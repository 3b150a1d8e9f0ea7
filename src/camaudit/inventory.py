"""From stored evidence to devices: group observations per endpoint, identify, save.

Grouping: evidence with the same MAC is one device; otherwise evidence from the same address
within an organisation is one device. A device's key is its MAC when known, else its serial,
else its address. Devices are derived: :func:`rebuild_devices` recreates them from evidence.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from camaudit.identify import Identifier
from camaudit.identify.extract.text import normalise_mac
from camaudit.models import Device, Evidence, utcnow
from camaudit.store import Store


@dataclass(slots=True)
class _Group:
    ip: str | None
    mac: str | None
    site: str | None
    evidence: list[tuple[int, Evidence]]
    audit_id: int


def _group_key(ev: Evidence, fallback: int) -> str:
    if ev.ip:
        return f"ip:{ev.ip}"
    mac = normalise_mac(ev.mac) if ev.mac else None
    if mac:
        return f"mac:{mac}"
    return f"evidence:{fallback}"


def group_evidence(
    rows: Iterable[tuple[int, int, Evidence]], site_of: Callable[[int], str | None]
) -> list[_Group]:
    """Group ``(evidence id, audit id, Evidence)`` rows by endpoint, then merge by MAC."""
    groups: dict[str, _Group] = {}
    for eid, audit_id, ev in rows:
        key = _group_key(ev, eid)
        g = groups.get(key)
        if g is None:
            g = groups[key] = _Group(ev.ip, None, site_of(audit_id), [], audit_id)
        g.evidence.append((eid, ev))
        g.audit_id = max(g.audit_id, audit_id)
        if ev.mac and not g.mac:
            g.mac = normalise_mac(ev.mac)
    by_mac: dict[str, _Group] = {}
    out: list[_Group] = []
    for g in groups.values():
        if g.mac and g.mac in by_mac:
            other = by_mac[g.mac]
            other.evidence.extend(g.evidence)
            other.ip = other.ip or g.ip
            continue
        if g.mac:
            by_mac[g.mac] = g
        out.append(g)
    return out


def device_key(ident_mac: str | None, serial: str | None, ip: str | None, fallback: str) -> str:
    if ident_mac:
        return f"mac:{ident_mac}"
    if serial:
        return f"serial:{serial}"
    if ip:
        return f"ip:{ip}"
    return fallback


def identify_devices(
    store: Store,
    org: str,
    *,
    audit_ids: Sequence[int] | None = None,
    identifier: Identifier | None = None,
) -> list[tuple[Device, list[int], int]]:
    """Devices behind the evidence of ``audit_ids`` (or all of ``org``), without saving them.

    Returns ``(device, evidence ids, latest audit id)`` per device.
    """
    ident = identifier or Identifier()
    audits = {a.id: a for a in store.audits(org)}
    rows = store.iter_evidence(audit_ids=audit_ids, org=org)
    groups = group_evidence(rows, lambda aid: audits[aid].site if aid in audits else None)
    out: list[tuple[Device, list[int], int]] = []
    now = utcnow()
    for n, g in enumerate(groups, start=1):
        identity = ident.identify(ev for _, ev in g.evidence)
        mac = identity.mac or g.mac
        identity.mac = mac
        key = device_key(mac, identity.serial, g.ip, f"group:{n}")
        identifiers = {k: v for k, v in (("serial", identity.serial),) if v}
        when = max((ev.ts for _, ev in g.evidence if ev.ts), default=now)
        first = min((ev.ts for _, ev in g.evidence if ev.ts), default=now)
        dev = Device(key, org, identity, g.site, g.ip, mac, first, when, identifiers)
        out.append((dev, [eid for eid, _ in g.evidence], g.audit_id))
    return out


def build_devices(
    store: Store,
    org: str,
    *,
    audit_ids: Sequence[int] | None = None,
    identifier: Identifier | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[Device]:
    """Identify and save the devices behind the evidence of ``audit_ids`` (or all of ``org``)."""
    devices: list[Device] = []
    found = identify_devices(store, org, audit_ids=audit_ids, identifier=identifier)
    for n, (dev, evidence_ids, audit_id) in enumerate(found, start=1):
        dev.id = store.save_device(dev, evidence_ids, audit_id)
        devices.append(dev)
        if progress:
            progress(n)
    return devices


def rebuild_devices(
    store: Store, org: str | None = None, identifier: Identifier | None = None
) -> int:
    """Drop derived devices/findings and recreate them from evidence. Returns devices built."""
    ident = identifier or Identifier()
    store.clear_derived(org)
    total = 0
    for name in [org] if org else store.organisations():
        total += len(build_devices(store, name, identifier=ident))
    return total
