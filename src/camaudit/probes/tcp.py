"""TCP connect probe: is the port open? Status only, no evidence (used to skip closed ports).

A sweep makes more connections than anything else in a scan, so this probe uses a bare
non-blocking socket (no stream objects, no TLS): scope check, rate token, connect, close.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import socket
import struct

from camaudit.errors import ScopeError
from camaudit.probes.base import ProbeContext, ProbeResult, ProbeStatus, Timer

#: Ports cameras, recorders and their TCP probes use (web, RTSP, vendor SDKs, FTP/Telnet, ONVIF).
CAMERA_TCP_PORTS: tuple[int, ...] = (
    21, 23, 80, 443, 554, 2020, 5000, 8000, 8080, 8443, 8899, 9000, 37777,
)  # fmt: skip


class TcpProbe:
    """Connect and close. ``SUCCESS`` = open, ``REFUSED`` = closed, ``TIMEOUT`` = filtered."""

    name = "tcp"
    default_ports: tuple[int, ...] = CAMERA_TCP_PORTS
    self_bounded = True  # a single connect under one wait_for: the engine's guard is redundant

    async def run(self, ip: str, port: int, ctx: ProbeContext) -> ProbeResult:
        timer = Timer()
        status, detail = await _connect(ip, port, ctx)
        result = ProbeResult(self.name, ip, port, status, detail=detail)
        result.elapsed = timer.elapsed
        return result


async def _connect(ip: str, port: int, ctx: ProbeContext) -> tuple[ProbeStatus, str | None]:
    try:
        ctx.scope.check(ip)
    except ScopeError as exc:
        return ProbeStatus.OUT_OF_SCOPE, str(exc)
    await ctx.limiter.acquire()
    family = socket.AF_INET6 if ":" in ip else socket.AF_INET
    try:
        sock = socket.socket(family, socket.SOCK_STREAM)
    except OSError as exc:
        return ProbeStatus.ERROR, exc.strerror or str(exc)
    try:
        sock.setblocking(False)
        # Close with a reset: the port is only being tested, and no TIME_WAIT is left behind.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_RESET)
        code = await asyncio.wait_for(_connect_ex(sock, ip, port), ctx.timeout)
    except TimeoutError:
        return ProbeStatus.TIMEOUT, None
    except OSError as exc:
        return ProbeStatus.ERROR, exc.strerror or str(exc)
    finally:
        with contextlib.suppress(OSError):
            sock.close()
    if code == 0:
        return ProbeStatus.SUCCESS, None
    if code in (errno.ECONNREFUSED, errno.ECONNRESET):
        return ProbeStatus.REFUSED, None
    return ProbeStatus.ERROR, os.strerror(code)


_LINGER_RESET = struct.pack("ii", 1, 0)


async def _connect_ex(sock: socket.socket, ip: str, port: int) -> int:
    """Non-blocking connect to a literal address; the errno it ends with (0 = connected).

    The address is already numeric (targets are never names), so this skips the event loop's
    resolver step that ``sock_connect`` takes for every connection."""
    code = sock.connect_ex((ip, port))
    if code not in (errno.EINPROGRESS, errno.EWOULDBLOCK):
        return code
    loop = asyncio.get_running_loop()
    ready: asyncio.Future[None] = loop.create_future()
    fd = sock.fileno()

    def writable() -> None:
        if not ready.done():
            ready.set_result(None)

    loop.add_writer(fd, writable)
    try:
        await ready
    finally:
        loop.remove_writer(fd)
    return sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
