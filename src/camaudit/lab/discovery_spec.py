"""Persona sections for the UDP discovery protocols: ``sadp:``, ``dhip:``, ``ssdp:``, ``mdns:``.

(WS-Discovery takes its identity from the ``onvif:`` section.) Every string is a template over
the device context.

    sadp:                      # Hikvision SADP ProbeMatch elements after Uuid and Types
      fields: [[DeviceType, "140071"], [DeviceDescription, "{model}"], [MAC, "{mac_dash}"], ...]
    dhip:                      # Dahua DHDiscover reply: deviceInfo members, in order
      random: false            # add a top-level "random" member
      fields: [[DeviceClass, IPC], [HttpPort, "{http_port}", int], [IPv4Address, "", ipv4], ...]
    ssdp:
      server: "Linux/4.9, UPnP/1.0, Portable SDK for UPnP devices/1.6.22"
      location: "http://{ip}:{http_port}/rootdesc1.xml"
      uuid: "Upnp-BasicDevice-1_0-{mac_plain}"
      targets: [upnp:rootdevice, "urn:schemas-upnp-org:device:Basic:1"]
    mdns:
      hostname: "axis-{mac_plain_lower}"          # ".local" is added
      services:
        - {type: _axis-video._tcp, instance: "AXIS {model} - {mac_plain}", port: "{http_port}",
           txt: ["macaddress={mac_plain}"]}
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from camaudit.lab.spec_parsing import (
    FieldSpec,
    check_keys,
    fail,
    field_templates,
    fields,
    flag,
    mapping,
    number,
    optional_text,
    text,
    text_list,
)

_XML_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$")
_SERVICE_TYPE = re.compile(r"^_[a-z0-9-]{1,15}\._(tcp|udp)$")
DHIP_TYPES = ("str", "int", "bool", "ipv4", "ipv6")


@dataclass(frozen=True, slots=True)
class SadpSpec:
    fields: tuple[FieldSpec, ...]

    def templates(self) -> Iterator[str]:
        yield from field_templates(self.fields)


@dataclass(frozen=True, slots=True)
class DhipField:
    name: str
    value: str
    kind: str = "str"


@dataclass(frozen=True, slots=True)
class DhipSpec:
    fields: tuple[DhipField, ...]
    random: bool = False

    def templates(self) -> Iterator[str]:
        yield from (f.value for f in self.fields)


@dataclass(frozen=True, slots=True)
class SsdpSpec:
    server: str
    location: str
    uuid: str
    targets: tuple[str, ...]
    max_age: int = 1800

    def templates(self) -> Iterator[str]:
        yield from (self.server, self.location, self.uuid)
        yield from self.targets


@dataclass(frozen=True, slots=True)
class MdnsService:
    type: str
    instance: str
    port: str
    txt: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class MdnsSpec:
    hostname: str
    services: tuple[MdnsService, ...]

    def templates(self) -> Iterator[str]:
        yield self.hostname
        for service in self.services:
            yield from (service.instance, service.port, *service.txt)


def parse_sadp_spec(raw: Any, where: str = "sadp") -> SadpSpec:
    data = mapping(raw, where)
    check_keys(data, ("fields",), where)
    entries = fields(data.get("fields"), f"{where}.fields")
    if not entries:
        raise fail(f"{where}.fields", "must not be empty")
    for name, _, _ in entries:
        if not _XML_NAME.match(name) or name in ("Uuid", "Types"):
            raise fail(f"{where}.fields", f"bad element name {name!r} (Uuid/Types are echoed)")
    return SadpSpec(fields=entries)


def _dhip_field(item: Any, where: str) -> DhipField:
    if not isinstance(item, list) or len(item) not in (2, 3):
        raise fail(where, "expected [name, value] or [name, value, type]")
    name, value = str(item[0]), item[1]
    if isinstance(value, bool):
        kind, value = "bool", "true" if value else "false"
    elif isinstance(value, int):
        kind, value = "int", str(value)
    else:
        kind = "str"
    if len(item) == 3:
        kind = str(item[2])
    if kind not in DHIP_TYPES:
        raise fail(where, f"type must be one of {DHIP_TYPES}")
    return DhipField(name=name, value=text(value, where), kind=kind)


def parse_dhip_spec(raw: Any, where: str = "dhip") -> DhipSpec:
    data = mapping(raw, where)
    check_keys(data, ("fields", "random"), where)
    items = data.get("fields")
    if not isinstance(items, list) or not items:
        raise fail(f"{where}.fields", "expected a non-empty list")
    return DhipSpec(
        fields=tuple(_dhip_field(item, f"{where}.fields[{i}]") for i, item in enumerate(items)),
        random=flag(data, "random", where, False),
    )


def parse_ssdp_spec(raw: Any, where: str = "ssdp") -> SsdpSpec:
    data = mapping(raw, where)
    check_keys(data, ("server", "location", "uuid", "targets", "max_age"), where)
    return SsdpSpec(
        server=optional_text(data, "server", where, "Linux, UPnP/1.0"),
        location=text(data.get("location"), f"{where}.location"),
        uuid=optional_text(data, "uuid", where, "{uuid}"),
        targets=text_list(data.get("targets"), f"{where}.targets", allow_empty=False),
        max_age=int(number(data, "max_age", where, 1800, minimum=1)),
    )


def parse_mdns_spec(raw: Any, where: str = "mdns") -> MdnsSpec:
    data = mapping(raw, where)
    check_keys(data, ("hostname", "services"), where)
    items = data.get("services")
    if not isinstance(items, list) or not items:
        raise fail(f"{where}.services", "expected a non-empty list")
    services = []
    for i, item in enumerate(items):
        spot = f"{where}.services[{i}]"
        entry = mapping(item, spot)
        check_keys(entry, ("type", "instance", "port", "txt"), spot)
        kind = text(entry.get("type"), f"{spot}.type")
        if not _SERVICE_TYPE.match(kind):
            raise fail(f"{spot}.type", "expected a DNS-SD type such as _http._tcp")
        services.append(
            MdnsService(
                type=kind,
                instance=text(entry.get("instance"), f"{spot}.instance"),
                port=text(entry.get("port"), f"{spot}.port"),
                txt=text_list(entry.get("txt"), f"{spot}.txt"),
            )
        )
    return MdnsSpec(
        hostname=text(data.get("hostname"), f"{where}.hostname"), services=tuple(services)
    )
