"""The registry, the interface every probe keeps, and the rate limiter before every send."""

from __future__ import annotations

import asyncio
import inspect

from camaudit.net.ratelimit import RateLimiter
from camaudit.net.scope import Scope
from camaudit.probes import (
    CREDENTIALED_PROBES,
    DEFAULT_PROBES,
    REGISTRY,
    TCP_PROBES,
    UDP_PROBES,
    HttpProbe,
    sweep_ports,
)
from camaudit.probes.base import DiscoveryHints, ProbeContext, ProbeResult, RunBudget
from camaudit.probes.dhip import DhipProbe
from camaudit.probes.mdns import MdnsProbe
from tests.probes.fakes import HOST, http_responder, response, tcp_server, udp_server
from tests.probes.test_ssdp_mdns import axis_answer


class CountingLimiter(RateLimiter):
    def __init__(self) -> None:
        super().__init__(0)
        self.calls = 0

    async def acquire(self) -> None:
        self.calls += 1


def test_registry_shape():
    assert REGISTRY["http"] is HttpProbe  # the original entry keeps working
    assert set(DEFAULT_PROBES) <= set(REGISTRY)
    assert set(REGISTRY) == UDP_PROBES | TCP_PROBES and not UDP_PROBES & TCP_PROBES
    assert set(REGISTRY) >= CREDENTIALED_PROBES
    assert DEFAULT_PROBES.index("wsd") < DEFAULT_PROBES.index("onvif")
    for name, cls in REGISTRY.items():
        probe = cls()
        assert probe.name == name
        assert probe.default_ports and all(0 < p < 65536 for p in probe.default_ports)
        assert inspect.iscoroutinefunction(probe.run)
        assert cls.__doc__


def test_sweep_ports_cover_tcp_probes_only():
    ports = sweep_ports(["http", "rtsp", "wsd", "banner"])
    assert ports == (21, 23, 80, 554, 8080)


def test_context_defaults_are_compatible():
    ctx = ProbeContext(Scope.parse([HOST]), RateLimiter(0))
    assert ctx.credentials is None and ctx.credential_for(HOST, "onvif") is None
    assert isinstance(ctx.hints, DiscoveryHints) and ctx.timeout == 3.0
    hints = DiscoveryHints()
    hints.add_xaddrs("a", ["u1", "u1", "u2"], limit=1)
    assert hints.xaddrs == {"a": ["u1"]}
    budget = RunBudget(0.0)
    assert budget.exhausted and budget.remaining() == 0.0


def test_limiter_is_acquired_for_every_connection_and_datagram():
    seen: list[bytes] = []

    async def main():
        limiter = CountingLimiter()
        ctx = ProbeContext(Scope.parse([HOST]), limiter, 1.0)
        routes = http_responder(lambda r: response("200 OK", body=b"<html></html>"), seen)
        async with tcp_server(routes) as port:
            await HttpProbe().run(HOST, port, ctx)
        http_calls = limiter.calls
        limiter.calls = 0
        async with udp_server(lambda d, a: axis_answer(d)) as (port, fake):
            result: ProbeResult = await MdnsProbe().run(HOST, port, ctx)
            mdns = (limiter.calls, len(fake.received), result)
        limiter.calls = 0
        async with udp_server(lambda d, a: []) as (port, fake):
            await DhipProbe().run(HOST, port, ProbeContext(Scope.parse([HOST]), limiter, 0.2))
            dhip = (limiter.calls, len(fake.received))
        return http_calls, mdns, dhip

    http_calls, (mdns_calls, mdns_sent, _), (dhip_calls, dhip_sent) = asyncio.run(main())
    assert http_calls == len(seen) > 1
    assert mdns_calls == mdns_sent == 2
    assert dhip_calls == dhip_sent == 1
