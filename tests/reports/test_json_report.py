"""JSON: the contract shape, each device's findings inside it, values round-trip."""

from __future__ import annotations

import json

from tests.reports.estate import HOSTILE_MODEL


def load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def test_contract_shape(write, estate, findings):
    doc = load(write("json"))
    assert {"devices", "findings", "summary", "generated"} <= set(doc)
    assert doc["generated"] == "2025-01-06T14:03:00+00:00"
    assert doc["org"] == "Example Borough Council" and doc["audits"] == [11, 12]
    assert "s3cret" not in json.dumps(doc) and doc["database"].startswith(
        "postgresql+psycopg://camaudit:***@"
    )
    assert len(doc["devices"]) == len(estate)
    assert len(doc["findings"]) == len(findings)
    assert doc["summary"]["restricted"] == 5


def test_each_device_carries_its_findings(write, estate):
    doc = load(write("json"))
    devices = {d["key"]: d for d in doc["devices"]}
    hik = devices[estate[0].key]
    assert {f["policy"] for f in hik["findings"]} == {"ndaa-889", "cve-2021-36260"}
    assert hik["findings"][0]["severity"] == "critical"  # most severe first
    assert "ndaa-889" in hik["policies"] and "fcc-covered-list" in hik["policies"]
    assert all(f["device"] == hik["key"] for f in hik["findings"])
    nested = sum(len(d["findings"]) for d in doc["devices"])
    assert nested == len(doc["findings"]) - 1  # the orphan is only at the top level
    assert any(f["device"] == "ip:127.20.9.9" for f in doc["findings"])


def test_identity_contract_round_trips(write, estate):
    doc = load(write("json"))
    for got, dev in zip(doc["devices"], estate, strict=True):
        want = dev.to_dict()
        for k in ("manufacturer", "brand", "model", "firmware", "device_type", "ip", "mac", "site"):
            assert got[k] == want[k], k
        assert got["evidence"] == [e.to_dict() for e in dev.identity.evidence]
        assert got["restricted"] == [r.to_dict() for r in dev.identity.restricted]
    unknown = next(d for d in doc["devices"] if d["ip"] == "127.20.0.16")
    assert unknown["manufacturer"] is None and unknown["notes"]
    assert any(d["model"] == HOSTILE_MODEL for d in doc["devices"])  # data stays data


def test_empty(write):
    doc = load(write("json", devices=[], found=[]))
    assert doc["devices"] == [] and doc["findings"] == [] and doc["summary"]["devices"] == 0


def test_reconciliation_block(write, planted):
    from tests.reports.planted import EXPECTED, ORG

    doc = load(write("json", devices=planted, found=[], org=ORG))
    block = doc["reconciliation"]
    assert block["org"] == ORG
    assert block["counts"] == {
        "unregistered": 1,
        "unseen": 1,
        "maker_mismatch": 1,
        "firmware_older": 1,
    }
    lines = [(i["kind"], i["asset_id"], i["location"]) for i in block["items"]]
    assert sorted(lines, key=str) == sorted(EXPECTED, key=str)
    mismatch = next(i for i in block["items"] if i["kind"] == "maker_mismatch")
    assert (mismatch["register"], mismatch["observed"]) == ("LTS", "Hikvision")
    assert "reconciliation" not in load(write("json"))


def test_asset_id_and_location_beside_each_restricted_device(write, planted):
    from tests.reports.planted import ORG, restricted_placed

    by_ip = {d["ip"]: d for d in load(write("json", devices=planted, found=[], org=ORG))["devices"]}
    for ip, asset_id, location in restricted_placed(planted):
        row = by_ip[ip]
        assert row["restricted"] and (row["asset_id"], row["location"]) == (asset_id, location)
