"""The lab's HTTP/1.1 server: one listening socket per (device address, port); also HTTPS (the
same app over TLS, with the persona's certificate) and ONVIF on a port of its own.

Per connection the state is one task, a bounded StreamReader and the parsed request; the persona
logic lives in :class:`camaudit.lab.http_app.PersonaApp` (one per endpoint, shared by its
connections). Requests are bounded (head size, header count, body size) and every read and write
has a timeout; a request the server cannot parse gets a plain error answer, then a lingering close
so that the client can read it.

TLS connections are accepted by a small protocol that pauses reading at once (so no byte of the
ClientHello can reach a plain stream), builds the device's context on first use
(:mod:`camaudit.lab.tls_certs`), then upgrades with ``loop.start_tls``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from typing import Any, Protocol

from camaudit.lab.base import ListeningService, ServiceContext, tcp_listener
from camaudit.lab.http_app import PersonaApp
from camaudit.lab.http_messages import (
    HttpParseError,
    HttpRequest,
    HttpResponse,
    body_length,
    error_response,
    parse_head,
    serialize_head,
)
from camaudit.lab.onvif_app import OnvifApp
from camaudit.lab.tls_certs import TlsStore
from camaudit.lab.tls_spec import TlsSpec

logger = logging.getLogger(__name__)
_LINGER_BYTES = 64 * 1024
_LINGER_SECONDS = 1.0


class HttpApp(Protocol):
    """Turns one parsed request into one response."""

    async def handle(self, request: HttpRequest) -> HttpResponse: ...


class HttpService(ListeningService):
    """An HTTP listener for one device on one address and port."""

    def __init__(self, ctx: ServiceContext, app: HttpApp | None = None) -> None:
        self.ctx = ctx
        self.settings = ctx.settings
        self.app: HttpApp = app if app is not None else PersonaApp(ctx)
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        sock = tcp_listener(self.ctx.ip, self.ctx.port, self.settings.backlog)
        self._server = await asyncio.start_server(
            self._on_connection, sock=sock, limit=self.settings.http_max_head
        )

    async def _on_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        task = self.ctx.tracker.add_current()
        peer = writer.get_extra_info("peername")
        peer_ip = peer[0] if isinstance(peer, tuple) else ""
        try:
            await self._serve(reader, writer, peer_ip)
        except (ConnectionError, TimeoutError, asyncio.IncompleteReadError):
            pass
        except asyncio.CancelledError:
            pass  # the lab is stopping; this task is the connection's own top-level task
        except Exception:  # a bug in a persona or handler must not kill the lab
            logger.exception("lab HTTP %s:%s: error while serving", self.ctx.ip, self.ctx.port)
        finally:
            self.ctx.tracker.discard(task)
            writer.close()

    async def _serve(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, peer: str
    ) -> None:
        settings = self.settings
        for count in range(settings.http_max_requests):
            wait = settings.http_head_timeout if count == 0 else settings.http_idle_timeout
            try:
                request = await self._read_request(reader, writer, peer, wait)
            except HttpParseError as exc:
                await self._send(writer, error_response(exc.status, exc.message), False, False)
                await self._linger(reader, writer)
                return
            if request is None:
                return
            try:
                response = await self.app.handle(request)
            except Exception:  # a persona or handler bug: answer 500, keep the lab up
                logger.exception("lab HTTP %s:%s: handler failed", self.ctx.ip, self.ctx.port)
                response = error_response(500, "internal error")
            last = count == settings.http_max_requests - 1
            keep_alive = request.keep_alive and not response.wants_close and not last
            await self._send(writer, response, keep_alive, request.method == "HEAD")
            if not keep_alive or response.stream is not None:
                return

    async def _read_request(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        peer: str,
        wait: float,
    ) -> HttpRequest | None:
        """The next request, None on a clean end of stream; HttpParseError if unusable."""
        settings = self.settings
        try:
            async with asyncio.timeout(wait):
                head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.LimitOverrunError as exc:
            raise HttpParseError(431, "request head too large") from exc
        except asyncio.IncompleteReadError as exc:
            if exc.partial.strip():
                raise HttpParseError(400, "incomplete request head") from exc
            return None
        except TimeoutError:
            return None  # idle or too slow: close quietly, like most embedded servers
        request = parse_head(head, max_headers=settings.http_max_headers)
        request.peer = peer
        length = body_length(request, max_body=settings.http_max_body)
        if length:
            if (request.header("Expect") or "").lower() == "100-continue":
                writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            try:
                async with asyncio.timeout(settings.http_body_timeout):
                    request.body = await reader.readexactly(length)
            except TimeoutError:
                raise HttpParseError(408, "request body timed out") from None
        return request

    async def _send(
        self,
        writer: asyncio.StreamWriter,
        response: HttpResponse,
        keep_alive: bool,
        head_only: bool,
    ) -> None:
        timeout = self.settings.write_timeout
        if response.stream is None:
            head = serialize_head(
                response, content_length=len(response.body), keep_alive=keep_alive
            )
            writer.write(head if head_only else head + response.body)
            async with asyncio.timeout(timeout):
                await writer.drain()
            return
        writer.write(serialize_head(response, content_length=None, keep_alive=False))
        if head_only:
            return
        async for chunk in response.stream:
            writer.write(chunk)
            async with asyncio.timeout(timeout):
                await writer.drain()

    async def _linger(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Half-close, then discard what the client is still sending, so it reads our answer
        instead of a connection reset."""
        with contextlib.suppress(OSError, RuntimeError):
            if writer.can_write_eof():
                writer.write_eof()
        discarded = 0
        with contextlib.suppress(TimeoutError, ConnectionError, asyncio.IncompleteReadError):
            async with asyncio.timeout(_LINGER_SECONDS):
                while discarded < _LINGER_BYTES:
                    chunk = await reader.read(4096)
                    if not chunk:
                        break
                    discarded += len(chunk)


class _TlsAccept(asyncio.Protocol):
    """First protocol of a TLS connection: stop reading, hand over to the upgrade task."""

    def __init__(self, service: HttpsService) -> None:
        self.service = service
        self.task: asyncio.Task[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        transport.pause_reading()
        self.task = asyncio.get_running_loop().create_task(self.service.accept_tls(transport))

    def connection_lost(self, exc: Exception | None) -> None:
        pass  # the upgrade task notices (start_tls fails on a closed transport)


class HttpsService(HttpService):
    """The device's web app over TLS, with its vendor-style certificate."""

    def __init__(self, ctx: ServiceContext) -> None:
        super().__init__(ctx)
        self.tls_spec = ctx.persona.spec("tls", TlsSpec)
        if ctx.resources.tls is None:
            ctx.resources.tls = TlsStore(ctx.settings.tls_contexts)
        self.store: TlsStore = ctx.resources.tls

    async def start(self) -> None:
        sock = tcp_listener(self.ctx.ip, self.ctx.port, self.settings.backlog)
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(lambda: _TlsAccept(self), sock=sock)

    async def accept_tls(self, transport: asyncio.Transport) -> None:
        task = self.ctx.tracker.add_current()
        loop = asyncio.get_running_loop()
        writer: asyncio.StreamWriter | None = None
        peer: Any = transport.get_extra_info("peername")
        try:
            context = await self.store.server_context(self.ctx, self.tls_spec)
            reader = asyncio.StreamReader(limit=self.settings.http_max_head)
            protocol = asyncio.StreamReaderProtocol(reader)
            tls_transport = await loop.start_tls(
                transport,
                protocol,
                context,
                server_side=True,
                ssl_handshake_timeout=self.settings.tls_handshake_timeout,
            )
            if tls_transport is None:
                return
            writer = asyncio.StreamWriter(tls_transport, protocol, reader, loop)
            await self._serve(reader, writer, peer[0] if isinstance(peer, tuple) else "")
        except (ssl.SSLError, ConnectionError, TimeoutError, OSError, asyncio.IncompleteReadError):
            pass  # failed handshakes and vanished clients are normal traffic for a device
        except asyncio.CancelledError:
            pass  # the lab is stopping
        except Exception:  # a persona bug must not kill the lab
            logger.exception("lab HTTPS %s:%s: error while serving", self.ctx.ip, self.ctx.port)
        finally:
            self.ctx.tracker.discard(task)
            if writer is not None:
                writer.close()
            transport.close()


async def start(ctx: ServiceContext) -> HttpService:
    """Bind and start the HTTP server for one device endpoint."""
    service = HttpService(ctx)
    await service.start()
    return service


async def start_https(ctx: ServiceContext) -> HttpsService:
    """Bind and start the HTTPS server (web app over TLS) for one device endpoint."""
    service = HttpsService(ctx)
    await service.start()
    return service


async def start_onvif(ctx: ServiceContext) -> HttpService:
    """Bind ONVIF on a port of its own (the web server does not answer there)."""
    service = HttpService(ctx, OnvifApp(ctx))
    await service.start()
    return service
