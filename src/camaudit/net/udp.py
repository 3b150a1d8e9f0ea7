"""Bounded UDP request/response: send datagrams to one in-scope address, collect its replies.

Every exchange checks the scope before a socket is even opened, acquires the rate limiter before
each datagram, keeps only replies from the addresses it may keep, and stops at a deadline, a
datagram count or a byte cap, so a target that floods replies costs at most the timeout and the cap.

:func:`udp_discover` is the opt-in exception for link-local discovery: it sends to a multicast group
(or the limited broadcast address) with TTL 1 from a given interface address, and keeps replies
only from in-scope addresses.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from camaudit.errors import ScopeError
from camaudit.net.ratelimit import RateLimiter
from camaudit.net.scope import Scope

#: Default most replies kept per exchange.
MAX_DATAGRAMS = 32
_RECV_BUFFER = 256 * 1024


@dataclass(slots=True)
class Datagram:
    """One reply: its bytes (cut at the byte cap), where it came from, and whether it was cut."""

    data: bytes
    source: tuple[str, int]
    truncated: bool = False


@dataclass(slots=True)
class UdpExchange:
    """What one exchange produced."""

    replies: list[Datagram] = field(default_factory=list)
    sent: int = 0
    ignored: int = 0  # replies from addresses we may not keep
    capped: bool = False  # stopped at the datagram count or byte cap
    refused: bool = False  # an ICMP port-unreachable came back
    error: str | None = None

    @property
    def truncated(self) -> bool:
        return self.capped or any(d.truncated for d in self.replies)


class _Collector(asyncio.DatagramProtocol):
    """Keeps accepted datagrams within the caps; signals when done."""

    def __init__(
        self,
        accept: Callable[[str], bool],
        max_datagrams: int,
        max_bytes: int,
        enough: Callable[[list[Datagram]], bool] | None,
        per_source: int | None = None,
    ) -> None:
        self.accept = accept
        self.per_source = per_source  # bytes kept per replier (discovery); None = no such cap
        self.by_source: dict[str, int] = {}
        self.max_datagrams = max_datagrams
        self.max_bytes = max_bytes
        self.enough = enough
        self.result = UdpExchange()
        self.used = 0
        self.done = asyncio.Event()

    def datagram_received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        if self.done.is_set():
            return
        host = str(addr[0]).split("%", 1)[0]
        if not self.accept(host):
            self.result.ignored += 1
            return
        room = self.max_bytes - self.used
        if self.per_source is not None:
            had = self.by_source.get(host, 0)
            if had >= self.per_source:  # this replier has had its share: drop, keep listening
                self.result.ignored += 1
                return
            room = min(room, self.per_source - had)
        keep = data[: max(0, room)]
        self.used += len(keep)
        if self.per_source is not None:
            self.by_source[host] = self.by_source.get(host, 0) + len(keep)
        self.result.replies.append(Datagram(keep, (host, int(addr[1])), len(keep) < len(data)))
        if len(self.result.replies) >= self.max_datagrams or self.used >= self.max_bytes:
            self.result.capped = True
            self.done.set()
        elif self.enough is not None and self.enough(self.result.replies):
            self.done.set()

    def error_received(self, exc: Exception) -> None:
        if isinstance(exc, ConnectionRefusedError):
            self.result.refused = True
        else:
            self.result.error = str(exc) or type(exc).__name__

    def connection_lost(self, exc: Exception | None) -> None:
        self.done.set()


async def _run(
    collector: _Collector,
    sock: socket.socket,
    destination: tuple[str, int],
    payloads: Sequence[bytes],
    *,
    deadline: float,
    limiter: RateLimiter | None,
    gap: float,
) -> UdpExchange:
    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(lambda: collector, sock=sock)
    try:
        for i, payload in enumerate(payloads):
            if collector.done.is_set() or time.monotonic() >= deadline:
                break
            if i and gap > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(collector.done.wait(), gap)
                if collector.done.is_set():
                    break
            if limiter is not None:
                await limiter.acquire()
            transport.sendto(payload, destination)
            collector.result.sent += 1
        remaining = deadline - time.monotonic()
        if remaining > 0 and not collector.done.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(collector.done.wait(), remaining)
    finally:
        transport.abort()
    return collector.result


def _socket(family: socket.AddressFamily) -> socket.socket:
    sock = socket.socket(family, socket.SOCK_DGRAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, _RECV_BUFFER)
        sock.setblocking(False)
        sock.bind(("::" if family == socket.AF_INET6 else "0.0.0.0", 0))  # noqa: S104 - replies
    except OSError:
        sock.close()
        raise
    return sock


async def udp_exchange(
    scope: Scope,
    ip: str,
    port: int,
    payloads: Sequence[bytes],
    *,
    timeout: float,
    max_bytes: int,
    limiter: RateLimiter | None,
    max_datagrams: int = MAX_DATAGRAMS,
    enough: Callable[[list[Datagram]], bool] | None = None,
    gap: float = 0.0,
) -> UdpExchange:
    """Send ``payloads`` to ``ip:port`` and collect replies from ``ip`` until ``timeout``.

    Raises :class:`ScopeError` (before any socket exists) when ``ip`` is out of scope. Stops early
    once ``enough(replies)`` is true; ``gap`` waits between payloads (skipped once enough).
    Socket errors are reported in ``error``, never raised.
    """
    scope.check(ip)
    deadline = time.monotonic() + timeout
    addr = ipaddress.ip_address(ip)
    canonical = str(addr)
    family = socket.AF_INET6 if addr.version == 6 else socket.AF_INET
    collector = _Collector(lambda host: _same(host, canonical), max_datagrams, max_bytes, enough)
    try:
        sock = _socket(family)
        return await _run(
            collector,
            sock,
            (canonical, port),
            payloads,
            deadline=deadline,
            limiter=limiter,
            gap=gap,
        )
    except OSError as exc:
        collector.result.error = exc.strerror or str(exc)
        return collector.result


def _same(host: str, canonical: str) -> bool:
    try:
        return str(ipaddress.ip_address(host)) == canonical
    except ValueError:
        return False


def _in_scope(scope: Scope) -> Callable[[str], bool]:
    return lambda host: host in scope


async def udp_discover(
    scope: Scope,
    destination: str,
    port: int,
    payloads: Sequence[bytes],
    *,
    interface: str,
    timeout: float,
    max_bytes: int,
    limiter: RateLimiter | None,
    max_datagrams: int = 65536,
    max_total_bytes: int = 64 << 20,
) -> UdpExchange:
    """Opt-in link-local discovery: send to a multicast group or 255.255.255.255 (TTL 1) from the
    local address ``interface``; keep replies only from in-scope addresses.

    A whole segment answers at once, so ``max_bytes`` caps what is kept from EACH replier (a
    flooding device cannot crowd out the others) and ``max_total_bytes`` / ``max_datagrams``
    bound the whole collection.

    Raises :class:`ScopeError` if ``destination`` is neither multicast nor the limited broadcast
    address (unicast goes through :func:`udp_exchange`, which checks the scope).
    """
    try:
        dest = ipaddress.ip_address(destination)
        local = ipaddress.ip_address(interface)
    except ValueError:
        raise ScopeError(f"not an address: {destination!r} / {interface!r}") from None
    if not isinstance(dest, ipaddress.IPv4Address) or not isinstance(local, ipaddress.IPv4Address):
        raise ScopeError("discovery by multicast/broadcast is IPv4 only")
    broadcast = dest == ipaddress.IPv4Address("255.255.255.255")
    if not (dest.is_multicast or broadcast):
        raise ScopeError(
            f"{destination} is neither a multicast group nor the broadcast address; "
            "unicast goes through the scope-checked exchange"
        )
    collector = _Collector(
        _in_scope(scope), max_datagrams, max_total_bytes, None, per_source=max_bytes
    )
    try:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            sock.setblocking(False)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, _RECV_BUFFER)
            if broadcast:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
                sock.bind((interface, 0))
            else:
                sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
                sock.setsockopt(
                    socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(interface)
                )
                sock.bind(("0.0.0.0", 0))  # noqa: S104 - replies come back by unicast
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, 1)
        except OSError:
            sock.close()
            raise
        return await _run(
            collector,
            sock,
            (destination, port),
            payloads,
            deadline=time.monotonic() + timeout,
            limiter=limiter,
            gap=0.0,
        )
    except OSError as exc:
        collector.result.error = exc.strerror or str(exc)
        return collector.result
