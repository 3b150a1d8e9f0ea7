"""SSDP probe: a unicast ``M-SEARCH`` (``upnp:rootdevice``) to UDP 1900, then the device
description at ``LOCATION`` over HTTP — only when it names this very in-scope address.

Evidence: ``http`` (the SSDP response: its ``SERVER`` line identifies the stack) and ``upnp`` (the
description XML: manufacturer, modelName, modelNumber, serialNumber).
"""

from __future__ import annotations

import asyncio
import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from camaudit.errors import ScopeError
from camaudit.models import EvidenceKind
from camaudit.net.udp import Datagram, udp_discover, udp_exchange
from camaudit.probes.base import ProbeContext, ProbeResult, ProbeStatus, RunBudget, Timer, observed
from camaudit.probes.datagram import exchange_status
from camaudit.probes.http_request import Request, exchange, parse_head

#: Most bytes of one SSDP response parsed.
MAX_SSDP = 8192
_MAX_LOCATIONS = 2


@dataclass(frozen=True, slots=True)
class SsdpResponse:
    """An SSDP answer: status code and headers (names lower-cased)."""

    status: int
    headers: dict[str, str]

    @property
    def location(self) -> str | None:
        return self.headers.get("location")


def parse_response(data: bytes) -> SsdpResponse | None:
    """Total parser for an SSDP (HTTPU) response; None if it is not ``HTTP/1.x 200``-shaped."""
    head = data[:MAX_SSDP]
    parsed = parse_head(head)
    if parsed is None or not head.startswith(b"HTTP/"):
        return None
    status, headers = parsed
    found: dict[str, str] = {}
    for name, value in headers:
        found.setdefault(name, value)
    return SsdpResponse(status, found)


def m_search(host: str, port: int, target: str = "upnp:rootdevice") -> bytes:
    """A search request (``MX: 1`` for stacks that insist on it)."""
    hostport = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return (
        f'M-SEARCH * HTTP/1.1\r\nHOST: {hostport}\r\nMAN: "ssdp:discover"\r\nMX: 1\r\n'
        f"ST: {target}\r\nUSER-AGENT: camaudit/0.1 UPnP/1.1\r\n\r\n"
    ).encode()


def same_host_location(location: str, ip: str) -> tuple[int, str] | None:
    """(port, path) of an ``http`` LOCATION whose host is exactly ``ip``, else None."""
    try:
        parts = urlsplit(location.strip())
        port = parts.port or 80
        host = parts.hostname or ""
        same = ipaddress.ip_address(host) == ipaddress.ip_address(ip)
    except ValueError:
        return None
    if parts.scheme != "http" or not same:
        return None
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return port, path


def _valid(replies: list[Datagram]) -> bool:
    return parse_response(replies[-1].data) is not None


class SsdpProbe:
    """Unicast M-SEARCH → response → same-host description."""

    name = "ssdp"
    default_ports: tuple[int, ...] = (1900,)
    discovery_address = ("239.255.255.250", 1900)

    async def run(self, ip: str, port: int, ctx: ProbeContext) -> ProbeResult:
        timer = Timer()
        budget = RunBudget(ctx.timeout, steps=2.0)
        result = ProbeResult(self.name, ip, port, ProbeStatus.NO_RESPONSE)
        try:
            ex = await udp_exchange(
                ctx.scope,
                ip,
                port,
                [m_search(ip, port)],
                timeout=ctx.timeout,
                max_bytes=ctx.max_bytes,
                limiter=ctx.limiter,
                enough=_valid,
            )
        except ScopeError as exc:
            result.status, result.detail = ProbeStatus.OUT_OF_SCOPE, str(exc)
            return result
        locations: list[str] = []
        accepted = 0
        for reply in ex.replies:
            parsed = parse_response(reply.data)
            if parsed is None:
                continue
            accepted += 1
            if accepted <= 4:
                result.evidence.append(
                    observed(EvidenceKind.HTTP, reply.data, ip, port, f"probe:{self.name} M-SEARCH")
                )
            loc = parsed.location
            if loc and loc not in locations and len(locations) < _MAX_LOCATIONS:
                locations.append(loc)
        result.status = exchange_status(ex, accepted)
        result.detail = ex.error
        for loc in locations:
            if budget.exhausted:
                break
            await self._description(ip, loc, ctx, budget, result)
        result.elapsed = timer.elapsed
        return result

    async def _description(
        self, ip: str, location: str, ctx: ProbeContext, budget: RunBudget, result: ProbeResult
    ) -> None:
        target = same_host_location(location, ip)
        if target is None:
            result.detail = (
                f"LOCATION {location[:200]!r} is not this address over http: not fetched"
            )
            return
        port, path = target
        out = await exchange(
            ctx,
            ip,
            port,
            Request("GET", path, (("Accept", "text/xml, application/xml, */*"),)),
            deadline=budget.deadline(),
        )
        resp = out.response
        if resp is None or resp.status != 200 or b"<" not in resp.body[:1024]:
            return
        result.evidence.append(
            observed(EvidenceKind.UPNP, resp.body, ip, port, f"probe:{self.name} GET {path}")
        )

    async def discover(
        self, ctx: ProbeContext, interface: str, port: int | None = None
    ) -> list[ProbeResult]:
        """Opt-in: M-SEARCH to 239.255.255.250:1900 (``port`` overrides) from ``interface``; a
        result per in-scope responder (descriptions are fetched as in :meth:`run`)."""
        group, default_port = self.discovery_address
        port = port or default_port
        ex = await udp_discover(
            ctx.scope,
            group,
            port,
            [m_search(group, port)],
            interface=interface,
            timeout=ctx.timeout,
            max_bytes=ctx.max_bytes,
            limiter=ctx.limiter,
        )
        results: dict[str, ProbeResult] = {}
        fetches: list[tuple[str, str, ProbeResult]] = []
        for reply in ex.replies:
            parsed = parse_response(reply.data)
            host = reply.source[0]
            if parsed is None or host in results or len(results) >= 1024:
                continue
            res = ProbeResult(self.name, host, port, ProbeStatus.SUCCESS)
            res.evidence.append(
                observed(EvidenceKind.HTTP, reply.data, host, port, f"probe:{self.name} M-SEARCH")
            )
            if parsed.location:
                fetches.append((host, parsed.location, res))
            results[host] = res
        gate = asyncio.Semaphore(32)

        async def fetch(host: str, location: str, res: ProbeResult) -> None:
            async with gate:
                await self._description(host, location, ctx, RunBudget(ctx.timeout, 1.0), res)

        await asyncio.gather(*(fetch(*f) for f in fetches))
        return list(results.values())
