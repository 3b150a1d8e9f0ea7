"""SSDP (UDP 1900): answer an M-SEARCH with the device's UPnP search responses.

A request must be ``M-SEARCH * HTTP/1.1`` with ``MAN: "ssdp:discover"`` and an ``ST`` (protocols.md
7.1). ``ssdp:all`` gets one response per advertised target, other targets one response when the
device advertises them (``uuid:<device uuid>`` included). The LOCATION names the device's UPnP
description, served by its web server (a route in the persona's ``http:`` section).
"""

from __future__ import annotations

from email.utils import formatdate

from camaudit.lab.base import ServiceContext
from camaudit.lab.discovery_spec import SsdpSpec
from camaudit.lab.http_messages import HttpParseError, parse_header_lines
from camaudit.lab.templates import render
from camaudit.lab.udp_base import Address, UdpService

MAX_HEADERS = 20


def parse_msearch(data: bytes) -> str | None:
    """The search target of a well-formed M-SEARCH, else None."""
    text = data.decode("latin-1")
    if not text.endswith("\r\n\r\n"):
        return None
    lines = text[:-4].split("\r\n")
    if lines[0] != "M-SEARCH * HTTP/1.1":
        return None
    try:
        headers = {k.lower(): v for k, v in parse_header_lines(lines[1:], max_headers=MAX_HEADERS)}
    except HttpParseError:
        return None
    target = headers.get("st", "")
    if headers.get("man") != '"ssdp:discover"' or not target or not target.isprintable():
        return None
    return target


class SsdpService(UdpService):
    name = "ssdp"
    multicast_group = "239.255.255.250"

    def __init__(self, ctx: ServiceContext) -> None:
        super().__init__(ctx)
        spec = ctx.persona.spec("ssdp", SsdpSpec)
        base = ctx.context
        self.spec = spec
        self.server = render(spec.server, base)
        self.location = render(spec.location, base)
        self.uuid = render(spec.uuid, base)
        self.targets = [render(t, base) for t in spec.targets]

    def _response(self, target: str) -> bytes:
        usn = (
            f"uuid:{self.uuid}" if target == f"uuid:{self.uuid}" else f"uuid:{self.uuid}::{target}"
        )
        lines = [
            "HTTP/1.1 200 OK",
            f"CACHE-CONTROL: max-age={self.spec.max_age}",
            f"DATE: {formatdate(usegmt=True)}",
            "EXT:",
            f"LOCATION: {self.location}",
            f"SERVER: {self.server}",
            f"ST: {target}",
            f"USN: {usn}",
        ]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", errors="replace")

    def answer(self, data: bytes, addr: Address) -> list[bytes]:
        target = parse_msearch(data)
        if target is None:
            return []
        if target == "ssdp:all":
            return [self._response(t) for t in [f"uuid:{self.uuid}", *self.targets]]
        if target == f"uuid:{self.uuid}" or target in self.targets:
            return [self._response(target)]
        return []


async def start(ctx: ServiceContext) -> SsdpService:
    service = SsdpService(ctx)
    await service.start()
    return service
