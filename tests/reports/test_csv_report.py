"""CSV: one row per device, original columns first, formula-like text neutralised."""

from __future__ import annotations

import csv

from camaudit.reports.csv_report import CSV_COLUMNS
from camaudit.reports.tabular import DEVICE_COLUMNS, guard_formula
from tests.reports.estate import CJK_SITE, HOSTILE_FIRMWARE, HOSTILE_MODEL

ORIGINAL_COLUMNS = [
    "org", "site", "ip", "mac", "manufacturer", "brand", "model", "firmware", "device_type",
    "confidence", "restricted", "serial", "first_seen", "last_seen",
]  # fmt: skip


def rows(path):
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        return reader.fieldnames, list(reader)


def test_round_trip(write, estate):
    header, data = rows(write("csv"))
    assert header == DEVICE_COLUMNS == CSV_COLUMNS
    assert header[: len(ORIGINAL_COLUMNS)] == ORIGINAL_COLUMNS
    assert [r["key"] for r in data] == [d.key for d in estate]
    hik = data[0]
    assert (hik["manufacturer"], hik["model"], hik["device_type"]) == (
        "Hikvision",
        "DS-2CD2143G2-I",
        "camera",
    )
    assert hik["restricted"] == "ndaa-889;fcc-covered-list;uk-2022-sensitive-sites"
    assert hik["findings"] == "2"
    assert "cve-2021-36260" in hik["policies"].split(";")
    assert float(hik["confidence"]) >= 0.9
    assert hik["first_seen"].startswith("2025-01-02T09:30")
    by_ip = {r["ip"]: r for r in data}
    assert by_ip["127.20.0.12"]["brand"] == "LTS"
    assert by_ip["127.20.0.18"]["site"] == CJK_SITE
    unknown = by_ip["127.20.0.16"]
    assert unknown["manufacturer"] == "unknown" and "Camille Bauer" in unknown["notes"]
    assert by_ip["127.20.0.14"]["restricted"] == "" and by_ip["127.20.0.14"]["findings"] == "0"


def test_formula_injection_is_neutralised(write):
    _, data = rows(write("csv"))
    hostile = next(r for r in data if r["ip"] == "127.20.0.19")
    assert hostile["model"] == "'" + HOSTILE_MODEL
    assert hostile["firmware"] == HOSTILE_FIRMWARE  # not a formula; HTML escaping is the viewer's
    for r in data:
        for value in r.values():
            assert not value.startswith(("=", "+", "@", "\t", "\r")), value
            assert not value.startswith("-") or value == "-"


def test_guard_formula():
    assert guard_formula("=1+1") == "'=1+1"
    assert guard_formula("+44 20") == "'+44 20"
    assert guard_formula("-2") == "'-2"
    assert guard_formula("@SUM(A1)") == "'@SUM(A1)"
    assert guard_formula("\t=x") == "'\t=x"
    assert guard_formula("DS-2CD") == "DS-2CD"
    assert guard_formula(-2) == -2 and guard_formula(None) is None


def test_empty(write):
    header, data = rows(write("csv", devices=[], found=[]))
    assert header == DEVICE_COLUMNS and data == []


def test_asset_id_and_location_beside_each_restricted_device(write, planted):
    from tests.reports.planted import ORG, restricted_placed

    _, got = rows(write("csv", devices=planted, found=[], org=ORG))
    by_ip = {r["ip"]: r for r in got}
    for ip, asset_id, location in restricted_placed(planted):
        assert by_ip[ip]["restricted"] and (by_ip[ip]["asset_id"], by_ip[ip]["location"]) == (
            asset_id,
            location,
        )
