"""End to end: the demo starts the lab, scans it, identifies, stores, reports, stops."""

from __future__ import annotations

import json


def test_demo_three_devices_right_makers(cli, tmp_path, loopback_subnet):
    out = tmp_path / "demo"
    result = cli("demo", "--out", str(out), "--subnet", loopback_subnet)
    assert result.code == 0, result.err
    truth = {d["ip"]: d for d in json.loads((out / "truth.json").read_text())["devices"]}
    report = json.loads((out / "devices.json").read_text())
    found = {d["ip"]: d for d in report["devices"]}
    assert set(found) == set(truth)
    assert {d["manufacturer"] for d in truth.values()} == {"Hikvision", "Dahua", "Axis"}
    for ip, t in truth.items():
        assert found[ip]["manufacturer"] == t["manufacturer"], (ip, found[ip])
        assert bool(found[ip]["restricted"]) == (t["manufacturer"] in ("Hikvision", "Dahua"))
    assert "3/3 manufacturers right" in result.out
    html = (out / "report.html").read_text()
    assert "Hikvision" in html and "from restricted vendors" in html
