"""Merge rules: what joins parts into one device, and what must not."""

from __future__ import annotations

from datetime import UTC, datetime

from camaudit.merge import Part, merge_parts


def _t(hour: int) -> datetime:
    return datetime(2026, 12, 1, hour, tzinfo=UTC)


def _groups(parts: list[Part], apart: tuple[str, ...] = ()) -> list[set[str]]:
    return sorted(({p.key for p in g} for g, _ in merge_parts(parts, apart)), key=sorted)


def _rules(parts: list[Part]) -> set[str]:
    return {s.rule for _, steps in merge_parts(parts) for s in steps}


def test_same_mac_merges_across_audits() -> None:
    parts = [Part("a", 1, ip="10.0.0.1", mac="aa"), Part("b", 2, ip="10.0.0.9", mac="aa")]
    assert _groups(parts) == [{"a", "b"}]
    assert _rules(parts) == {"mac"}


def test_same_serial_merges_case_insensitively() -> None:
    parts = [Part("a", 1, serial="ab123", register=True), Part("b", 2, serial="AB123")]
    assert _groups(parts) == [{"a", "b"}]
    assert _rules(parts) == {"serial"}


def test_same_ip_in_different_audits_merges() -> None:
    parts = [Part("reg", 1, ip="10.0.0.5", register=True), Part("scan", 2, ip="10.0.0.5")]
    assert _groups(parts) == [{"reg", "scan"}]
    assert _rules(parts) == {"ip"}


def test_dhcp_reuse_of_an_ip_by_another_mac_is_two_devices() -> None:
    parts = [
        Part("lease1", 1, ip="10.0.0.5", mac="aa", ts=_t(1)),
        Part("lease2", 2, ip="10.0.0.5", mac="bb", ts=_t(9)),
        Part("scan", 3, ip="10.0.0.5", ts=_t(8)),
    ]
    # the MAC-less scan joins the lease nearest in time; the two MACs never merge
    assert _groups(parts) == [{"lease1"}, {"lease2", "scan"}]


def test_different_serials_at_one_ip_do_not_merge() -> None:
    parts = [Part("a", 1, ip="10.0.0.5", serial="S1"), Part("b", 2, ip="10.0.0.5", serial="S2")]
    assert _groups(parts) == [{"a"}, {"b"}]


def test_parts_of_one_audit_do_not_merge_by_weak_rules() -> None:
    parts = [Part("a", 1, ip="10.0.0.5"), Part("b", 1, ip="10.0.0.5")]
    assert _groups(parts) == [{"a"}, {"b"}]


def test_asset_id_named_by_the_device_merges() -> None:
    parts = [
        Part("reg", 1, asset_id="CAM-0147", register=True),
        Part("scan", 2, ip="10.0.0.7", names=frozenset({"cam-0147"})),
    ]
    assert _groups(parts) == [{"reg", "scan"}]
    assert _rules(parts) == {"asset_id"}


def test_model_and_location_is_a_weak_hint_only_when_unique() -> None:
    one = [
        Part("reg", 1, model="DS-2CD2143G2-I", location="Gate", register=True),
        Part("dev", 2, model="ds-2cd2143g2-i", location="gate", ip="10.0.0.8"),
    ]
    assert _groups(one) == [{"reg", "dev"}]
    assert _rules(one) == {"model+location"}
    two = [*one, Part("dev2", 3, model="DS-2CD2143G2-I", location="Gate", ip="10.0.0.9")]
    assert _groups(two) == [{"dev"}, {"dev2"}, {"reg"}]


def test_two_register_rows_never_merge_by_ip() -> None:
    parts = [
        Part("r1", 1, ip="10.0.0.5", register=True),
        Part("r2", 2, ip="10.0.0.5", register=True),
    ]
    assert _groups(parts) == [{"r1"}, {"r2"}]


def test_split_parts_stay_apart() -> None:
    parts = [Part("a", 1, ip="10.0.0.1", mac="aa"), Part("b", 2, ip="10.0.0.1", mac="aa")]
    assert _groups(parts, ("b",)) == [{"a"}, {"b"}]
