"""Hikvision SADP over UDP 37020: answer an XML ``inquiry`` Probe with the device's ProbeMatch.

The inquiry is a bare XML document ``<Probe><Uuid>…</Uuid><Types>inquiry</Types></Probe>``; the
reply echoes Uuid and Types, then the persona's ``sadp.fields`` in order (protocols.md 1.2-1.3).
Other verbs (activate, reset, getcode…) are never answered. Multicast group 239.255.255.250.
"""

from __future__ import annotations

import re
from xml.sax.saxutils import escape

from camaudit.lab.base import ServiceContext
from camaudit.lab.discovery_spec import SadpSpec
from camaudit.lab.onvif_soap import parse_xml
from camaudit.lab.spec_parsing import is_enabled
from camaudit.lab.templates import render
from camaudit.lab.udp_base import Address, UdpService

_UUID = re.compile(r"^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$")
INQUIRY_TYPES = frozenset({"inquiry", "inquiry_v32"})


def parse_inquiry(data: bytes) -> tuple[str, str] | None:
    """(uuid, types) of a well-formed SADP inquiry, else None."""
    root = parse_xml(data)
    if root is None or root.tag != "Probe":
        return None
    uuid_el, types_el = root.find("Uuid"), root.find("Types")
    if uuid_el is None or types_el is None:
        return None
    uuid, types = (uuid_el.text or "").strip(), (types_el.text or "").strip()
    if not _UUID.match(uuid) or types not in INQUIRY_TYPES:
        return None
    return uuid, types


class SadpService(UdpService):
    name = "sadp"
    multicast_group = "239.255.255.250"

    def __init__(self, ctx: ServiceContext) -> None:
        super().__init__(ctx)
        spec = ctx.persona.spec("sadp", SadpSpec)
        base = ctx.context
        self.body = "".join(
            f"<{name}>{escape(render(template, base))}</{name}>\n"
            for name, template, when in spec.fields
            if is_enabled(when, base)
        )

    def answer(self, data: bytes, addr: Address) -> list[bytes]:
        inquiry = parse_inquiry(data)
        if inquiry is None:
            return []
        uuid, types = inquiry
        reply = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<ProbeMatch>\n'
            f"<Uuid>{uuid}</Uuid>\n<Types>{types}</Types>\n{self.body}</ProbeMatch>\n"
        )
        return [reply.encode()]


async def start(ctx: ServiceContext) -> SadpService:
    service = SadpService(ctx)
    await service.start()
    return service
