"""build_fleet: determinism, mixes, addresses, subnets, ports, ground truth."""

from __future__ import annotations

import collections
import ipaddress
import json
import socket
from pathlib import Path

import pytest

from camaudit.errors import LabError
from camaudit.lab import build_fleet, detect_port_offset, load_personas
from camaudit.lab.fleet import FLEET_DIR
from camaudit.lab.persona import rotation_order
from tests.lab.lab_helpers import TEST_PORT_OFFSET

TRUTH_KEYS = {
    "ip",
    "manufacturer",
    "brand",
    "model",
    "firmware",
    "mac",
    "persona",
    "serial",
    "device_type",
    "ports",
    "credentials",
}


def test_same_seed_same_fleet(subnet: str) -> None:
    first = build_fleet(devices=12, subnet=subnet, seed=42, port_offset=0)
    second = build_fleet(devices=12, subnet=subnet, seed=42, port_offset=0)
    assert first.truth() == second.truth()
    assert [d.context for d in first.devices] == [d.context for d in second.devices]


def test_other_seed_other_identities(subnet: str) -> None:
    first = build_fleet(devices=12, subnet=subnet, seed=1, port_offset=0)
    second = build_fleet(devices=12, subnet=subnet, seed=2, port_offset=0)
    assert [d.mac for d in first.devices] != [d.mac for d in second.devices]
    assert [d.password for d in first.devices] != [d.password for d in second.devices]


def test_growing_a_fleet_keeps_earlier_devices(subnet: str) -> None:
    small = build_fleet(devices=3, subnet=subnet, seed=5, port_offset=0)
    large = build_fleet(devices=9, subnet=subnet, seed=5, port_offset=0)
    assert small.truth()["devices"] == large.truth()["devices"][:3]


def test_default_three_devices_one_per_vendor(subnet: str) -> None:
    fleet = build_fleet(devices=3, subnet=subnet, port_offset=0)
    assert sorted(d.manufacturer or "" for d in fleet.devices) == ["Axis", "Dahua", "Hikvision"]
    assert {d.brand for d in fleet.devices} == {"Hikvision", "Dahua", "AXIS"}


def test_default_mix_rotates_through_every_ranked_persona(subnet: str) -> None:
    order = rotation_order(load_personas())
    assert order[:3] == ["hikvision-ipc", "dahua-ipc", "axis-ipc"]
    fleet = build_fleet(devices=2 * len(order) + 1, subnet=subnet, port_offset=0)
    assert [d.persona for d in fleet.devices] == [*order, *order, order[0]]
    counts = collections.Counter(d.persona for d in fleet.devices)
    assert counts["hikvision-ipc"] == 3 and set(counts) == set(order)


def test_mix_counts_and_interleaving(subnet: str) -> None:
    fleet = build_fleet(subnet=subnet, mix={"hikvision-ipc": 3, "axis-ipc": 1}, port_offset=0)
    assert [d.persona for d in fleet.devices] == [
        "hikvision-ipc",
        "axis-ipc",
        "hikvision-ipc",
        "hikvision-ipc",
    ]


@pytest.mark.parametrize(
    "mix",
    [{"no-such-persona": 1}, {"axis-ipc": -1}, {"axis-ipc": 0}, {"axis-ipc": "2"}],
)
def test_bad_mix_rejected(subnet: str, mix: dict[str, int]) -> None:
    with pytest.raises(LabError):
        build_fleet(subnet=subnet, mix=mix, port_offset=0)


def test_addresses_consecutive_from_ten_skipping_zero_and_255() -> None:
    fleet = build_fleet(devices=300, subnet="127.40.0.0/16", port_offset=0)
    addresses = [ipaddress.IPv4Address(d.ip) for d in fleet.devices]
    assert str(addresses[0]) == "127.40.0.10"
    assert all(int(a) & 0xFF not in (0, 255) for a in addresses)
    assert str(addresses[245]) == "127.40.1.1"  # .10-.254 is 245 hosts, then .1.0 is skipped
    assert addresses == sorted(set(addresses))


def test_unique_macs_serials_and_valid_ouis() -> None:
    fleet = build_fleet(devices=600, subnet="127.41.0.0/16", port_offset=0)
    personas = load_personas()
    assert len({d.mac for d in fleet.devices}) == 600
    assert len({d.serial for d in fleet.devices}) == 600
    for device in fleet.devices:
        assert device.mac[:8].upper() in personas[device.persona].oui
        assert device.mac == device.mac.lower() and len(device.mac) == 17
        if device.persona == "axis-ipc":
            assert device.serial == device.mac.replace(":", "").upper()
        if device.persona == "hikvision-ipc":
            assert device.serial.startswith(device.model)


@pytest.mark.parametrize(
    "bad", ["10.0.0.0/24", "192.168.1.0/24", "0.0.0.0/0", "::1/128", "not-a-subnet", "128.0.0.0/8"]
)
def test_subnet_outside_loopback_rejected(bad: str) -> None:
    with pytest.raises(LabError, match=r"127\.0\.0\.0/8|not a valid CIDR"):
        build_fleet(devices=1, subnet=bad, port_offset=0)


def test_fleet_bigger_than_subnet_rejected() -> None:
    with pytest.raises(LabError, match="room for 5 devices"):
        build_fleet(devices=6, subnet="127.42.0.0/28", port_offset=0)
    assert len(build_fleet(devices=5, subnet="127.42.0.0/28", port_offset=0).devices) == 5


def test_zero_devices_rejected(subnet: str) -> None:
    with pytest.raises(LabError):
        build_fleet(devices=0, subnet=subnet, port_offset=0)


def test_truth_contract(subnet: str, tmp_path: Path) -> None:
    fleet = build_fleet(devices=3, subnet=subnet, seed=9, port_offset=TEST_PORT_OFFSET)
    truth = fleet.truth()
    assert set(truth) == {"devices", "subnet", "seed", "port_offset", "network"}
    assert truth["subnet"] == subnet and truth["seed"] == 9
    assert truth["port_offset"] == TEST_PORT_OFFSET
    for device in truth["devices"]:
        assert set(device) == TRUTH_KEYS
        assert set(device["credentials"]) == {"username", "password"}
        persona = load_personas()[device["persona"]]
        assert device["ports"] == {k: v + TEST_PORT_OFFSET for k, v in persona.ports.items()}
        assert device["ports"]["http"] == 80 + TEST_PORT_OFFSET
        assert device["device_type"] == "camera"
        assert all(isinstance(device[k], str) and device[k] for k in ("model", "firmware"))
    path = tmp_path / "sub" / "truth.json"
    fleet.write_truth(path)
    assert json.loads(path.read_text()) == truth


def test_demo_spec_by_name_and_by_path(tmp_path: Path) -> None:
    fleet = build_fleet(spec="demo", port_offset=0)
    assert fleet.subnet == "127.20.0.0/24" and fleet.seed == 2024
    counts = collections.Counter(d.persona for d in fleet.devices)
    assert counts == {"hikvision-ipc": 4, "dahua-ipc": 3, "axis-ipc": 3}
    same = build_fleet(spec=FLEET_DIR / "demo.yaml", port_offset=0)
    assert same.truth() == fleet.truth()
    custom = tmp_path / "f.yaml"
    custom.write_text("seed: 3\nsubnet: 127.43.0.0/24\nmix: {dahua-ipc: 2}\nport_offset: 123\n")
    fleet = build_fleet(spec=custom)
    assert [d.persona for d in fleet.devices] == ["dahua-ipc", "dahua-ipc"]
    assert fleet.port_offset == 123 and fleet.devices[0].ports["http"] == 203
    assert build_fleet(spec=custom, port_offset=7).port_offset == 7


def test_bad_spec_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("seed: 1\nsubnett: 127.0.0.0/24\n")
    with pytest.raises(LabError, match="unknown keys"):
        build_fleet(spec=bad)
    with pytest.raises(LabError, match="cannot read"):
        build_fleet(spec=tmp_path / "missing.yaml")


def test_port_offset_explicit_and_too_large(subnet: str) -> None:
    fleet = build_fleet(devices=2, subnet=subnet, port_offset=10000)
    assert all(d.ports["http"] == 10080 for d in fleet.devices)
    with pytest.raises(LabError, match="above 65535"):
        build_fleet(devices=1, subnet=subnet, port_offset=65500)
    with pytest.raises(LabError):
        build_fleet(devices=1, subnet=subnet, port_offset=-1)


def _can_bind_port_80(ip: str) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind((ip, 80))
        except PermissionError:
            return False
    return True


def test_port_offset_auto(subnet: str) -> None:
    fleet = build_fleet(devices=1, subnet=subnet)
    ip = fleet.devices[0].ip
    assert fleet.port_offset == (0 if _can_bind_port_80(ip) else 10000)
    assert fleet.port_offset == detect_port_offset(ip, 80)
    assert fleet.devices[0].ports["http"] == 80 + fleet.port_offset
