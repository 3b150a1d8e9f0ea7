"""Where a device is and which asset it is, for display: one accessor over ``Device.asset``."""

from __future__ import annotations

from dataclasses import dataclass

from camaudit.models import Device


@dataclass(frozen=True, slots=True)
class AssetLabel:
    asset_id: str | None
    location: str | None


def asset_info(device: Device) -> AssetLabel:
    """The device's asset id and a one-line location (``None`` where nothing says), from the
    asset record merged across the device's sources (register, device, network)."""
    return AssetLabel(device.asset.asset_id, device.asset.where() or None)
