"""Device filters and the family/asset accessors."""

from __future__ import annotations

from datetime import UTC, date, datetime

from camaudit.estate import DeviceFilter, asset_info, family
from camaudit.models import AssetClaim, AssetInfo, Device, Finding, Identity, Restriction, Severity
from camaudit.reports.context import DeviceEntry


def _entry(maker=None, brand=None, restricted=False, sev=None, **kw) -> DeviceEntry:
    ident = Identity(manufacturer=maker, brand=brand, model="DS-1")
    if restricted:
        ident.restricted = [Restriction("ndaa-889", "named")]
    d = Device(
        "k",
        kw.get("org", "A"),
        ident,
        site=kw.get("site"),
        ip="127.0.0.5",
        last_seen=datetime(2026, 5, 1, tzinfo=UTC),
        identifiers=kw.get("ids", {}),
    )
    findings = [Finding("k", "ndaa-889", sev, "t")] if sev else []
    return DeviceEntry(d, findings)


def test_family_is_maker_else_label():
    assert family(_entry("Hikvision", "HiLook").device) == "Hikvision"
    assert family(_entry(None, "Lorex").device) == "Lorex"
    assert family(_entry().device) == "unknown"


def test_filters_combine():
    e = _entry("Dahua", restricted=True, sev=Severity.HIGH, site="Depot")
    assert DeviceFilter(restricted=True, maker="dahua", site="Depot").matches(e)
    assert DeviceFilter(severity=Severity.MEDIUM, policy="ndaa-889").matches(e)
    assert not DeviceFilter(severity=Severity.CRITICAL).matches(e)
    assert not DeviceFilter(restricted=False).matches(e)
    assert not DeviceFilter(org="B").matches(e)
    assert DeviceFilter(q="ds-1").matches(e) and not DeviceFilter(q="axis").matches(e)
    assert DeviceFilter(seen_since=date(2026, 1, 1)).seen_since_dt.tzinfo is UTC


def test_asset_accessor_reads_the_merged_asset_record():
    e = _entry()
    e.device.asset = AssetInfo(
        [
            AssetClaim("asset_id", "CAM-7", "asset_row"),
            AssetClaim("building", "Town Hall", "asset_row"),
            AssetClaim("zone", "Lobby", "asset_row"),
        ]
    )
    info = asset_info(e.device)
    assert info.asset_id == "CAM-7" and info.location == "Town Hall, Lobby"
    assert asset_info(_entry().device).asset_id is None
