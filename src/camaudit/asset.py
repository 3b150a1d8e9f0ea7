"""Asset identity and place from evidence: which source said what about a device's asset id,
location, site, building, zone, install date, installer, owner, notes, serial, hostname and
coordinates.

Claims are ordered register first (what the organisation recorded), then the device's own word
(ISAPI/ONVIF names and location scopes, serials), then the network's (DHCP/DNS host names);
:meth:`camaudit.models.AssetInfo.get` takes the first claim of a field.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from urllib.parse import unquote

from camaudit.models import ASSET_FIELDS, AssetClaim, AssetInfo, Evidence, EvidenceKind, Identity

_REGISTER_KEYS = {name: name for name in ASSET_FIELDS} | {"name": "name"}
_SCOPE = re.compile(rb"onvif://www\.onvif\.org/(location|name)/([^\s<\"']{1,200})")
_XML_NAME = re.compile(rb"<(?:\w+:)?(deviceName|DeviceName|devName)>([^<]{1,200})</")
_XML_LOCATION = re.compile(rb"<(?:\w+:)?(deviceLocation|Location)>([^<]{1,200})</")
_MAX = 300


def is_register_row(ev: Evidence) -> bool:
    """An asset-register row (not a scanner's claim carried as an ``asset_row``)."""
    return ev.kind is EvidenceKind.ASSET_ROW and b'"claimed_by"' not in ev.payload


def _clean(text: str) -> str:
    return " ".join(text.split())[:_MAX]


def claims_of(ev: Evidence, audit: int | None = None) -> list[AssetClaim]:
    """The asset claims one piece of evidence makes (never raises)."""
    sha, src = ev.sha256, ev.source

    def claim(name: str, value: str) -> AssetClaim:
        return AssetClaim(name, _clean(value), ev.kind.value, src, sha, audit)

    out: list[AssetClaim] = []
    if is_register_row(ev):
        try:
            row = json.loads(ev.payload)
        except ValueError:
            return out
        if isinstance(row, dict):
            for key, value in row.items():
                name = _REGISTER_KEYS.get(str(key).strip().lower().replace(" ", "_"))
                if name and isinstance(value, str) and value.strip():
                    out.append(claim(name, value))
            notes = row.get("notes") or row.get("description")
            if isinstance(notes, str) and notes.strip() and "notes" not in row:
                out.append(claim("notes", notes))
    elif ev.kind is EvidenceKind.HOSTNAME:
        if ev.text.strip():
            out.append(claim("hostname", ev.text.strip()))
    elif ev.kind in (EvidenceKind.WSD_PROBEMATCH, EvidenceKind.UPNP, EvidenceKind.MDNS):
        for what, value in _SCOPE.findall(ev.payload[:65536]):
            text = unquote(value.decode("utf-8", "replace")).replace("_", " ")
            out.append(claim("location" if what == b"location" else "name", text))
    elif ev.kind in (EvidenceKind.ISAPI, EvidenceKind.ONVIF_DEVINFO, EvidenceKind.DAHUA_CGI):
        head = ev.payload[:65536]
        for _, value in _XML_NAME.findall(head):
            out.append(claim("name", value.decode("utf-8", "replace")))
        for _, value in _XML_LOCATION.findall(head):
            out.append(claim("location", value.decode("utf-8", "replace")))
    return [c for c in out if c.value]


def asset_info(
    evidence: Iterable[tuple[Evidence, int | None]], identity: Identity | None = None
) -> AssetInfo:
    """Every claim of the evidence (register rows first), plus the identity's serial and MAC
    with the evidence they came from."""
    register: list[AssetClaim] = []
    device: list[AssetClaim] = []
    for ev, audit in evidence:
        found = claims_of(ev, audit)
        (register if is_register_row(ev) else device).extend(found)
        if ev.ip and not is_register_row(ev):
            device.append(AssetClaim("ip", ev.ip, ev.kind.value, ev.source, ev.sha256, audit))
    if identity is not None:
        for ref in identity.evidence:
            if ref.field == "serial" and ref.kind != EvidenceKind.ASSET_ROW.value:
                device.append(AssetClaim("serial", ref.value, ref.kind, ref.rule, ref.sha256))
        if identity.mac:
            device.append(AssetClaim("mac", identity.mac, "identity", None, None))
    seen: set[tuple[str, str, str | None]] = set()
    claims: list[AssetClaim] = []
    for c in register + device:
        key = (c.field, c.value, c.sha256)
        if key not in seen:
            seen.add(key)
            claims.append(c)
    return AssetInfo(claims)
