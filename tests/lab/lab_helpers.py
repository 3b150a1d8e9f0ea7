"""Helpers shared by the lab tests: unique 127.x subnets, a tiny HTTP client, a digest client."""

from __future__ import annotations

import dataclasses
import http.client
import itertools
import os
import sys
import urllib.error
import urllib.request
from pathlib import Path

try:
    import camaudit.lab  # noqa: F401
except ImportError:  # running from a checkout without `pip install -e .`
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))

from camaudit.lab import Fleet, LabDevice, build_fleet, load_personas
from camaudit.lab.fleet import allocate_addresses, load_fleet_spec, make_device, parse_subnet

# Unprivileged ports (HTTP 80 -> 20080) so the tests pass as root and as a normal user.
TEST_PORT_OFFSET = 20000
#: The hostile personas added for issue 15 (the reliability suite), one of each in its tests.
ADDED_HOSTILE = (
    "hostile-encoding-bomb",
    "hostile-chunked",
    "hostile-continue",
    "hostile-redirect",
    "hostile-deaf",
    "hostile-tls-slow",
    "hostile-soap-deep",
    "hostile-bad-text",
    "hostile-discovery-spoof",
)
_counter = itertools.count(1)


def _worker_index() -> int:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    digits = "".join(ch for ch in worker if ch.isdigit())
    return int(digits) if digits else 0


def unique_subnet() -> str:
    """A /24 that no other test (or xdist worker) of this run uses: 127.(21+w).(n).0/24."""
    second = 21 + _worker_index() % 200
    third = next(_counter) % 256
    return f"127.{second}.{third}.0/24"


def by_persona(fleet: Fleet, persona: str) -> LabDevice:
    return next(d for d in fleet.devices if d.persona == persona)


def request(
    device: LabDevice,
    path: str,
    method: str = "GET",
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, http.client.HTTPMessage, bytes]:
    conn = http.client.HTTPConnection(device.ip, device.ports["http"], timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def urllib_digest(device: LabDevice, path: str, password: str | None = None) -> tuple[int, bytes]:
    """GET with the standard library's own digest client (an independent implementation)."""
    manager = urllib.request.HTTPPasswordMgrWithDefaultRealm()
    manager.add_password(None, device.url(), device.username, password or device.password)
    opener = urllib.request.build_opener(urllib.request.HTTPDigestAuthHandler(manager))
    try:
        with opener.open(device.url(path=path), timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def pinned_fleet(subnet: str, wanted: list[tuple[str, str]], seed: int = 1) -> Fleet:
    """A fleet with exactly these (persona id, firmware prefix) devices, in this order."""
    personas = load_personas()
    devices: list[LabDevice] = []
    macs: set[str] = set()
    serials: set[str] = set()
    addresses = allocate_addresses(parse_subnet(subnet), len(wanted))
    for index, ((pid, prefix), ip) in enumerate(zip(wanted, addresses, strict=True)):
        persona = personas[pid]
        firmware = next(f for f in persona.firmware if f.version.startswith(prefix))
        model = next(m for m in persona.models if firmware in persona.firmware_for(m))
        pinned = dataclasses.replace(model, firmware=(firmware.version,))
        device = make_device(
            dataclasses.replace(persona, models=(pinned,)),
            ip,
            index=index,
            seed=seed,
            port_offset=TEST_PORT_OFFSET,
            taken_macs=macs,
            taken_serials=serials,
        )
        devices.append(device)
    return Fleet(devices, subnet, seed, TEST_PORT_OFFSET, personas)


def hostile_fleet(subnet: str, port_offset: int = TEST_PORT_OFFSET) -> Fleet:
    """The packaged hostile fleet (one device per hostile persona) moved to ``subnet``."""
    spec = load_fleet_spec("hostile")
    return build_fleet(mix=spec["mix"], subnet=subnet, seed=spec["seed"], port_offset=port_offset)
