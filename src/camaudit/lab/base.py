"""What every protocol server module shares: settings, the per-endpoint context, a service handle
and a tracker for live connections (so the lab can stop without leaving tasks behind).

A protocol module provides ``async def start(ctx: ServiceContext) -> Service`` and is listed in
:mod:`camaudit.lab.services`. It binds ``ctx.ip:ctx.port`` only: a 127/8 address, or in the
namespace mode an address of the lab's private range inside a namespace the lab created
(:mod:`camaudit.lab.netns`).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from camaudit.lab.fleet import LabDevice
    from camaudit.lab.persona import Persona
    from camaudit.lab.tls_certs import TlsStore


@dataclass(frozen=True, slots=True)
class LabSettings:
    """Limits and timeouts for the emulated servers (seconds, bytes)."""

    http_head_timeout: float = 10.0  # time to receive a complete request head
    http_idle_timeout: float = 15.0  # keep-alive wait for the next request
    http_body_timeout: float = 10.0
    http_max_head: int = 16 * 1024
    http_max_body: int = 64 * 1024
    http_max_headers: int = 100
    http_max_requests: int = 100  # per connection
    write_timeout: float = 10.0
    backlog: int = 64
    nonce_lifetime: float | None = None  # override the personas' digest nonce lifetime
    tls_handshake_timeout: float = 10.0
    tls_contexts: int = 256  # TLS contexts kept in memory (built again on demand when evicted)
    line_timeout: float = 15.0  # FTP/telnet/RTSP: wait for the next line or request
    line_max: int = 1024  # longest FTP/telnet command line accepted
    line_max_commands: int = 32  # FTP/telnet commands per connection
    rtsp_max_requests: int = 32
    udp_max_request: int = 8192  # larger datagrams are dropped unread
    udp_rate: float = 20.0  # replies per second per (endpoint, source address)
    udp_burst: float = 40.0
    udp_max_sources: int = 256  # sources tracked per endpoint (oldest forgotten first)
    udp_max_amplification: float = 12.0  # reply bytes <= this x request bytes...
    udp_min_reply_allowance: int = 1400  # ...or this many bytes, whichever is larger
    wsse_max_age: float = 300.0  # WS-UsernameToken Created must be this fresh (seconds)
    hostile_max_seconds: float = 120.0  # a hostile connection (tarpit, drip...) ends after this
    hostile_max_connections: int = 64  # per hostile endpoint; more are closed at once
    hostile_wait_timeout: float = 5.0  # how long a hostile stream waits for the request
    hostile_max_request: int = 16 * 1024  # bytes of a request a hostile stream reads
    udp_flood_starts: float = 1.0  # floods per second per source (burst 2)


class ConnectionTracker:
    """Live connection tasks across all services of one lab, cancelled together on stop."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    def __len__(self) -> int:
        return len(self._tasks)

    def add_current(self) -> asyncio.Task[Any] | None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        return task

    def discard(self, task: asyncio.Task[Any] | None) -> None:
        if task is not None:
            self._tasks.discard(task)

    async def cancel_all(self, timeout: float = 5.0) -> None:
        tasks = [t for t in self._tasks if not t.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait(tasks, timeout=timeout)
        self._tasks.clear()


@dataclass(slots=True)
class LabResources:
    """State shared by every endpoint of one running lab (created by the runner)."""

    boot_time: float = field(default_factory=time.time)
    tls: TlsStore | None = None  # certificates and contexts, built on first use
    # What hostile devices noticed, e.g. "xxe-fetch 127.61.0.10" when a client resolved an
    # external entity (tests assert scanners never do).
    events: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True, slots=True)
class ServiceContext:
    """Everything a protocol server needs to serve one device on one port."""

    device: LabDevice
    persona: Persona
    protocol: str
    ip: str
    port: int
    secret: bytes
    settings: LabSettings
    tracker: ConnectionTracker
    resources: LabResources = field(default_factory=LabResources)

    @property
    def context(self) -> dict[str, str]:
        """The device's template context plus this endpoint's port."""
        return {**self.device.context, "port": str(self.port)}


def tcp_listener(ip: str, port: int, backlog: int) -> socket.socket:
    """A non-blocking listening TCP socket on ``ip:port`` (no name resolution, no executor)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((ip, port))
        sock.listen(backlog)
        sock.setblocking(False)
    except BaseException:
        sock.close()
        raise
    return sock


def udp_socket(ip: str, port: int) -> socket.socket:
    """A non-blocking UDP socket bound to ``ip:port`` (no SO_REUSEADDR: a second lab on the same
    address must fail to bind, not silently share datagrams)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.bind((ip, port))
        sock.setblocking(False)
    except BaseException:
        sock.close()
        raise
    return sock


class ListeningService:
    """The lifecycle every TCP service shares: an ``asyncio.Server`` in ``_server``."""

    _server: asyncio.Server | None = None

    def stop_accepting(self) -> None:
        """Take no new connections but keep the listener for a moment, so that connections
        accepted just before still reach their handlers (closing the server at once strands
        them: Python 3.11 then never closes the socket it accepted)."""
        server = self._server
        if server is not None and server.is_serving():
            loop = server.get_loop()
            for sock in server.sockets:
                loop.remove_reader(sock.fileno())

    def close(self) -> None:
        if self._server is not None:
            self._server.close()

    async def wait_closed(self) -> None:
        if self._server is not None:
            await self._server.wait_closed()


class Service(Protocol):
    """A running listener (TCP server, UDP endpoint...) that can be closed."""

    def close(self) -> None: ...

    async def wait_closed(self) -> None: ...
