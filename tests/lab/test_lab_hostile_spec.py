"""Hostile personas as data: the hostile: section, ground truth, fleets, and the flood's safety
rules (checked on the responder directly, without sending anything)."""

from __future__ import annotations

import asyncio
import collections
import ipaddress
from typing import Any

import pytest
import yaml

from camaudit.errors import LabError
from camaudit.lab import LabSettings, build_fleet, load_personas
from camaudit.lab.base import ConnectionTracker, LabResources, ServiceContext
from camaudit.lab.fleet import FLEET_DIR
from camaudit.lab.hostile import UdpFloodService
from camaudit.lab.hostile_spec import MAX_FLOOD_DATAGRAMS, parse_hostile_spec
from camaudit.lab.persona import PERSONA_DIR, parse_persona, rotation_order
from camaudit.lab.services import service_for
from camaudit.lab.shards import sockets_needed
from tests.lab.lab_helpers import unique_subnet

HOSTILE = sorted(pid for pid, p in load_personas().items() if p.hostile is not None)


def test_hostile_catalogue() -> None:
    assert set(HOSTILE) == {
        "hostile-tarpit",
        "hostile-slow-drip",
        "hostile-endless-body",
        "hostile-huge-header",
        "hostile-xxe",
        "hostile-xml-bomb",
        "hostile-xml-broken",
        "hostile-tls-broken",
        "hostile-tls-cert",
        "hostile-reset",
        "hostile-wrong-protocol",
        "hostile-udp-flood",
        "hostile-xml-encoding",
        "hostile-cert-version",
        "hostile-cert-oversized",
        "hostile-encoding-bomb",
        "hostile-chunked",
        "hostile-continue",
        "hostile-redirect",
        "hostile-deaf",
        "hostile-tls-slow",
        "hostile-soap-deep",
        "hostile-bad-text",
        "hostile-discovery-spoof",
    }
    kinds = set()
    for pid in HOSTILE:
        persona = load_personas()[pid]
        assert (persona.manufacturer, persona.brand, persona.rotation) == (None, None, None)
        assert persona.hostile is not None
        kinds |= {b.kind for b in persona.hostile.ports.values()}
    assert kinds == {
        "tarpit",
        "deaf",
        "stream",
        "reset",
        "tls_cert",
        "udp_silent",
        "udp_reply",
        "udp_flood",
    }


def test_default_rotation_never_includes_hostile_personas() -> None:
    assert not set(rotation_order(load_personas())) & set(HOSTILE)
    fleet = build_fleet(devices=500, subnet="127.30.0.0/16", port_offset=0)
    assert all(d.manufacturer is not None for d in fleet.devices)


def test_hostile_fleet_has_each_persona_once_with_null_truth() -> None:
    fleet = build_fleet(spec="hostile", port_offset=0)
    truth = fleet.truth()["devices"]
    assert sorted(d["persona"] for d in truth) == HOSTILE
    assert all(d["manufacturer"] is None and d["brand"] is None for d in truth)
    assert ipaddress.ip_network(fleet.subnet) == ipaddress.ip_network("127.61.0.0/24")


def test_bench_fleet_mixes_five_percent_hostile_into_the_rotation() -> None:
    first = build_fleet(spec="bench-1024", port_offset=0)
    assert first.truth() == build_fleet(spec="bench-1024", port_offset=0).truth()
    assert len(first.devices) == 1024
    network = ipaddress.ip_network("127.60.0.0/20")
    assert all(ipaddress.ip_address(d.ip) in network for d in first.devices)
    counts = collections.Counter(d.persona for d in first.devices)
    hostile = sum(counts[pid] for pid in HOSTILE)
    assert 0.04 <= hostile / 1024 <= 0.065
    assert set(counts) == set(HOSTILE) | set(rotation_order(load_personas()))
    positions = [i for i, d in enumerate(first.devices) if d.manufacturer is None]
    assert positions[0] < 100 < 900 < positions[-1]  # scattered, not bunched at the start


def test_fill_and_shuffle(subnet: str) -> None:
    mix = {"hostile-reset": 2}
    fleet = build_fleet(devices=10, subnet=subnet, mix=mix, fill=True, port_offset=0)
    personas = [d.persona for d in fleet.devices]
    assert personas[:2] == ["hostile-reset"] * 2
    assert personas[2:] == rotation_order(load_personas())[:8]
    shuffled = build_fleet(
        devices=10, subnet=subnet, mix=mix, fill=True, shuffle=True, port_offset=0, seed=3
    )
    assert sorted(d.persona for d in shuffled.devices) == sorted(personas)
    with pytest.raises(LabError, match="fewer than the mix"):
        build_fleet(devices=1, subnet=subnet, mix=mix, fill=True, port_offset=0)
    # without fill a mix still decides alone
    assert len(build_fleet(devices=10, subnet=subnet, mix=mix, port_offset=0).devices) == 2


def test_packaged_fleet_files_are_valid() -> None:
    for file in FLEET_DIR.glob("*.yaml"):
        assert build_fleet(spec=file, port_offset=0).devices, file


def _raw(pid: str) -> dict[str, Any]:
    data = yaml.safe_load((PERSONA_DIR / f"{pid}.yaml").read_text())
    assert isinstance(data, dict)
    return data


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"http": {"kind": "sleep"}}, "kind"),
        ({"http": {"kind": "tarpit", "rate": 1}}, "unknown keys"),
        ({"http": {"kind": "stream", "send": "a", "send_b64": "YQ=="}}, "not both"),
        ({"http": {"kind": "stream", "send_b64": "!!"}}, "base64"),
        ({"http": {"kind": "stream", "then": "explode"}}, "then"),
        ({"http": {"kind": "tls_cert", "variant": "valid"}}, "variant"),
        ({"wsd": {"kind": "udp_flood", "pad": 10, "count": MAX_FLOOD_DATAGRAMS + 1}}, "count"),
        ({"wsd": {"kind": "udp_flood", "pad": 10, "rate": 50_000}}, "datagrams per second"),
        ({"wsd": {"kind": "udp_flood"}}, "payload or pad"),
        ({"ssh": {"kind": "tarpit"}}, "missing from ports"),
    ],
)
def test_hostile_section_errors(change: dict[str, Any], message: str) -> None:
    data = _raw("hostile-tarpit")
    data["hostile"] = {**data["hostile"], **change}
    if "wsd" not in change:
        data["hostile"]["wsd"] = {"kind": "udp_silent"}
    with pytest.raises(LabError, match=message):
        parse_persona(data)


def test_hostile_ports_need_no_protocol_section() -> None:
    data = _raw("hostile-tarpit")
    assert "onvif" not in data and "wsd" in data["ports"]  # wsd normally needs onvif:
    del data["hostile"]["wsd"]
    with pytest.raises(LabError, match=r"ports\.wsd needs"):
        parse_persona(data)
    with pytest.raises(LabError, match="at least one"):
        parse_hostile_spec({})


def test_hostile_ports_are_served_by_hostile_services(subnet: str) -> None:
    personas = load_personas()
    xxe = personas["hostile-xxe"]
    assert service_for(xxe, "http") == "http"  # a normal web app with hostile documents
    assert service_for(xxe, "wsd") == "hostile-udp_reply"
    assert service_for(personas["hostile-tarpit"], "rtsp") == "hostile-tarpit"
    fleet = build_fleet(subnet=subnet, mix={"hostile-tarpit": 1, "hostile-xxe": 1}, port_offset=0)
    assert sockets_needed(fleet) == 10 + 2


class FakeTransport:
    def __init__(self) -> None:
        self.sent: list[tuple[bytes, Any]] = []

    def sendto(self, data: bytes, addr: Any) -> None:
        self.sent.append((data, addr))

    def close(self) -> None:
        pass


def test_flood_never_leaves_loopback_and_stays_bounded() -> None:
    fleet = build_fleet(subnet=unique_subnet(), mix={"hostile-udp-flood": 1}, port_offset=0)
    device = fleet.devices[0]

    async def scenario() -> tuple[list[int], int]:
        ctx = ServiceContext(
            device,
            load_personas()["hostile-udp-flood"],
            "wsd",
            device.ip,
            3702,
            b"k" * 32,
            LabSettings(),
            ConnectionTracker(),
            LabResources(),
        )
        service = UdpFloodService(ctx)
        service.rate = 100_000.0  # fast for the test; the cap on the count is what matters
        transport = FakeTransport()
        service.transport = transport  # type: ignore[assignment]
        probe = b"<Probe/>"
        for source in [
            ("10.231.0.2", 5000),  # a namespace address: never flooded
            ("192.0.2.1", 5000),
            ("239.255.255.250", 3702),
            ("127.0.0.1", 0),
        ]:
            service.datagram_received(probe, source)
        assert service._flood is None and service.dropped == 4
        service.datagram_received(b"no trigger here", ("127.0.0.1", 5000))
        assert service._flood is None
        counts = []
        for _ in range(4):  # one flood at a time, then the per-source limit (burst 2)
            service.datagram_received(probe, ("127.0.0.1", 5000))
            service.datagram_received(probe, ("127.0.0.1", 5000))
            if service._flood is not None:
                await service._flood
            counts.append(len(transport.sent))
        service.close()
        return counts, max(len(data) for data, _ in transport.sent)

    counts, largest = asyncio.run(scenario())
    assert counts[:2] == [MAX_FLOOD_DATAGRAMS, 2 * MAX_FLOOD_DATAGRAMS]
    assert counts[-1] == 2 * MAX_FLOOD_DATAGRAMS  # the source's floods are spent
    assert largest <= 1400
