"""Header matching for asset registers."""

from __future__ import annotations

import pytest

from camaudit.importers.register_headers import map_columns, match_header, normalise_header


@pytest.mark.parametrize(
    ("header", "canonical"),
    [
        ("Make", "make"),
        ("MANUFACTURER", "make"),
        ("Brand", "make"),
        ("Vendor", "make"),
        ("Manufactuer", "make"),
        ("Model", "model"),
        ("Model No.", "model"),
        ("MODEL_NO", "model"),
        ("Part number", "model"),
        ("Product code", "model"),
        ("Model #", "model"),
        ("Make/Model", "make/model"),
        ("Make & Model", "make/model"),
        ("Description", "description"),
        ("Notes", "description"),
        ("Comments", "description"),
        ("Type", "type"),
        ("Device Type", "type"),
        ("Serial", "serial"),
        ("S/N", "serial"),
        ("SerialNo", "serial"),
        ("Serail number", "serial"),
        ("MAC", "mac"),
        ("MAC Address:", "mac"),
        ("Hardware address", "mac"),
        ("IP", "ip"),
        ("IPAddress", "ip"),
        ("IPv4 address", "ip"),
        ("Host", "hostname"),
        ("Location", "location"),
        ("Site", "site"),
        ("Installed", "install_date"),
        ("OS Grid Ref", "grid_ref"),
        ("Contractor", "installer"),
        ("Address", "location"),
        ("Locaton", "location"),
        ("Asset ID", "asset_id"),
        ("Asset Tag", "asset_id"),
        ("Cam No", "asset_id"),
        ("Firmware", "firmware"),
        ("FW Version", "firmware"),
        ("Camera name", "name"),
    ],
)
def test_known_headers(header: str, canonical: str) -> None:
    assert match_header(header) == canonical


@pytest.mark.parametrize("header", ["Supplier", "Cost", "Warranty", "", "   ", "Id x"])
def test_other_headers_are_not_matched(header: str) -> None:
    assert match_header(header) is None


def test_normalise_header() -> None:
    assert normalise_header("SerialNo.") == "serial no"
    assert normalise_header("IPAddress") == "ip address"
    assert normalise_header("Make & Model") == "make and model"


def test_first_column_wins_and_descriptions_join() -> None:
    columns = map_columns(["Manufacturer", "Brand", "Description", "Notes", "Cost"])
    assert columns.canonical == {0: "make", 2: "description", 3: "description"}
    assert columns.identifying and columns.score == 2
