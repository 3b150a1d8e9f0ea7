"""From stored evidence to devices: group observations per endpoint, identify, save.

Grouping: each audit's evidence is split into parts (one endpoint each), and parts of one
organisation are merged into devices by MAC, serial, address, asset id and model + location
(:mod:`camaudit.merge`, with the reason kept on the device). A device's key is its MAC when
known, else its serial, else its address, else its asset id. Devices are derived: :func:`rebuild_devices` recreates them from evidence.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from camaudit.asset import asset_info, is_register_row
from camaudit.identify import Identifier
from camaudit.identify.extract.text import normalise_mac
from camaudit.merge import Part, merge_parts
from camaudit.models import Audit, Device, Evidence, Identity, MergeStep, utcnow
from camaudit.store import Store


def device_key(ident_mac: str | None, serial: str | None, ip: str | None, fallback: str) -> str:
    if ident_mac:
        return f"mac:{ident_mac}"
    if serial:
        return f"serial:{serial}"
    if ip:
        return f"ip:{ip}"
    return fallback


def _parts_of_audit(rows: list[tuple[int, Evidence]]) -> dict[str, list[tuple[int, Evidence]]]:
    """One audit's evidence per endpoint: by address (split by MAC when the audit saw several
    MACs at it), else by MAC, else each record alone (a register row without address)."""
    macs_at: dict[str, set[str]] = {}
    for _, ev in rows:
        mac = normalise_mac(ev.mac) if ev.mac else None
        if ev.ip and mac:
            macs_at.setdefault(ev.ip, set()).add(mac)
    out: dict[str, list[tuple[int, Evidence]]] = {}
    for eid, ev in rows:
        mac = normalise_mac(ev.mac) if ev.mac else None
        if ev.ip:
            seen = macs_at.get(ev.ip, set())
            if len(seen) > 1:
                key = f"ip:{ev.ip}/{mac}" if mac else f"ip:{ev.ip}"
            else:
                key = f"ip:{ev.ip}"
        elif mac:
            key = f"mac:{mac}"
        else:
            key = f"ev:{eid}"
        out.setdefault(key, []).append((eid, ev))
    return out


def _part(key: str, audit: int, evs: list[tuple[int, Evidence]], identity: Identity) -> Part:
    info = asset_info(((ev, audit) for _, ev in evs), identity)
    macs = {normalise_mac(ev.mac) for _, ev in evs if ev.mac}
    mac = identity.mac or (next(iter(macs)) if len(macs) == 1 else None)
    register = any(is_register_row(ev) for _, ev in evs)
    names = frozenset(c.value for c in info.claims if c.field in ("name", "hostname"))
    return Part(
        key=key,
        audit=audit,
        ip=next((ev.ip for _, ev in evs if ev.ip), None),
        mac=mac,
        serial=identity.serial or info.get("serial"),
        asset_id=info.asset_id,
        names=names,
        model=identity.model,
        location=info.location,
        register=register,
        ts=min((ev.ts for _, ev in evs if ev.ts), default=None),
        payload=(evs, identity),
    )


def _summary(identity: Identity) -> dict[str, str | None]:
    return {
        "manufacturer": identity.manufacturer,
        "brand": identity.brand,
        "model": identity.model,
        "firmware": identity.firmware,
    }


def identify_devices(
    store: Store,
    org: str,
    *,
    audit_ids: Sequence[int] | None = None,
    identifier: Identifier | None = None,
) -> list[tuple[Device, list[int], int]]:
    """Devices behind the evidence of ``audit_ids`` (or all of ``org``), without saving them:
    the parts of every audit, merged across sources (:mod:`camaudit.merge`).

    Returns ``(device, evidence ids, latest audit id)`` per device.
    """
    ident = identifier or Identifier()
    audits = {a.id: a for a in store.audits(org)}
    per_audit: dict[int, list[tuple[int, Evidence]]] = {}
    for eid, audit_id, ev in store.iter_evidence(audit_ids=audit_ids, org=org):
        per_audit.setdefault(audit_id, []).append((eid, ev))
    parts: list[Part] = []
    for audit_id, rows in sorted(per_audit.items()):
        for key, evs in _parts_of_audit(rows).items():
            identity = ident.identify(ev for _, ev in evs)
            parts.append(_part(f"a{audit_id}:{key}", audit_id, evs, identity))
    apart = store.split_parts(org)
    out: list[tuple[Device, list[int], int]] = []
    now = utcnow()
    for n, (group, steps) in enumerate(merge_parts(parts, apart), start=1):
        out.append(_device(ident, org, audits, group, steps, n, now))
    return out


def _device(
    ident: Identifier,
    org: str,
    audits: dict[int | None, Audit],
    group: list[Part],
    steps: list[MergeStep],
    n: int,
    now: datetime,
) -> tuple[Device, list[int], int]:
    evs: list[tuple[int, Evidence, int]] = []
    for p in group:
        part_evs, _ = p.payload
        evs.extend((eid, ev, p.audit) for eid, ev in part_evs)
    one = len(group) == 1
    identity: Identity = group[0].payload[1] if one else ident.identify(e for _, e, _ in evs)
    mac = identity.mac or next((p.mac for p in group if p.mac), None)
    identity.mac = mac
    register = [ev for _, ev, _ in evs if is_register_row(ev)]
    network = [ev for _, ev, _ in evs if not is_register_row(ev)]
    claimed = _summary(ident.identify(register) if register and network else identity)
    observed = _summary(ident.identify(network) if register and network else identity)
    info = asset_info(((ev, a) for _, ev, a in evs), identity)
    ip = next((p.ip for p in sorted(group, key=lambda p: -p.audit) if p.ip), None)
    asset_key = f"asset:{info.asset_id}" if info.asset_id else f"group:{n}"
    key = device_key(mac, identity.serial, ip, asset_key)
    identifiers = {k: v for k, v in (("serial", identity.serial),) if v}
    when = max((ev.ts for _, ev, _ in evs if ev.ts), default=now)
    first = min((ev.ts for _, ev, _ in evs if ev.ts), default=now)
    latest = max(p.audit for p in group)
    site = next(
        (
            audits[p.audit].site
            for p in sorted(group, key=lambda p: -p.audit)
            if p.audit in audits and audits[p.audit].site
        ),
        None,
    ) or info.get("site")
    dev = Device(key, org, identity, site, ip, mac, first, when, identifiers)
    dev.asset = info
    dev.merges = steps
    dev.parts = sorted(p.key for p in group)
    dev.claimed = claimed if register else {}
    dev.observed = observed if network else {}
    return dev, [eid for eid, _, _ in evs], latest


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


def refresh_devices(
    store: Store, org: str, audit_id: int, identifier: Identifier | None = None
) -> list[Device]:
    """After a new audit: rebuild ``org``'s devices from all its evidence (so the new audit's
    parts merge with what earlier audits saw) and return the devices the audit contributed to.
    Findings are derived too: run the assessment again afterwards."""
    store.clear_derived(org)
    mine = f"a{audit_id}:"
    return [
        d
        for d in build_devices(store, org, identifier=identifier)
        if any(p.startswith(mine) for p in d.parts)
    ]
