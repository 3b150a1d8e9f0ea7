"""Remediation plan: ordering, grouping, costs, and the cost table."""

from __future__ import annotations

import pytest

from camaudit.assess import ActionKind, assess, load_costs, load_costs_from
from camaudit.errors import InputError, KnowledgeBaseError
from camaudit.models import Device, DeviceType, Evidence, EvidenceKind, Identity, Sensitivity


def device(
    key: str, site: str, maker: str | None, dtype: DeviceType = DeviceType.CAMERA, **kw: str
) -> Device:
    return Device(key, "Org", Identity(manufacturer=maker, device_type=dtype, **kw), site=site)


SENS = {"std": Sensitivity.STANDARD, "sens": Sensitivity.SENSITIVE, "crit": Sensitivity.CRITICAL}


def run(devices, evidence=None, costs=None):
    evidence = evidence or {}
    return assess(
        devices,
        evidence_of=lambda d: evidence.get(d.key, []),
        sensitivity_of=lambda d: SENS[d.site],
        costs=costs,
    )


def test_order_and_costs():
    devices = [
        device("c1", "crit", "Hikvision", DeviceType.NVR),
        device("s1", "sens", "Dahua"),
        device("s2", "sens", "Hikvision", DeviceType.PTZ),
        device(
            "t1",
            "std",
            "Dahua",
            model="IPC-HDW5831R-ZE",
            firmware="2.622.0000000.31.R, build: 2018-11-23",
        ),
        device("a1", "crit", "Axis"),
        device("u1", "sens", None),
    ]
    evidence = {
        "a1": [
            Evidence(
                EvidenceKind.RTSP,
                b"RTSP/1.0 200 OK\r\nContent-Type: application/sdp\r\n\r\nv=0\r\nm=video 0 RTP/AVP 96\r\n",
            )
        ]
    }
    plan = run(devices, evidence).plan
    steps = [(a.kind, set(a.devices)) for a in plan.actions]
    assert steps == [
        (ActionKind.REPLACE, {"c1"}),  # critical site first
        (ActionKind.REPLACE, {"s1", "s2"}),  # then sensitive sites
        (ActionKind.PATCH, {"t1"}),  # KEV
        (ActionKind.HARDEN, {"a1"}),  # open RTSP stream
        (ActionKind.ISOLATE, {"t1"}),  # covered kit on a standard site
        (ActionKind.REVIEW, {"u1"}),  # unidentified
        (ActionKind.PLAN_REPLACEMENT, {"t1"}),
    ]
    assert [a.order for a in plan.actions] == list(range(1, len(plan.actions) + 1))
    costs = load_costs().unit_costs
    assert plan.actions[0].cost is not None and plan.actions[0].cost.total == costs["nvr"]
    assert plan.actions[1].cost is not None
    assert plan.actions[1].cost.total == costs["camera"] + costs["ptz"]
    assert plan.replacement_now == costs["nvr"] + costs["camera"] + costs["ptz"]
    assert plan.replacement_planned == costs["camera"]
    assert plan.total == plan.replacement_now + plan.replacement_planned
    assert "CVE-2021-33044" in plan.actions[2].rules and "KEV" in plan.actions[2].title
    assert "placeholder" in plan.cost_note.lower()


def test_devices_in_an_action_are_highest_risk_first():
    devices = [device("s-old", "sens", "Hikvision"), device("crit", "crit", "Hikvision")]
    plan = run(devices).plan
    isolate_or_patch = [a for a in plan.actions if a.kind is ActionKind.REPLACE]
    assert [a.devices for a in isolate_or_patch] == [("crit",), ("s-old",)]


def test_custom_cost_table(tmp_path):
    path = tmp_path / "costs.yaml"
    types = [
        "camera",
        "nvr",
        "dvr",
        "encoder",
        "ptz",
        "thermal",
        "doorbell",
        "access-control",
        "other",
        "unknown",
    ]
    path.write_text(
        "currency: EUR\nnote: ours\nunit_costs:\n" + "".join(f"  {t}: 100\n" for t in types)
    )
    plan = run(
        [device("c1", "crit", "Hikvision")], costs=load_costs_from(path, error=InputError)
    ).plan
    assert plan.currency == "EUR" and plan.replacement_now == 100


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("currency: GBP\nnote: n\nunit_costs: {camera: 1}\n", "missing"),
        ("currency: pounds\nnote: n\nunit_costs: {}\n", "currency"),
    ],
)
def test_bad_cost_table(tmp_path, body, message):
    path = tmp_path / "costs.yaml"
    path.write_text(body)
    with pytest.raises(KnowledgeBaseError, match=message):
        load_costs_from(path)


def test_nothing_to_do_gives_an_empty_plan():
    plan = run([device("a", "std", "Axis")]).plan
    assert plan.actions == () and plan.total == 0
