"""Typed domain objects shared by every layer.

Evidence is the only primary data; everything else (identities, devices, findings) is derived
from it and can be rebuilt. These classes carry no behaviour beyond (de)serialisation.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any


class EvidenceKind(StrEnum):
    """What an evidence record holds (the ``kind`` of the exchange format)."""

    HTTP = "http"
    TLS = "tls"
    RTSP = "rtsp"
    BANNER = "banner"
    SADP = "sadp"
    DHIP = "dhip"
    WSD_PROBEMATCH = "wsd_probematch"
    UPNP = "upnp"
    ONVIF_DEVINFO = "onvif_devinfo"
    ISAPI = "isapi"
    DAHUA_CGI = "dahua_cgi"
    MDNS = "mdns"
    MAC = "mac"
    DHCP = "dhcp"
    HOSTNAME = "hostname"
    ASSET_ROW = "asset_row"


class DeviceType(StrEnum):
    """Coarse device class reported in identities."""

    CAMERA = "camera"
    NVR = "nvr"
    DVR = "dvr"
    ENCODER = "encoder"
    PTZ = "ptz"
    THERMAL = "thermal"
    DOORBELL = "doorbell"
    ACCESS_CONTROL = "access-control"
    OTHER = "other"
    UNKNOWN = "unknown"


class Sensitivity(StrEnum):
    """How sensitive a site is (UK 2022 definition for ``sensitive``)."""

    STANDARD = "standard"
    SENSITIVE = "sensitive"
    CRITICAL = "critical"


class Severity(StrEnum):
    """Severity of a finding, lowest first."""

    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return list(Severity).index(self)


def utcnow() -> datetime:
    """Timezone-aware current UTC time (one place, so tests can reason about it)."""
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Evidence:
    """One raw observation about one endpoint: the bytes, where, when and how.

    ``payload`` holds the raw bytes. For ``asset_row`` evidence (where the exchange format's
    ``data`` is an object) the payload is that object as canonical JSON.
    """

    kind: EvidenceKind
    payload: bytes
    ip: str | None = None
    port: int | None = None
    mac: str | None = None
    ts: datetime | None = None
    source: str | None = None
    #: The reply was longer than a byte cap: ``payload`` holds its first part only.
    truncated: bool = False
    #: The payload's SHA-256, computed once (not an argument: ``replace`` recomputes it).
    _sha256: str | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def sha256(self) -> str:
        found = self._sha256
        if found is None:
            found = hashlib.sha256(self.payload).hexdigest()
            object.__setattr__(self, "_sha256", found)
        return found

    @property
    def text(self) -> str:
        """The payload decoded as UTF-8 (undecodable bytes replaced)."""
        return self.payload.decode("utf-8", errors="replace")

    def to_record(self) -> dict[str, Any]:
        """The evidence exchange format (one JSON Lines object)."""
        rec: dict[str, Any] = {"kind": self.kind.value}
        if self.ip is not None:
            rec["ip"] = self.ip
        if self.port is not None:
            rec["port"] = self.port
        if self.mac is not None:
            rec["mac"] = self.mac
        if self.kind is EvidenceKind.ASSET_ROW:
            rec["data"] = json.loads(self.payload)
        else:
            try:
                rec["data"] = self.payload.decode("utf-8")
            except UnicodeDecodeError:
                rec["data_b64"] = base64.b64encode(self.payload).decode("ascii")
        if self.ts is not None:
            rec["ts"] = self.ts.isoformat()
        if self.source is not None:
            rec["source"] = self.source
        if self.truncated:
            rec["truncated"] = True
        return rec


#: JSON text of a str, as ``json.dumps(..., ensure_ascii=False)`` writes it.
_js = json.encoder.encode_basestring
_EV_JSON = '{{"kind": {}, "rule": {}, "matched": {}, "field": {}, "value": {}{}}}'


def _jo(value: str | None) -> str:
    return "null" if value is None else _js(value)


def _float_json(value: float) -> str:
    # json writes finite floats as their repr; NaN and infinities (never a confidence) its way.
    return repr(value) if -1e300 < value < 1e300 else json.dumps(value)


@dataclass(frozen=True, slots=True)
class EvidenceRef:
    """One link in an identity's evidence chain: which rule matched what, in which evidence."""

    kind: str
    rule: str
    matched: str
    field: str
    value: str
    sha256: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "kind": self.kind,
            "rule": self.rule,
            "matched": self.matched,
            "field": self.field,
            "value": self.value,
        }
        if self.sha256:
            d["sha256"] = self.sha256
        return d


@dataclass(frozen=True, slots=True)
class Restriction:
    """A restriction that applies to an identity (policy id and why)."""

    policy: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"policy": self.policy, "reason": self.reason}


@dataclass(slots=True)
class Identity:
    """What the evidence says a device is. ``None`` means unknown."""

    manufacturer: str | None = None
    brand: str | None = None
    model: str | None = None
    firmware: str | None = None
    device_type: DeviceType = DeviceType.UNKNOWN
    confidence: float = 0.0
    serial: str | None = None
    mac: str | None = None
    evidence: list[EvidenceRef] = field(default_factory=list)
    restricted: list[Restriction] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The identity output contract (``identify --json``)."""
        return {
            "manufacturer": self.manufacturer,
            "brand": self.brand,
            "model": self.model,
            "firmware": self.firmware,
            "device_type": self.device_type.value,
            "confidence": round(self.confidence, 3),
            "serial": self.serial,
            "evidence": [e.to_dict() for e in self.evidence],
            "restricted": [r.to_dict() for r in self.restricted],
            "notes": list(self.notes),
        }

    def to_json(self) -> str:
        """``json.dumps(self.to_dict(), ensure_ascii=False)``, written directly (the batch
        identifier writes one per record: this skips building the dictionaries)."""
        ev = ", ".join(
            _EV_JSON.format(
                _js(e.kind),
                _js(e.rule),
                _js(e.matched),
                _js(e.field),
                _js(e.value),
                f', "sha256": {_js(e.sha256)}' if e.sha256 else "",
            )
            for e in self.evidence
        )
        rs = ", ".join(
            f'{{"policy": {_js(r.policy)}, "reason": {_js(r.reason)}}}' for r in self.restricted
        )
        notes = ", ".join(_js(n) for n in self.notes)
        return (
            f'{{"manufacturer": {_jo(self.manufacturer)}, "brand": {_jo(self.brand)}, '
            f'"model": {_jo(self.model)}, "firmware": {_jo(self.firmware)}, '
            f'"device_type": {_js(self.device_type.value)}, '
            f'"confidence": {_float_json(round(self.confidence, 3))}, '
            f'"serial": {_jo(self.serial)}, "evidence": [{ev}], "restricted": [{rs}], '
            f'"notes": [{notes}]}}'
        )


@dataclass(slots=True)
class Organisation:
    name: str
    id: int | None = None


@dataclass(slots=True)
class Site:
    name: str
    organisation: str
    sensitivity: Sensitivity = Sensitivity.STANDARD
    id: int | None = None


@dataclass(slots=True)
class Audit:
    """One run that produced evidence: a scan, an import, a capture."""

    kind: str
    organisation: str
    site: str | None = None
    id: int | None = None
    started: datetime | None = None
    finished: datetime | None = None
    status: str = "running"
    params: dict[str, Any] = field(default_factory=dict)


#: Asset fields a device carries (stable names: reports and the dashboard use them).
ASSET_FIELDS = (
    "asset_id",
    "location",
    "site",
    "building",
    "zone",
    "install_date",
    "installer",
    "owner",
    "notes",
    "serial",
    "mac",
    "ip",
    "hostname",
    "name",
    "lat",
    "lon",
    "grid_ref",
)


@dataclass(frozen=True, slots=True)
class AssetClaim:
    """One source's statement of one asset field: what it said, and the evidence that said it."""

    field: str
    value: str
    kind: str
    source: str | None = None
    sha256: str | None = None
    audit: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "value": self.value,
            "kind": self.kind,
            "source": self.source,
            "sha256": self.sha256,
            "audit": self.audit,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> AssetClaim:
        return cls(
            d["field"], d["value"], d["kind"], d.get("source"), d.get("sha256"), d.get("audit")
        )


@dataclass(slots=True)
class AssetInfo:
    """Where a device is and what it is called: every claim, and the value chosen per field
    (a register's word first, then the device's own, then the network's)."""

    claims: list[AssetClaim] = field(default_factory=list)

    def get(self, name: str) -> str | None:
        """The chosen value of a field (the first claim for it), or None."""
        return next((c.value for c in self.claims if c.field == name), None)

    @property
    def asset_id(self) -> str | None:
        return self.get("asset_id")

    @property
    def location(self) -> str | None:
        return self.get("location")

    def where(self) -> str:
        """One line for reports: location, building, zone (what is known)."""
        parts = [self.get(n) for n in ("location", "building", "zone", "grid_ref")]
        text = ", ".join(p for p in parts if p)
        lat, lon = self.get("lat"), self.get("lon")
        if lat and lon:
            text = f"{text} ({lat}, {lon})" if text else f"{lat}, {lon}"
        return text

    def to_dict(self) -> dict[str, Any]:
        """Chosen values under their field names plus every claim under ``asset_sources``."""
        d: dict[str, Any] = {name: self.get(name) for name in ASSET_FIELDS}
        d["asset_sources"] = [c.to_dict() for c in self.claims]
        return d


@dataclass(frozen=True, slots=True)
class MergeStep:
    """Why two parts of the evidence were taken as one device (``rule``: mac, serial, ip,
    asset_id, model+location) and which parts (their keys) were joined."""

    rule: str
    parts: tuple[str, str]
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "parts": list(self.parts), "detail": self.detail}


@dataclass(slots=True)
class Device:
    """A physical thing tracked across audits, with its current identity."""

    key: str
    organisation: str
    identity: Identity
    site: str | None = None
    ip: str | None = None
    mac: str | None = None
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    identifiers: dict[str, str] = field(default_factory=dict)
    id: int | None = None
    asset: AssetInfo = field(default_factory=AssetInfo)
    merges: list[MergeStep] = field(default_factory=list)
    #: Keys of the parts (one source's view of one endpoint) this device was merged from.
    parts: list[str] = field(default_factory=list)
    #: What the register part alone says (manufacturer, brand, model, firmware) and what the
    #: device's own evidence alone says; for reconciliation.
    claimed: dict[str, str | None] = field(default_factory=dict)
    observed: dict[str, str | None] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Identity contract plus where and when (``devices --json``)."""
        d = self.identity.to_dict()
        asset = self.asset.to_dict()
        asset["asset_notes"] = asset.pop("notes")  # "notes" is the identity's (what was seen)
        d.update({k: v for k, v in asset.items() if k not in d or d[k] is None})
        d.update(
            {
                "ip": self.ip,
                "mac": self.mac,
                "org": self.organisation,
                "site": self.site,
                "first_seen": self.first_seen.isoformat() if self.first_seen else None,
                "last_seen": self.last_seen.isoformat() if self.last_seen else None,
            }
        )
        d.update(self.identifiers)
        d["serial"] = self.identity.serial or self.asset.get("serial")
        d["merged_from"] = list(self.parts)
        d["merges"] = [m.to_dict() for m in self.merges]
        d["register"] = dict(self.claimed)
        d["observed"] = dict(self.observed)
        return d


@dataclass(slots=True)
class Finding:
    """A policy breach, a known vulnerability or an exposure on one device."""

    device_key: str
    policy: str
    severity: Severity
    title: str
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "device": self.device_key,
            "policy": self.policy,
            "severity": self.severity.value,
            "title": self.title,
            "detail": self.detail,
        }
