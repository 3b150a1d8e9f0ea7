"""Comparing two audits: new, removed, changed, replaced."""

from __future__ import annotations

import pytest

from camaudit.assess import ChangeKind, diff
from camaudit.errors import InputError
from camaudit.identify import Identifier
from camaudit.models import Device, DeviceType, Identity, Restriction
from tests.assess.fleet import axis_basic_info, isapi_device_info, onvif


def dev(
    key,
    maker=None,
    *,
    ip=None,
    site="HQ",
    dtype=DeviceType.CAMERA,
    fw=None,
    restricted=False,
    org="Org",
):
    ident = Identity(
        manufacturer=maker,
        firmware=fw,
        device_type=dtype,
        restricted=[Restriction("ndaa-889", "made by x")] if restricted else [],
    )
    return Device(key, org, ident, site=site, ip=ip)


def test_new_removed_changed_unchanged():
    a = [dev("k1", "Axis", ip="10.0.0.1", fw="9.80.3.1"), dev("k2", "Axis"), dev("k3", "Bosch")]
    b = [dev("k1", "Axis", ip="10.0.0.1", fw="10.12.182"), dev("k2", "Axis"), dev("k4", "Bosch")]
    result = diff(a, b)
    assert [d.key for d in result.new] == ["k4"]
    assert [d.key for d in result.removed] == ["k3"]
    assert result.unchanged == ("k2",)
    (change,) = result.changed
    assert change.kinds == (ChangeKind.FIRMWARE,)
    assert [(c.field, c.before, c.after) for c in change.changes] == [
        ("firmware", "9.80.3.1", "10.12.182")
    ]


def test_identity_and_location_changes():
    result = diff([dev("k", "Hikvision", ip="10.0.0.1")], [dev("k", "Axis", ip="10.0.0.2")])
    (change,) = result.changed
    assert change.kinds == (ChangeKind.IDENTITY, ChangeKind.LOCATION)
    assert {c.field for c in change.changes} == {"manufacturer", "ip"}


def test_replacement_at_the_same_address():
    old = dev("mac:hik", "Hikvision", ip="10.0.0.5", restricted=True)
    new = dev("mac:axis", "Axis", ip="10.0.0.5")
    other = dev("mac:bosch", "Bosch", ip="10.0.0.9")
    result = diff([old], [new, other])
    (rep,) = result.replaced
    assert (rep.removed.key, rep.added.key) == ("mac:hik", "mac:axis")
    assert rep.matched_on == "same address 10.0.0.5"
    assert [d.key for d in result.new] == ["mac:bosch"] and result.removed == ()


def test_replacement_on_the_same_site_needs_the_same_type():
    old = dev("hik-nvr", "Hikvision", ip="10.0.0.5", dtype=DeviceType.NVR, restricted=True)
    cam = dev("axis-cam", "Axis", ip="10.0.0.6")
    nvr = dev("new-nvr", "Bosch", ip="10.0.0.7", dtype=DeviceType.NVR)
    result = diff([old], [cam, nvr])
    (rep,) = result.replaced
    assert rep.added.key == "new-nvr" and rep.matched_on == "same site HQ"


@pytest.mark.parametrize(
    "new",
    [
        dev("n", "Dahua", ip="10.0.0.5", restricted=True),  # restricted replaced by restricted
        dev("n", "Axis", ip="10.0.0.5", site="Depot"),  # other site
        dev("n", "Axis", ip="10.0.0.5", org="Other Org"),  # other organisation
        dev("n", "Axis", ip="10.0.0.5", dtype=DeviceType.NVR),  # other type
    ],
)
def test_not_a_replacement(new):
    old = dev("o", "Hikvision", ip="10.0.0.5", restricted=True)
    result = diff([old], [new])
    assert result.replaced == () and [d.key for d in result.new] == ["n"]


def test_non_restricted_removed_is_not_replaced():
    result = diff([dev("o", "Bosch", ip="10.0.0.5")], [dev("n", "Axis", ip="10.0.0.5")])
    assert result.replaced == ()


def test_pairing_does_not_depend_on_order():
    olds = [dev(f"o{i}", "Hikvision", ip=None, restricted=True) for i in range(3)]
    news = [dev(f"n{i}", "Axis") for i in range(2)]
    one = diff(olds, news)
    two = diff(list(reversed(olds)), list(reversed(news)))
    assert one.to_dict() == two.to_dict()
    assert len(one.replaced) == 2 and len(one.removed) == 1


def test_duplicate_keys_are_an_input_error():
    with pytest.raises(InputError, match="appears twice"):
        diff([dev("k"), dev("k")], [])


def test_with_identified_devices():
    ident = Identifier()
    hik = Device(
        "ip:127.31.0.5",
        "Org",
        ident.identify(
            [isapi_device_info("DS-2CD2143G0-I", "V5.5.0", "build 170914", "c4:2f:90:00:00:01")]
        ),
        site="HQ",
        ip="127.31.0.5",
    )
    lts = Device(
        "ip:127.31.0.6",
        "Org",
        ident.identify([onvif("LTS", "CMIP3C42W-28", "V5.5.0 build 170914", "S1")]),
        site="HQ",
        ip="127.31.0.6",
    )
    axis = Device(
        "mac:b8a44f000001",
        "Org",
        ident.identify([axis_basic_info("P3245-LVE", "10.12.182", "B8A44F000001")]),
        site="HQ",
        ip="127.31.0.5",
    )
    result = diff([hik, lts], [axis, lts])
    assert [(r.removed.key, r.added.key) for r in result.replaced] == [
        ("ip:127.31.0.5", "mac:b8a44f000001")
    ]
    assert result.unchanged == ("ip:127.31.0.6",)
    assert result.summary() == {"new": 0, "removed": 0, "changed": 0, "replaced": 1, "unchanged": 1}
