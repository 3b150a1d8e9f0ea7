"""Where a device is and which asset it is, for display: ONE accessor, so the fields' home
(``Device.identifiers`` today, dedicated asset fields later) changes in one place."""

from __future__ import annotations

from dataclasses import dataclass

from camaudit.models import Device

_LOCATION_PARTS = ("location", "building", "zone")


@dataclass(frozen=True, slots=True)
class AssetInfo:
    asset_id: str | None
    location: str | None


def asset_info(device: Device) -> AssetInfo:
    """The device's asset id and a one-line location (``None`` where nothing says)."""
    ids = device.identifiers

    def field(name: str) -> str | None:
        value = getattr(device, name, None) or ids.get(name)
        return str(value) if value else None

    parts = [p for p in (field(n) for n in _LOCATION_PARTS) if p]
    return AssetInfo(field("asset_id"), ", ".join(dict.fromkeys(parts)) or None)
