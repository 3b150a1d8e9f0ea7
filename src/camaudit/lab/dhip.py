"""Dahua DHIP discovery over UDP 37810: answer ``DHDiscover.search`` with ``client.notifyDevInfo``.

Only a request with the 32-byte DHIP header (``20 00 00 00 'DHIP'``, payload length at offsets
16 and 24, little-endian) followed by that JSON is answered (protocols.md 2.1-2.3); bare JSON,
other methods and short or inconsistent frames get nothing. The reply is the same header (the
request id echoed) and the persona's ``dhip.fields`` as ``params.deviceInfo``. Multicast group:
239.255.255.251.
"""

from __future__ import annotations

import ipaddress
import json
import secrets
import struct
from typing import Any

from camaudit.lab.base import ServiceContext
from camaudit.lab.discovery_spec import DhipField, DhipSpec
from camaudit.lab.templates import render
from camaudit.lab.udp_base import Address, UdpService

MAGIC = b"\x20\x00\x00\x00DHIP"
HEADER_SIZE = 32
MAX_JSON = 4096
SEARCH = "DHDiscover.search"


def frame(payload: bytes, *, session: int = 0, request_id: int = 0) -> bytes:
    """A DHIP frame: 32-byte header then ``payload``."""
    size = len(payload)
    return MAGIC + struct.pack("<IIIIII", session, request_id, size, 0, size, 0) + payload


def parse_search(data: bytes) -> int | None:
    """The request id of a well-formed DHDiscover.search frame, else None."""
    if len(data) < HEADER_SIZE + 2 or not data.startswith(MAGIC):
        return None
    _, request_id, size, high, expected, _ = struct.unpack_from("<IIIIII", data, 8)
    if high or size != expected or size > MAX_JSON or size > len(data) - HEADER_SIZE:
        return None
    body = data[HEADER_SIZE : HEADER_SIZE + size].rstrip(b"\x00\n")
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(payload, dict) or payload.get("method") != SEARCH:
        return None
    return int(request_id)


def _eui64_link_local(mac: str) -> str:
    raw = bytearray(bytes.fromhex(mac.replace(":", "")))
    raw[0] ^= 0x02
    eui = bytes(raw[:3]) + b"\xff\xfe" + bytes(raw[3:])
    return str(ipaddress.IPv6Address(b"\xfe\x80" + bytes(6) + eui))


class DhipService(UdpService):
    name = "dhip"
    multicast_group = "239.255.255.251"

    def __init__(self, ctx: ServiceContext) -> None:
        super().__init__(ctx)
        self.spec = ctx.persona.spec("dhip", DhipSpec)
        base = ctx.context
        info = {f.name: self._value(f, base) for f in self.spec.fields}
        self.mac = ctx.device.mac
        self.info = info

    def _value(self, field: DhipField, base: dict[str, str]) -> Any:
        ip = self.ctx.ip
        if field.kind == "ipv4":
            gateway = str(ipaddress.IPv4Network(f"{ip}/24", strict=False).network_address + 1)
            return {
                "DefaultGateway": gateway,
                "DhcpEnable": False,
                "IPAddress": ip,
                "SubnetMask": "255.255.255.0",
            }
        if field.kind == "ipv6":
            local = _eui64_link_local(self.ctx.device.mac)
            return {
                "DefaultGateway": "",
                "DhcpEnable": False,
                "IPAddress": "",
                "LinkLocalAddress": f"{local}/64",
            }
        value = render(field.value, base)
        if field.kind == "int":
            return int(value) if value.lstrip("-").isdigit() else 0
        if field.kind == "bool":
            return value.strip().lower() in ("1", "true", "yes")
        return value

    def answer(self, data: bytes, addr: Address) -> list[bytes]:
        request_id = parse_search(data)
        if request_id is None:
            return []
        payload: dict[str, Any] = {
            "mac": self.mac,
            "method": "client.notifyDevInfo",
            "params": {"deviceInfo": self.info},
        }
        if self.spec.random:
            payload["random"] = str(secrets.randbelow(9_000_000) + 1_000_000)
        body = json.dumps(payload, separators=(",", ":")).replace("/", "\\/").encode()
        return [frame(body, request_id=request_id)]


async def start(ctx: ServiceContext) -> DhipService:
    service = DhipService(ctx)
    await service.start()
    return service
