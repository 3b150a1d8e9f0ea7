"""What every UDP discovery responder of the lab shares: bounded input, no amplification, rate
limits, and multicast membership when the lab runs on a real (non-loopback) interface.

A responder subclasses :class:`UdpService` and implements :meth:`UdpService.answer` (bytes in,
zero or more datagrams out; it must not raise on any input but may: that is logged and dropped).
The base class enforces, per datagram:

* requests larger than ``udp_max_request`` (or empty) are dropped unread;
* sources that are not unicast addresses (multicast, broadcast, 0.0.0.0, port 0) get nothing, so
  a forged source cannot turn a device into a reflector;
* the replies to one request total at most ``max(udp_max_amplification x request size,
  udp_min_reply_allowance)`` bytes; later datagrams are dropped;
* each (endpoint, source address) pair has a token bucket of ``udp_rate`` replies per second
  (burst ``udp_burst``); at most ``udp_max_sources`` sources are tracked per endpoint.

On 127/8 the socket is bound to the device's own address only. On any other address (the
namespace mode) a second socket is bound to the protocol's multicast group and joins it on that
interface; replies always leave from the unicast socket.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
import struct
import time
from collections import OrderedDict

from camaudit.lab.base import ServiceContext, udp_socket

logger = logging.getLogger(__name__)
LOOPBACK = ipaddress.IPv4Network("127.0.0.0/8")
Address = tuple[str, int]


class TokenBuckets:
    """Per-source token buckets with a bounded number of sources (oldest forgotten first)."""

    def __init__(self, rate: float, burst: float, max_sources: int) -> None:
        self.rate = rate
        self.burst = burst
        self.max_sources = max_sources
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def allow(self, source: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        tokens, last = self._buckets.pop(source, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        allowed = tokens >= 1.0
        self._buckets[source] = (tokens - 1.0 if allowed else tokens, now)
        while len(self._buckets) > self.max_sources:
            self._buckets.popitem(last=False)
        return allowed


def is_unicast_source(address: Address) -> bool:
    try:
        ip = ipaddress.IPv4Address(address[0])
    except ValueError:
        return False
    return address[1] > 0 and not (
        ip.is_multicast
        or ip.is_unspecified
        or ip.is_reserved
        or ip == ipaddress.IPv4Address("255.255.255.255")
    )


def reply_budget(request_size: int, ratio: float, allowance: int) -> int:
    return max(int(request_size * ratio), allowance)


class _GroupListener(asyncio.DatagramProtocol):
    """Receives on the multicast group socket; answers go out through the unicast service."""

    def __init__(self, service: UdpService) -> None:
        self.service = service
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def datagram_received(self, data: bytes, addr: Address) -> None:
        self.service.datagram_received(data, addr)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.closed.done():
            self.closed.set_result(None)


class UdpService(asyncio.DatagramProtocol):
    """One UDP responder for one device on one address and port."""

    name = "udp"
    multicast_group: str | None = None

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        settings = ctx.settings
        self.buckets = TokenBuckets(settings.udp_rate, settings.udp_burst, settings.udp_max_sources)
        self.transport: asyncio.DatagramTransport | None = None
        self.group_transport: asyncio.DatagramTransport | None = None
        self.replies = 0
        self.dropped = 0
        self._closed: list[asyncio.Future[None]] = []

    # -- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        sock = udp_socket(self.ctx.ip, self.ctx.port)
        self._closed.append(loop.create_future())
        transport, _ = await loop.create_datagram_endpoint(lambda: self, sock=sock)
        self.transport = transport
        if self.multicast_group is not None and ipaddress.IPv4Address(self.ctx.ip) not in LOOPBACK:
            group_sock = self._group_socket(self.multicast_group)
            group_transport, listener = await loop.create_datagram_endpoint(
                lambda: _GroupListener(self), sock=group_sock
            )
            self.group_transport = group_transport
            self._closed.append(listener.closed)

    def _group_socket(self, group: str) -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((group, self.ctx.port))
            membership = struct.pack("4s4s", socket.inet_aton(group), socket.inet_aton(self.ctx.ip))
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, membership)
            sock.setblocking(False)
        except BaseException:
            sock.close()
            raise
        return sock

    def close(self) -> None:
        for transport in (self.transport, self.group_transport):
            if transport is not None:
                transport.close()

    async def wait_closed(self) -> None:
        """Until every socket of this responder is really closed (port free again)."""
        if self._closed:
            await asyncio.gather(*self._closed)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._closed and not self._closed[0].done():
            self._closed[0].set_result(None)

    # -- datagrams ----------------------------------------------------------------------------

    def datagram_received(self, data: bytes, addr: Address) -> None:
        settings = self.ctx.settings
        if not data or len(data) > settings.udp_max_request or not is_unicast_source(addr):
            self.dropped += 1
            return
        try:
            replies = self.answer(data, addr)
        except Exception:  # a responder bug must not kill the lab
            logger.exception("lab %s %s:%s: error answering", self.name, self.ctx.ip, self.ctx.port)
            return
        budget = reply_budget(
            len(data), settings.udp_max_amplification, settings.udp_min_reply_allowance
        )
        for reply in replies:
            if len(reply) > budget or self.transport is None:
                self.dropped += 1
                break
            if not self.buckets.allow(addr[0]):
                self.dropped += 1
                break
            budget -= len(reply)
            self.transport.sendto(reply, addr)
            self.replies += 1

    def answer(self, data: bytes, addr: Address) -> list[bytes]:
        """The datagrams to send back for one request ([] for none). Must be bounded."""
        raise NotImplementedError
