"""CycloneDX 1.6 hardware BOM: validates offline, devices with makers, firmware and evidence."""

from __future__ import annotations

import dataclasses
import json

from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator


def load(path):
    text = path.read_text(encoding="utf-8")
    error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    assert error is None, error
    return json.loads(text)


def props(component) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for p in component.get("properties", []):
        out.setdefault(p["name"], []).append(p["value"])
    return out


def test_validates_and_describes_every_device(write, estate):
    bom = load(write("cyclonedx"))
    assert bom["specVersion"] == "1.6" and bom["bomFormat"] == "CycloneDX"
    assert bom["metadata"]["timestamp"].startswith("2025-01-06T14:03")
    by_ref = {c["bom-ref"]: c for c in bom["components"]}
    assert set(by_ref) == {d.key for d in estate}
    for d in estate:
        c = by_ref[d.key]
        assert c["type"] == "device"
        p = props(c)
        assert p["camaudit:ip"] == [d.ip]
        if d.identity.manufacturer:
            assert c["manufacturer"]["name"] == d.identity.manufacturer
        else:
            assert "manufacturer" not in c and p["camaudit:manufacturer"] == ["unknown"]
        chain = d.identity.evidence
        assert len(
            [k for k in p if k.endswith(":rule") and k.startswith("camaudit:evidence:")]
        ) == len(chain)
        for n, ref in enumerate(chain):
            assert p[f"camaudit:evidence:{n:03d}:rule"] == [ref.rule]
            assert p[f"camaudit:evidence:{n:03d}:sha256"] == [ref.sha256]
        for r in d.identity.restricted:
            assert p[f"camaudit:restriction:{r.policy}"] == [r.reason]


def test_oem_label_firmware_and_identifiers(write, estate):
    bom = load(write("cyclonedx"))
    by_ref = {c["bom-ref"]: c for c in bom["components"]}
    lts = by_ref["ip:127.20.0.12"]
    assert lts["manufacturer"]["name"] == "Hikvision" and lts["supplier"]["name"] == "LTS"
    assert lts["name"] == "CMIP3C42W-28"
    (fw,) = lts["components"]
    assert fw["type"] == "firmware" and fw["version"] == "V5.5.0 build 170914"
    hik = by_ref[estate[0].key]
    p = props(hik)
    assert p["camaudit:mac"] == ["c4:2f:90:a1:b2:c3"]
    assert p["camaudit:serial"] == ["DS-2CD2143G2-I20210315AAWRF12345678"]
    assert "supplier" not in hik  # sold under its maker's own name
    assert {"ndaa-889", "cve-2021-36260"} <= {
        v for k, vs in p.items() if k.endswith(":policy") for v in vs
    }
    assert "s3cret" not in json.dumps(bom)


def test_same_report_same_bom_and_duplicate_keys_stay_unique(write, estate):
    first = load(write("cyclonedx"))
    again = load(write("cyclonedx"))
    assert first["serialNumber"] == again["serialNumber"]
    other_org = [dataclasses.replace(d, organisation="Neighbour Council") for d in estate[:2]]
    bom = load(write("cyclonedx", devices=estate[:2] + other_org, found=[]))
    refs = [c["bom-ref"] for c in bom["components"]]
    assert len(refs) == len(set(refs)) == 4


def test_empty_estate_is_a_valid_bom(write):
    bom = load(write("cyclonedx", devices=[], found=[]))
    assert bom.get("components", []) == []


def test_asset_id_and_location_beside_each_restricted_device(write, planted):
    from tests.reports.planted import ORG, restricted_placed

    bom = load(write("cyclonedx", devices=planted, found=[], org=ORG))
    by_ip = {props(c).get("camaudit:ip", [""])[0]: props(c) for c in bom["components"]}
    for ip, asset_id, location in restricted_placed(planted):
        assert by_ip[ip]["camaudit:asset_id"] == [asset_id]
        assert by_ip[ip]["camaudit:location"] == [location]
