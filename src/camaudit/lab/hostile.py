"""Hostile behaviours: devices that misbehave on purpose, to prove scanners stay bounded.

A persona's ``hostile:`` section (:mod:`camaudit.lab.hostile_spec`) maps some of its ports to a
behaviour; :mod:`camaudit.lab.services` registers the starters below as ``hostile-<kind>``
services and serves those ports with them instead of the protocol of the same name.

TCP (one listener per device and port, like every lab service):

* ``tarpit`` accepts and never answers (what the client sends is read and dropped);
* ``deaf`` accepts and never reads (nor answers): the client's writes stall once buffers fill;
* ``stream`` optionally reads the request, then sends ``send`` (+ ``random`` bytes), then
  ``repeat`` again and again up to ``limit`` bytes, at ``rate`` bytes per second, then closes,
  holds or resets: slow drip, endless body, 10 MB of headers, a header line that never ends,
  the wrong protocol on a port (an SSH banner on 80), handshake garbage, an aborted handshake;
* ``reset`` resets the connection as soon as it is accepted (``SO_LINGER`` 0);
* ``tls_cert`` completes a real TLS handshake with an absurd certificate (:mod:`~.hostile_certs`).

UDP: ``udp_silent`` reads and never answers; ``udp_reply`` answers with a fixed (malformed)
datagram under the usual UDP limits of :mod:`camaudit.lab.udp_base` (with ``reply_from``: from a
socket on that other loopback address, to loopback requesters only); ``udp_flood`` answers one
probe with up to :data:`~.hostile_spec.MAX_FLOOD_DATAGRAMS` datagrams, rate-limited, one flood at a
time per endpoint, a few floods per second per source, and only ever to a unicast *loopback*
source (never to a namespace address or anything else: it proves the scanner stays bounded, it
does not amplify).

The lab stays bounded too: each hostile connection ends after ``hostile_max_seconds``, an endpoint
holds at most ``hostile_max_connections`` at once, reads are capped and writes time out.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import os
import socket
import struct

from camaudit.errors import LabError
from camaudit.lab.base import ListeningService, ServiceContext, tcp_listener
from camaudit.lab.hostile_certs import RAW_VARIANTS, raw_flight, server_context
from camaudit.lab.hostile_spec import MAX_DATAGRAM, Behaviour, HostileSpec
from camaudit.lab.templates import render
from camaudit.lab.udp_base import (
    LOOPBACK,
    Address,
    TokenBuckets,
    UdpService,
    is_unicast_source,
)

logger = logging.getLogger(__name__)
DRIP_TICK = 0.25  # a rate-limited stream sends every this many seconds (or per byte, if slower)
BLOCK_SIZE = 64 * 1024  # a fast stream writes its repeated text in blocks of about this size
HOLD_READ_CAP = 1 << 20  # a held connection reads at most this much, then only waits
DEFAULT_FLOOD_RATE = 2000.0
FLOOD_TICK = 0.01


def behaviour_of(ctx: ServiceContext) -> Behaviour:
    """The behaviour ``ctx``'s persona gives this port."""
    spec = ctx.persona.sections.get("hostile")
    if not isinstance(spec, HostileSpec) or ctx.protocol not in spec.ports:
        raise LabError(f"persona {ctx.persona.id}: port {ctx.protocol} has no hostile behaviour")
    return spec.ports[ctx.protocol]


def _encode(template: str, ctx: ServiceContext) -> bytes:
    return render(template, ctx.context).encode("utf-8")


async def read_request(reader: asyncio.StreamReader, max_bytes: int, timeout: float) -> bytes:
    """What the client sends first: up to a blank line (HTTP, RTSP), the first chunk of a binary
    protocol (a TLS ClientHello), ``max_bytes``, end of stream or ``timeout``."""
    data = b""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(timeout):
            while len(data) < max_bytes:
                chunk = await reader.read(min(4096, max_bytes - len(data)))
                if not chunk:
                    break
                data += chunk
                if b"\r\n\r\n" in data or not data[:1].isalpha():
                    break
    return data


def reset_connection(writer: asyncio.StreamWriter) -> None:
    """Close with a TCP RST instead of a FIN (``SO_LINGER`` on, zero seconds)."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


class HostileTcpService(ListeningService):
    """One hostile TCP listener (``tarpit``, ``stream``, ``reset``) for one device and port."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        self.settings = ctx.settings
        self.behaviour = behaviour_of(ctx)
        self.prefix = _encode(self.behaviour.send, ctx) + self.behaviour.send_raw
        repeat = _encode(self.behaviour.repeat, ctx)
        self.block = repeat * max(1, BLOCK_SIZE // len(repeat)) if repeat else b""
        self.active = 0
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        sock = tcp_listener(self.ctx.ip, self.ctx.port, self.settings.backlog)
        self._server = await asyncio.start_server(
            self._on_connection, sock=sock, limit=self.settings.hostile_max_request
        )

    async def _on_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        if self.active >= self.settings.hostile_max_connections:
            writer.transport.abort()
            return
        self.active += 1
        task = self.ctx.tracker.add_current()
        finished = False
        try:
            async with asyncio.timeout(self.settings.hostile_max_seconds):
                await self.behave(reader, writer)
            finished = True
        except (ConnectionError, TimeoutError, OSError, asyncio.CancelledError):
            pass  # the client gave up, the time cap struck, or the lab is stopping
        except Exception:  # a bug here must not kill the lab
            logger.exception("lab hostile %s:%s: error", self.ctx.ip, self.ctx.port)
        finally:
            self.active -= 1
            self.ctx.tracker.discard(task)
            if finished:
                writer.close()
            else:  # drop what the client never read, or closing would wait for it
                writer.transport.abort()

    async def behave(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        kind = self.behaviour.kind
        if kind == "reset":
            reset_connection(writer)
        elif kind == "deaf":
            transport = writer.transport
            if isinstance(transport, asyncio.ReadTransport):
                transport.pause_reading()  # accept, then never read: the client's writes stall
            await asyncio.Event().wait()  # until the connection's time cap
        elif kind == "tarpit":
            await self.hold(reader)
        else:
            await self.stream(reader, writer)

    async def stream(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        b = self.behaviour
        if b.wait_request:
            await self.read_request(reader)
        first = self.prefix + (os.urandom(b.random) if b.random else b"")
        if b.limit:
            first = first[: b.limit]
        await self.emit(writer, first, b.rate)
        sent = len(first)
        while self.block and (not b.limit or sent < b.limit):
            chunk = self.block if not b.limit else self.block[: b.limit - sent]
            await self.emit(writer, chunk, b.rate)
            sent += len(chunk)
        if b.then == "reset":
            reset_connection(writer)
        elif b.then == "hold":
            await self.hold(reader)

    async def read_request(self, reader: asyncio.StreamReader) -> bytes:
        settings = self.settings
        return await read_request(
            reader, settings.hostile_max_request, settings.hostile_wait_timeout
        )

    async def emit(self, writer: asyncio.StreamWriter, data: bytes, rate: float) -> None:
        """Write ``data``, at ``rate`` bytes per second if that is not 0."""
        if rate <= 0:
            writer.write(data)
            await self._drain(writer)
            return
        step = max(1, int(rate * DRIP_TICK))
        for start in range(0, len(data), step):
            writer.write(data[start : start + step])
            await self._drain(writer)
            await asyncio.sleep(step / rate)

    async def _drain(self, writer: asyncio.StreamWriter) -> None:
        async with asyncio.timeout(self.settings.write_timeout):
            await writer.drain()

    async def hold(self, reader: asyncio.StreamReader) -> None:
        """Read and drop until the client leaves (the connection's time cap ends it too)."""
        seen = 0
        while seen < HOLD_READ_CAP:
            chunk = await reader.read(4096)
            if not chunk:
                return
            seen += len(chunk)
        await asyncio.Event().wait()  # read enough: just wait for the time cap


class HostileTlsService(HostileTcpService):
    """A real TLS server presenting an absurd certificate; answers ``reply`` to one request."""

    async def start(self) -> None:
        if self.behaviour.variant in RAW_VARIANTS:  # served as bytes: OpenSSL would refuse them
            await super().start()
            return
        context = server_context(self.behaviour.variant)
        sock = tcp_listener(self.ctx.ip, self.ctx.port, self.settings.backlog)
        self._server = await asyncio.start_server(
            self._on_connection,
            sock=sock,
            ssl=context,
            ssl_handshake_timeout=self.settings.tls_handshake_timeout,
            limit=self.settings.hostile_max_request,
        )

    async def behave(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.behaviour.variant in RAW_VARIANTS:
            await reader.read(4096)  # the ClientHello
            await self.emit(writer, raw_flight(self.behaviour.variant), self.behaviour.rate)
            return
        await self.read_request(reader)
        writer.write(_encode(self.behaviour.reply, self.ctx))
        await self._drain(writer)


class HostileUdpService(UdpService):
    """``udp_silent`` (never answers) and ``udp_reply`` (one fixed datagram per request)."""

    name = "hostile-udp"

    def __init__(self, ctx: ServiceContext) -> None:
        super().__init__(ctx)
        self.behaviour = behaviour_of(ctx)
        self.trigger = self.behaviour.when_contains.encode("utf-8")
        payload = _encode(self.behaviour.payload, ctx) + self.behaviour.payload_raw
        self.payload = payload[:MAX_DATAGRAM]

        self._elsewhere: socket.socket | None = None
        if self.behaviour.reply_from:  # answers come from another (out-of-scope) address
            self._elsewhere = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self._elsewhere.setblocking(False)
            self._elsewhere.bind((self.behaviour.reply_from, 0))

    def answer(self, data: bytes, addr: Address) -> list[bytes]:
        if self.behaviour.kind == "udp_silent" or self.trigger not in data or not self.payload:
            return []
        if self._elsewhere is not None:
            if ipaddress.IPv4Address(addr[0]) in LOOPBACK and self.buckets.allow(addr[0]):
                with contextlib.suppress(OSError):  # a full buffer drops it, as UDP would
                    self._elsewhere.sendto(self.payload, addr[:2])
                    self.replies += 1
            return []
        return [self.payload]

    def close(self) -> None:
        if self._elsewhere is not None:
            self._elsewhere.close()
            self._elsewhere = None
        super().close()


class UdpFloodService(HostileUdpService):
    """Answers one probe with many datagrams: bounded, rate-limited, loopback sources only."""

    name = "hostile-flood"

    def __init__(self, ctx: ServiceContext) -> None:
        super().__init__(ctx)
        self.count = self.behaviour.count
        self.rate = self.behaviour.rate or DEFAULT_FLOOD_RATE
        self.pad = self.behaviour.pad
        self.starts = TokenBuckets(ctx.settings.udp_flood_starts, 2.0, ctx.settings.udp_max_sources)
        self.floods = 0
        self._flood: asyncio.Task[None] | None = None

    def datagram_received(self, data: bytes, addr: Address) -> None:
        if (
            not data
            or len(data) > self.ctx.settings.udp_max_request
            or not is_unicast_source(addr)
            or ipaddress.IPv4Address(addr[0]) not in LOOPBACK
            or self.trigger not in data
            or (self._flood is not None and not self._flood.done())
            or not self.starts.allow(addr[0])
        ):
            self.dropped += 1
            return
        self.floods += 1
        self._flood = asyncio.get_running_loop().create_task(self._send(addr))

    def datagram(self) -> bytes:
        return (self.payload + (os.urandom(self.pad) if self.pad else b""))[:MAX_DATAGRAM]

    async def _send(self, addr: Address) -> None:
        batch = max(1, int(self.rate * FLOOD_TICK))
        sent = 0
        while sent < self.count and self.transport is not None:
            for _ in range(min(batch, self.count - sent)):
                self.transport.sendto(self.datagram(), addr)
                sent += 1
                self.replies += 1
            await asyncio.sleep(batch / self.rate)

    def close(self) -> None:
        if self._flood is not None:
            self._flood.cancel()
        super().close()


async def start_tcp(ctx: ServiceContext) -> HostileTcpService:
    service = HostileTcpService(ctx)
    await service.start()
    return service


async def start_tls(ctx: ServiceContext) -> HostileTlsService:
    service = HostileTlsService(ctx)
    await service.start()
    return service


async def start_udp(ctx: ServiceContext) -> HostileUdpService:
    service = HostileUdpService(ctx)
    await service.start()
    return service


async def start_flood(ctx: ServiceContext) -> UdpFloodService:
    service = UdpFloodService(ctx)
    await service.start()
    return service
