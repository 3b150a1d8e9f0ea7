"""A planted register-versus-network case for the reconciliation section of every report format:
the OEM mismatch (register "LTS", the device's ISAPI says Hikvision), older firmware than the
register records, a device in no register row and a register row never seen (the same kinds as
tests/inventory/test_register_and_scan.py, built here without a lab)."""

from __future__ import annotations

from camaudit.identify import Identifier
from camaudit.models import AssetClaim, AssetInfo, Device
from tests.reports.estate import LAST_SEEN, isapi_device_info, onvif

ORG = "Planted Council"


def _asset(asset_id: str, location: str) -> AssetInfo:
    return AssetInfo(
        [
            AssetClaim("asset_id", asset_id, "asset_row", "import:register r.csv:row 2"),
            AssetClaim("location", location, "asset_row", "import:register r.csv:row 2"),
        ]
    )


def planted_devices(identifier: Identifier) -> list[Device]:
    """Five devices: four reconciliation lines and one device both sides agree on."""
    hik = identifier.identify([isapi_device_info()])
    dahua = identifier.identify([onvif("Dahua", "IPC-HFW2431S-S-S2", "2.800.0000000.25.R", "7J0")])
    said_hik = {"manufacturer": "Hikvision", "brand": "Hikvision", "model": "DS-2CD2143G2-I"}

    def device(n: int, **kw: object) -> Device:
        return Device(
            key=f"planted-{n}",
            organisation=ORG,
            identity=kw.pop("identity", hik),  # type: ignore[arg-type]
            ip=f"10.77.0.{n}",
            last_seen=LAST_SEEN,
            **kw,  # type: ignore[arg-type]
        )

    return [
        device(
            1,
            asset=_asset("CAM-001", "Market Square north"),
            claimed={"manufacturer": "Hikvision", "brand": "LTS", "firmware": "V5.7.3"},
            observed={**said_hik, "firmware": "V5.7.3"},
        ),
        device(
            2,
            asset=_asset("CAM-002", "Depot gate"),
            claimed={**said_hik, "firmware": "V5.7.12 build 230815"},
            observed={**said_hik, "firmware": "V5.5.0 build 170725"},
        ),
        device(3, identity=dahua, observed={"manufacturer": "Dahua", "brand": "Dahua"}),
        Device(
            key="planted-999",
            organisation=ORG,
            identity=identifier.identify([]),
            asset=_asset("CAM-999", "Car park level 2"),
            claimed={"manufacturer": "Axis", "brand": "Axis", "model": "P3245-LVE"},
        ),
        device(
            5,
            asset=_asset("CAM-005", "Library entrance"),
            claimed={**said_hik, "firmware": "V5.7.3"},
            observed={**said_hik, "firmware": "V5.7.3"},
        ),
    ]


#: (kind, asset id, location) of each line the planted case must give.
EXPECTED = [
    ("maker_mismatch", "CAM-001", "Market Square north"),
    ("firmware_older", "CAM-002", "Depot gate"),
    ("unregistered", None, None),
    ("unseen", "CAM-999", "Car park level 2"),
]


def restricted_placed(devices: list[Device]) -> list[tuple[str, str, str]]:
    """(ip, asset id, location) of each restricted device the register placed."""
    return [
        (d.ip or "", d.asset.asset_id or "", d.asset.where())
        for d in devices
        if d.identity.restricted and d.asset.asset_id
    ]
