"""Bounded UDP exchanges: scope first, replies only from the target, caps against floods."""

from __future__ import annotations

import asyncio
import socket
import time

import pytest

from camaudit.errors import ScopeError
from camaudit.net.ratelimit import RateLimiter
from camaudit.net.scope import Scope
from camaudit.net.udp import udp_discover, udp_exchange
from tests.probes.fakes import udp_flood, udp_huge, udp_server

HOST = "127.0.0.1"


def scope(*targets: str) -> Scope:
    return Scope.parse(list(targets) or [HOST])


def test_reply_is_collected_and_enough_stops_early() -> None:
    async def main():
        async with udp_server(lambda d, a: [b"pong:" + d]) as (port, fake):
            t0 = time.monotonic()
            ex = await udp_exchange(
                scope(),
                HOST,
                port,
                [b"ping"],
                timeout=2.0,
                max_bytes=4096,
                limiter=RateLimiter(0),
                enough=lambda replies: True,
            )
            return ex, fake.received, time.monotonic() - t0

    ex, received, elapsed = asyncio.run(main())
    assert received == [b"ping"]
    assert [r.data for r in ex.replies] == [b"pong:ping"]
    assert ex.replies[0].source[0] == HOST
    assert ex.sent == 1 and not ex.truncated
    assert elapsed < 1.0  # stopped at the first reply, not the timeout


def test_out_of_scope_sends_nothing() -> None:
    async def main():
        async with udp_server(lambda d, a: [b"x"]) as (port, fake):
            with pytest.raises(ScopeError):
                await udp_exchange(
                    scope("127.0.0.2"),
                    HOST,
                    port,
                    [b"ping"],
                    timeout=0.3,
                    max_bytes=100,
                    limiter=None,
                )
            await asyncio.sleep(0.05)  # give a stray datagram time to arrive (there is none)
            return fake.received

    assert asyncio.run(main()) == []


def test_flood_is_capped_by_count_and_time() -> None:
    async def main():
        async with udp_server(udp_flood) as (port, _):
            t0 = time.monotonic()
            ex = await udp_exchange(
                scope(),
                HOST,
                port,
                [b"go"],
                timeout=1.0,
                max_bytes=1 << 20,
                limiter=None,
                max_datagrams=50,
            )
            return ex, time.monotonic() - t0

    ex, elapsed = asyncio.run(main())
    assert len(ex.replies) == 50
    assert ex.capped and ex.truncated
    assert elapsed < 1.0


def test_huge_reply_is_cut_at_the_byte_cap() -> None:
    async def main():
        async with udp_server(udp_huge) as (port, _):
            return await udp_exchange(
                scope(), HOST, port, [b"go"], timeout=0.5, max_bytes=1000, limiter=None
            )

    ex = asyncio.run(main())
    assert len(ex.replies) == 1
    assert len(ex.replies[0].data) == 1000
    assert ex.replies[0].truncated and ex.capped


def test_replies_from_other_addresses_are_ignored() -> None:
    """The target answers from a second address (127.0.0.4): that reply is not kept."""
    other = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    other.bind(("127.0.0.4", 0))

    def reply(data: bytes, addr: tuple[str, int]) -> list[bytes]:
        other.sendto(b"spoofed", addr)
        return []

    async def main():
        async with udp_server(reply, host="127.0.0.3") as (port, _):
            return await udp_exchange(
                scope("127.0.0.3"),
                "127.0.0.3",
                port,
                [b"hello"],
                timeout=0.4,
                max_bytes=1000,
                limiter=None,
            )

    try:
        ex = asyncio.run(main())
    finally:
        other.close()
    assert ex.replies == []
    assert ex.ignored == 1


def test_silent_target_costs_the_timeout_only() -> None:
    async def main():
        async with udp_server(lambda d, a: []) as (port, _):
            t0 = time.monotonic()
            ex = await udp_exchange(
                scope(), HOST, port, [b"a", b"b"], timeout=0.3, max_bytes=100, limiter=None
            )
            return ex, time.monotonic() - t0

    ex, elapsed = asyncio.run(main())
    assert ex.replies == [] and ex.sent == 2
    assert 0.25 < elapsed < 0.8


def test_rate_limiter_is_acquired_per_datagram() -> None:
    class Counting(RateLimiter):
        def __init__(self) -> None:
            super().__init__(0)
            self.calls = 0

        async def acquire(self) -> None:
            self.calls += 1

    limiter = Counting()

    async def main():
        async with udp_server(lambda d, a: []) as (port, _):
            await udp_exchange(
                scope(), HOST, port, [b"a", b"b", b"c"], timeout=0.1, max_bytes=10, limiter=limiter
            )

    asyncio.run(main())
    assert limiter.calls == 3


@pytest.mark.parametrize("destination", ["127.0.0.1", "10.0.0.1", "not-an-ip"])
def test_discover_refuses_unicast_destinations(destination: str) -> None:
    with pytest.raises(ScopeError):
        asyncio.run(
            udp_discover(
                scope(),
                destination,
                3702,
                [b"x"],
                interface=HOST,
                timeout=0.1,
                max_bytes=100,
                limiter=None,
            )
        )


def _multicast_receiver(group: str) -> socket.socket | None:
    """A socket joined to ``group`` on loopback, or None where loopback multicast is unavailable."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("", 0))
        mreq = socket.inet_aton(group) + socket.inet_aton(HOST)
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
    except OSError:
        sock.close()
        return None
    return sock


def test_discover_keeps_only_in_scope_repliers() -> None:
    group = "239.255.77.77"
    receiver = _multicast_receiver(group)
    if receiver is None:
        pytest.skip("loopback multicast is not available here")
    port = receiver.getsockname()[1]
    receiver.setblocking(False)
    outsider = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    outsider.bind(("127.0.0.9", 0))
    insider = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    insider.bind(("127.0.0.8", 0))

    async def responder() -> list[bytes]:
        loop = asyncio.get_running_loop()
        data, addr = await loop.sock_recvfrom(receiver, 2048)
        insider.sendto(b"in:" + data, addr)
        outsider.sendto(b"out:" + data, addr)
        return [data]

    async def main():
        task = asyncio.create_task(responder())
        ex = await udp_discover(
            Scope.parse(["127.0.0.8"]),
            group,
            port,
            [b"who"],
            interface=HOST,
            timeout=0.5,
            max_bytes=1000,
            limiter=None,
        )
        try:
            got = await asyncio.wait_for(task, 1.0)
        except TimeoutError:
            got = []
        return ex, got

    try:
        ex, got = asyncio.run(main())
    finally:
        for s in (receiver, outsider, insider):
            s.close()
    if not got:
        pytest.skip("multicast did not loop back on this host")
    assert [r.data for r in ex.replies] == [b"in:who"]
    assert ex.ignored == 1


def test_discovery_collector_caps_each_replier_not_the_segment():
    from camaudit.net.udp import _Collector

    collector = _Collector(lambda host: True, 10_000, 1 << 20, None, per_source=1000)
    for _ in range(50):  # a flooding replier
        collector.datagram_received(b"x" * 400, ("127.0.0.7", 3702))
    collector.datagram_received(b"y" * 300, ("127.0.0.8", 3702))  # a quiet one, afterwards
    kept = {}
    for d in collector.result.replies:
        kept[d.source[0]] = kept.get(d.source[0], 0) + len(d.data)
    assert kept == {"127.0.0.7": 1000, "127.0.0.8": 300}
    assert not collector.done.is_set()
