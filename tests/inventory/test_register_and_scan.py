"""Acceptance: a register with asset ids and locations, then a scan of the same lab estate in one
organisation: merged devices, asset id and location on every restricted device in every report,
and the three kinds of mismatch reconciled on a planted case."""

from __future__ import annotations

import csv
import json

from camaudit import api
from camaudit.lab import LabThread, build_fleet
from camaudit.reconcile import reconcile
from camaudit.scan import ScanOptions
from camaudit.store import Store

RESTRICTED = {"Hikvision", "Dahua"}


def test_register_then_scan_merges_and_reconciles(tmp_path, loopback_subnet):
    fleet = build_fleet(devices=10, subnet=loopback_subnet, port_offset=25000)
    truth = fleet.truth()["devices"]
    reg = tmp_path / "register.csv"
    hik = [i for i, d in enumerate(truth[:9]) if d["manufacturer"] == "Hikvision"]
    with reg.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["Asset ID", "Location", "Make", "Model", "Firmware", "IP Address"])
        for i, d in enumerate(truth[:9]):  # the 10th device is not in the register
            make = "LTS" if i == hik[0] else d["brand"]  # planted: the OEM case
            fw = "V9.9.9 build 991231" if i == hik[-1] else d["firmware"]  # planted: older fw
            w.writerow([f"CAM-{i:03d}", f"Street {i}", make, d["model"], fw, d["ip"]])
        w.writerow(["CAM-999", "Car park", "Axis", "P3245-LVE", "", "10.9.9.9"])  # never seen
    with Store.open(f"sqlite:///{tmp_path / 'a.db'}") as store:
        api.import_file("register", reg, store=store, org="Council")
        with LabThread(fleet):
            api.scan(
                [d["ip"] for d in truth],
                store=store,
                port_offset=25000,
                options=ScanOptions(timeout=2, rate=0),
                org="Council",
            )
        devices = store.devices("Council")
        by_ip = {d.ip: d for d in devices}
        assert len(devices) == 11
        for i, d in enumerate(truth[:9]):
            dev = by_ip[d["ip"]]
            assert dev.asset.asset_id == f"CAM-{i:03d}"
            assert dev.asset.location == f"Street {i}"
            assert {m.rule for m in dev.merges} == {"ip"}
            assert len(dev.parts) == 2
        result = reconcile(devices, "Council")
        assert [m.ip for m in result.of("unregistered")] == [truth[9]["ip"]]
        assert [m.asset_id for m in result.of("unseen")] == ["CAM-999"]
        oem = [m for m in result.of("maker_mismatch") if m.asset_id == f"CAM-{hik[0]:03d}"]
        assert oem and oem[0].register == "LTS" and oem[0].observed == "Hikvision"
        assert [m.asset_id for m in result.of("firmware_older")] == [f"CAM-{hik[-1]:03d}"]
        restricted = [d for d in devices if d.identity.manufacturer in RESTRICTED and d.claimed]
        assert restricted
        for fmt in ("html", "csv", "xlsx", "json", "cyclonedx", "answer"):
            path = api.report(store, fmt, tmp_path / f"r.{fmt}", "Council")
            if fmt == "xlsx":
                import openpyxl

                book = openpyxl.load_workbook(path, read_only=True)
                text = " ".join(
                    str(c)
                    for ws in book.worksheets
                    for r in ws.iter_rows(values_only=True)
                    for c in r
                    if c is not None
                )
            else:
                text = path.read_text(encoding="utf-8")
            if fmt == "json":
                rows = {r["ip"]: r for r in json.loads(text)["devices"]}
            for d in restricted:
                if fmt == "json":
                    assert rows[d.ip]["asset_id"] == d.asset.asset_id
                    assert rows[d.ip]["location"] == d.asset.location
                elif fmt == "answer" and d.identity.manufacturer != "Hikvision":
                    continue  # the answer lists the vendor asked about
                else:
                    assert d.asset.asset_id in text, fmt
                    assert d.asset.location in text, fmt


def test_same_ip_in_two_organisations_is_two_devices(tmp_path):
    reg = tmp_path / "r.csv"
    reg.write_text("Asset ID,Make,Model,IP\nA-1,Hikvision,DS-2CD2143G2-I,10.0.0.5\n")
    with Store.open(f"sqlite:///{tmp_path / 'b.db'}") as store:
        api.import_file("register", reg, store=store, org="One")
        api.import_file("register", reg, store=store, org="Two")
        assert len(store.devices("One")) == 1 and len(store.devices("Two")) == 1
        assert store.devices("One")[0].merges == [] and store.devices("Two")[0].merges == []


_SCAN = """<?xml version="1.0"?>
<nmaprun scanner="nmap"><host starttime="1733500001"><address addr="10.0.0.5" addrtype="ipv4"/>
<ports><port protocol="tcp" portid="80"><state state="open"/><service name="http" method="table"
 servicefp="SF-Port80-TCP:V=7.93%r(GetRequest,2F,&quot;HTTP/1\\.1\\x20401\\x20Unauthorized\\r\\nServer:\\x20App-webs/\\r\\n\\r\\n&quot;)"/>
</port></ports></host></nmaprun>
"""


def test_a_register_row_and_a_scan_at_one_ip_merge_only_within_one_organisation(tmp_path):
    reg = tmp_path / "r.csv"
    reg.write_text("Asset ID,Location,Make,Model,IP\nA-1,Gate,Hikvision,DS-2CD2143G2-I,10.0.0.5\n")
    scan = tmp_path / "scan.xml"
    scan.write_text(_SCAN)
    with Store.open(f"sqlite:///{tmp_path / 'c.db'}") as store:
        api.import_file("register", reg, store=store, org="One")
        api.import_file("nmap", scan, store=store, org="Two")
        (one,), (two,) = store.devices("One"), store.devices("Two")
        assert one.merges == [] and two.merges == []
        assert one.asset.asset_id == "A-1" and two.asset.asset_id is None
        # the same scan in the register's organisation is the same device (by address)
        api.import_file("nmap", scan, store=store, org="One")
        (merged,) = store.devices("One")
        assert {m.rule for m in merged.merges} == {"ip"} and merged.asset.asset_id == "A-1"
        assert len(store.devices("Two")) == 1
