"""End to end: the demo starts the lab, scans it, identifies, stores, reports, stops."""

from __future__ import annotations

import json


def test_demo_oem_labels_right_makers(cli, tmp_path, loopback_subnet):
    out = tmp_path / "demo"
    result = cli("demo", "--out", str(out), "--subnet", loopback_subnet)
    assert result.code == 0, result.err
    truth = {d["ip"]: d for d in json.loads((out / "truth.json").read_text())["devices"]}
    report = json.loads((out / "devices.json").read_text())
    found = {d["ip"]: d for d in report["devices"]}
    assert set(found) == set(truth)
    assert {d["manufacturer"] for d in truth.values()} == {"Hikvision", "Dahua", "Axis", "Bosch"}
    labels = {d["brand"] for d in truth.values()}
    assert {"LTS", "Annke", "HiLook", "EZVIZ", "Amcrest", "Lorex", "Imou"} <= labels
    for ip, t in truth.items():
        assert found[ip]["manufacturer"] == t["manufacturer"], (ip, found[ip])
        assert bool(found[ip]["restricted"]) == (t["manufacturer"] in ("Hikvision", "Dahua"))
    assert "11/11 manufacturers right" in result.out
    text = " ".join(result.out.split())
    assert "How each label was seen through to its maker:" in text
    for label, maker, rule in (
        ("LTS", "Hikvision", "model.lts.camera"),
        ("Annke", "Hikvision", "model.annke.internal"),
        ("Amcrest", "Dahua", "model.amcrest.ipc"),
        ("Lorex", "Dahua", "model.lorex"),
        ("EZVIZ", "Hikvision", "model.ezviz"),
    ):
        line = next(ln for ln in result.out.splitlines() if ln.strip().startswith(label + " "))
        assert f"→ {maker}:" in line, line
        assert rule in text
    assert "no site is recorded as sensitive or critical" in text
    assert f'camaudit site --db sqlite:///{out}/camaudit.db "Town Centre"' in text
    html = (out / "report.html").read_text()
    assert "Hikvision" in html and "from restricted vendors" in html
