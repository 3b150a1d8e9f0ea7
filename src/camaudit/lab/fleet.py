"""A fleet: emulated devices on consecutive 127.x.y.z addresses, with their ground truth.

``build_fleet`` is deterministic for a seed: each device draws its model, firmware, MAC, serial,
variables and password from its own RNG seeded by (seed, index, persona), so adding devices at the
end does not change the ones before. Only 127.0.0.0/8 is accepted, or in the namespace mode
(``netns=True``) the private range :data:`NETNS_NETWORK`, which exists only inside the network
namespaces the lab creates (:mod:`camaudit.lab.netns`).
"""

from __future__ import annotations

import errno
import hashlib
import ipaddress
import json
import random
import socket
import string
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from camaudit.errors import LabError
from camaudit.lab.persona import Persona, load_personas, rotation_order
from camaudit.lab.templates import resolve_vars

LOOPBACK = ipaddress.IPv4Network("127.0.0.0/8")
# The namespace mode's addresses: configured only inside the lab's own namespaces, never in the
# host's, so nothing outside them can send there (design.md, "multicast tests").
NETNS_NETWORK = ipaddress.IPv4Network("10.231.0.0/16")
DEFAULT_NETNS_SUBNET = str(NETNS_NETWORK)
FLEET_DIR = Path(__file__).parent / "fleets"
FIRST_HOST_OFFSET = 10
UNPRIVILEGED_OFFSET = 10000
DEFAULT_SUBNET = "127.20.0.0/16"
_SPEC_KEYS = {"seed", "subnet", "mix", "devices", "port_offset", "description", "shuffle"}


@dataclass(slots=True)
class LabDevice:
    """One emulated device. ``context`` is the flat template context its servers render with."""

    ip: str
    persona: str
    manufacturer: str | None
    brand: str | None
    model: str
    firmware: str
    mac: str
    serial: str
    device_type: str
    username: str
    password: str
    ports: dict[str, int]
    context: dict[str, str] = field(default_factory=dict, repr=False)

    def url(self, protocol: str = "http", path: str = "/") -> str:
        """``http://<ip>:<port><path>`` for a protocol this device serves."""
        return f"{protocol}://{self.ip}:{self.ports[protocol]}{path}"

    def truth(self) -> dict[str, Any]:
        return {
            "ip": self.ip,
            "manufacturer": self.manufacturer,
            "brand": self.brand,
            "model": self.model,
            "firmware": self.firmware,
            "mac": self.mac,
            "persona": self.persona,
            "serial": self.serial,
            "device_type": self.device_type,
            "ports": dict(self.ports),
            "credentials": {"username": self.username, "password": self.password},
        }


@dataclass(slots=True)
class Fleet:
    devices: list[LabDevice]
    subnet: str
    seed: int
    port_offset: int
    personas: dict[str, Persona] = field(default_factory=dict, repr=False, compare=False)
    netns: bool = False  # addresses live inside the lab's network namespaces

    def truth(self) -> dict[str, Any]:
        """Ground truth (contract): devices plus subnet, seed, port offset and network mode."""
        return {
            "devices": [device.truth() for device in self.devices],
            "subnet": self.subnet,
            "seed": self.seed,
            "port_offset": self.port_offset,
            "network": "netns" if self.netns else "loopback",
        }

    def write_truth(self, path: str | Path, extra: Mapping[str, Any] | None = None) -> None:
        """Write :meth:`truth` (plus ``extra`` top-level keys) as JSON."""
        target = Path(path)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            truth = {**self.truth(), **(extra or {})}
            target.write_text(json.dumps(truth, indent=2) + "\n", encoding="utf-8")
        except OSError as exc:
            raise LabError(f"cannot write ground truth to {target}: {exc}") from exc

    def device(self, ip: str) -> LabDevice:
        for device in self.devices:
            if device.ip == ip:
                return device
        raise KeyError(ip)


def parse_subnet(subnet: str, *, netns: bool = False) -> ipaddress.IPv4Network:
    """Parse a CIDR and insist it lies inside 127.0.0.0/8 (inside :data:`NETNS_NETWORK` in the
    namespace mode)."""
    try:
        network = ipaddress.ip_network(str(subnet).strip(), strict=False)
    except ValueError as exc:
        raise LabError(f"lab subnet {subnet!r} is not a valid CIDR: {exc}") from exc
    allowed = NETNS_NETWORK if netns else LOOPBACK
    if not isinstance(network, ipaddress.IPv4Network) or not network.subnet_of(allowed):
        where = "the namespaces' private range" if netns else "loopback addresses"
        raise LabError(f"lab subnet {subnet} is outside {allowed}: the lab only binds {where}")
    return network


def allocate_addresses(network: ipaddress.IPv4Network, count: int) -> list[str]:
    """``count`` consecutive host addresses from network + 10, skipping .0 and .255."""
    first = int(network.network_address) + FIRST_HOST_OFFSET
    last = int(network.broadcast_address) - 1
    out: list[str] = []
    value = first
    while len(out) < count and value <= last:
        if value & 0xFF not in (0, 0xFF):
            out.append(str(ipaddress.IPv4Address(value)))
        value += 1
    if len(out) < count:
        raise LabError(
            f"lab subnet {network} has room for {len(out)} devices "
            f"(from .{FIRST_HOST_OFFSET} on, skipping .0/.255), not {count}"
        )
    return out


def detect_port_offset(ip: str = "127.0.0.1", port: int = 80) -> int:
    """0 if this process may bind privileged ports (tested by trying), else 10000."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((ip, port))
        except PermissionError:
            return UNPRIVILEGED_OFFSET
        except OSError as exc:
            # In use means we had the right to bind it; anything else: play safe.
            return 0 if exc.errno == errno.EADDRINUSE else UNPRIVILEGED_OFFSET
    return 0


def load_fleet_spec(spec: str | Path) -> dict[str, Any]:
    """Read a fleet YAML file; a bare name such as ``demo`` means a packaged fleet."""
    path = Path(spec)
    packaged = FLEET_DIR / f"{spec}.yaml"
    if not path.exists() and isinstance(spec, str) and packaged.exists():
        path = packaged
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise LabError(f"cannot read fleet file {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise LabError(f"fleet file {path}: expected a mapping at the top level")
    unknown = set(data) - _SPEC_KEYS
    if unknown:
        raise LabError(f"fleet file {path}: unknown keys {sorted(unknown)}")
    return data


def _rotation(devices: int, personas: Mapping[str, Persona], minimum: int = 1) -> list[str]:
    order = rotation_order(personas)
    if not order:
        raise LabError("no persona is in the default rotation; give a mix")
    if isinstance(devices, bool) or not isinstance(devices, int) or devices < minimum:
        raise LabError(f"a fleet needs at least {minimum} device(s) here (got {devices!r})")
    return [order[i % len(order)] for i in range(devices)]


def _plan(
    devices: int,
    mix: Mapping[str, int] | None,
    personas: Mapping[str, Persona],
    *,
    fill: bool = False,
) -> list[str]:
    """Persona id per device, in address order (a mix is interleaved round-robin). With
    ``fill``, the devices beyond the mix's count follow the default rotation."""
    if mix is None:
        return _rotation(devices, personas)
    if not isinstance(mix, Mapping) or not mix:
        raise LabError("a fleet mix must map persona ids to device counts")
    remaining: dict[str, int] = {}
    for pid, count in mix.items():
        if pid not in personas:
            raise LabError(f"unknown persona {pid!r} in fleet mix (known: {sorted(personas)})")
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise LabError(f"fleet mix count for {pid} must be a whole number >= 0")
        remaining[pid] = count
    plan: list[str] = []
    while any(remaining.values()):
        for pid in remaining:
            if remaining[pid]:
                plan.append(pid)
                remaining[pid] -= 1
    if fill:
        if isinstance(devices, bool) or not isinstance(devices, int) or devices < len(plan):
            raise LabError(f"fleet devices ({devices!r}) fewer than the mix's {len(plan)}")
        plan += _rotation(devices - len(plan), personas, minimum=0)
    if not plan:
        raise LabError("a fleet needs at least one device (the mix counts are all zero)")
    return plan


def _password(rng: random.Random) -> str:
    pools = [string.ascii_uppercase, string.ascii_lowercase, string.digits]
    chars = [rng.choice(pool) for pool in pools for _ in range(3)]
    chars += [rng.choice(string.ascii_letters + string.digits) for _ in range(3)]
    rng.shuffle(chars)
    return "".join(chars)


def _mac(persona: Persona, rng: random.Random, taken: set[str]) -> str:
    for _ in range(1000):
        tail = [rng.randrange(256) for _ in range(3)]
        mac = persona.oui[rng.randrange(len(persona.oui))].lower() + "".join(
            f":{b:02x}" for b in tail
        )
        if mac not in taken:
            taken.add(mac)
            return mac
    raise LabError(f"persona {persona.id}: cannot draw a unique MAC address")  # pragma: no cover


def make_device(
    persona: Persona,
    ip: str,
    *,
    index: int,
    seed: int,
    port_offset: int,
    taken_macs: set[str],
    taken_serials: set[str],
) -> LabDevice:
    """Draw one device of ``persona`` at ``ip`` (deterministic for seed, index and persona)."""
    rng = random.Random(f"camaudit-lab|{seed}|{index}|{persona.id}")
    model = persona.models[rng.randrange(len(persona.models))]
    choices = persona.firmware_for(model)
    firmware = choices[rng.randrange(len(choices))]
    mac = _mac(persona, rng, taken_macs)
    ports: dict[str, int] = {}
    for proto, port in persona.ports.items():
        ports[proto] = port + port_offset
        if ports[proto] > 65535:
            raise LabError(f"port offset {port_offset} puts {proto} port {port} above 65535")
    plain = mac.replace(":", "")
    digest = hashlib.sha256(f"{persona.id}|{mac}|{index}|{seed}".encode()).hexdigest()
    identity = {
        "model": model.name,
        "firmware": firmware.version,
        "mac": mac,
        "mac_upper": mac.upper(),
        "mac_plain": plain.upper(),
        "mac_plain_lower": plain,
        "mac_dash": mac.replace(":", "-"),
        "ip": ip,
        "gateway": str(ipaddress.IPv4Network(f"{ip}/24", strict=False).network_address + 1),
        "model_url": urllib.parse.quote(model.name, safe="-_.~"),
        "manufacturer": persona.manufacturer or "",
        "brand": persona.brand or "",
        "device_type": persona.device_type,
        "persona": persona.id,
        # A stable per-device UUID (version 4 layout), derived without touching the RNG.
        "uuid": f"{digest[:8]}-{digest[8:12]}-4{digest[13:16]}-a{digest[17:20]}-{digest[20:32]}",
        **{f"{proto}_port": str(port) for proto, port in ports.items()},
    }
    raw = persona.var_templates(model, firmware)
    raw["serial"] = persona.serial
    for _ in range(1000):
        resolved = resolve_vars(raw, identity, rng)
        if resolved["serial"] not in taken_serials:
            break
    else:  # pragma: no cover - needs a serial template with almost no randomness
        raise LabError(f"persona {persona.id}: cannot draw a unique serial number")
    taken_serials.add(resolved["serial"])
    password = persona.credentials.password or _password(rng)
    return LabDevice(
        ip=ip,
        persona=persona.id,
        manufacturer=persona.manufacturer,
        brand=persona.brand,
        model=model.name,
        firmware=firmware.version,
        mac=mac,
        serial=resolved["serial"],
        device_type=persona.device_type,
        username=persona.credentials.username,
        password=password,
        ports=ports,
        context={**resolved, **identity},
    )


def build_fleet(
    devices: int = 3,
    subnet: str | None = None,
    seed: int = 1,
    mix: dict[str, int] | None = None,
    spec: str | Path | None = None,
    port_offset: int | None = None,
    personas: Mapping[str, Persona] | None = None,
    *,
    fill: bool = False,
    shuffle: bool = False,
    netns: bool = False,
) -> Fleet:
    """Build a deterministic fleet.

    ``mix`` ({persona id: count}) overrides ``devices``; without it devices rotate through the
    personas that have a ``rotation`` rank (hostile personas never have one). With ``fill`` the
    mix gives some devices and the rotation the rest, up to ``devices``; ``shuffle`` scatters the
    devices over the addresses (seeded). ``spec`` is a fleet YAML file (or the name of a packaged
    one, e.g. ``"demo"``) whose ``seed``, ``subnet``, ``mix``, ``devices``, ``shuffle`` and
    ``port_offset`` replace the corresponding arguments (a spec with both ``devices`` and ``mix``
    fills); an explicit ``port_offset`` argument still wins. ``port_offset=None`` means: 0 if
    privileged ports can be bound here, else 10000.

    ``netns=True`` builds for the namespace mode: addresses in :data:`NETNS_NETWORK` (default
    ``subnet`` the whole range; a spec's loopback subnet is replaced by it) and port offset 0.
    """
    if subnet is None:
        subnet = DEFAULT_NETNS_SUBNET if netns else DEFAULT_SUBNET
    if spec is not None:
        data = load_fleet_spec(spec)
        seed = data.get("seed", seed)
        if "subnet" in data and (not netns or _inside(data["subnet"], NETNS_NETWORK)):
            subnet = data["subnet"]
        mix = data.get("mix", mix)
        devices = data.get("devices", devices)
        fill = fill or ("mix" in data and "devices" in data)
        shuffle = bool(data.get("shuffle", shuffle))
        if port_offset is None:
            port_offset = data.get("port_offset")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise LabError(f"fleet seed must be an integer (got {seed!r})")
    network = parse_subnet(subnet, netns=netns)
    catalogue = dict(personas) if personas is not None else load_personas()
    plan = _plan(devices, mix, catalogue, fill=fill)
    if shuffle:
        random.Random(f"camaudit-lab-plan|{seed}").shuffle(plan)
    addresses = allocate_addresses(network, len(plan))
    if port_offset is None and netns:
        port_offset = 0  # root, inside namespaces of our own
    if port_offset is None:
        low = [p for pid in set(plan) for p in catalogue[pid].ports.values() if p < 1024]
        port_offset = detect_port_offset(addresses[0], min(low)) if low else 0
    if isinstance(port_offset, bool) or not isinstance(port_offset, int) or port_offset < 0:
        raise LabError(f"port offset must be a whole number >= 0 (got {port_offset!r})")
    macs: set[str] = set()
    serials: set[str] = set()
    built = [
        make_device(
            catalogue[pid],
            ip,
            index=index,
            seed=seed,
            port_offset=port_offset,
            taken_macs=macs,
            taken_serials=serials,
        )
        for index, (pid, ip) in enumerate(zip(plan, addresses, strict=True))
    ]
    return Fleet(
        devices=built,
        subnet=str(network),
        seed=seed,
        port_offset=port_offset,
        personas=catalogue,
        netns=netns,
    )


def _inside(subnet: Any, network: ipaddress.IPv4Network) -> bool:
    try:
        candidate = ipaddress.ip_network(str(subnet).strip(), strict=False)
    except ValueError:
        return False
    return isinstance(candidate, ipaddress.IPv4Network) and candidate.subnet_of(network)
