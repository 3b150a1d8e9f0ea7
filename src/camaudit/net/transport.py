"""Bounded TCP I/O: every connect, write and read has a deadline and a byte cap.

A hostile device (tarpit, slow drip, endless body, huge header) costs at most the timeout and
``max_bytes`` of memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
from dataclasses import dataclass

from camaudit.net.scope import Scope


class ReadLimitReached(Exception):
    """The peer sent more than the byte cap (the data read so far is kept)."""


@dataclass(slots=True)
class Exchange:
    """What one request/response exchange produced."""

    data: bytes
    truncated: bool
    timed_out: bool


async def open_connection(
    scope: Scope, host: str, port: int, timeout: float, tls: ssl.SSLContext | None = None
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Connect to ``host:port`` after checking the scope; bounded by ``timeout``."""
    scope.check(host)
    return await asyncio.wait_for(
        asyncio.open_connection(
            host, port, ssl=tls, server_hostname=host if tls else None, limit=1 << 16
        ),
        timeout,
    )


async def read_bounded(
    reader: asyncio.StreamReader,
    *,
    max_bytes: int,
    deadline: float,
    until: bytes | None = None,
) -> Exchange:
    """Read until EOF, ``until`` is seen, ``max_bytes`` or the monotonic ``deadline``."""
    buf = bytearray()
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return Exchange(bytes(buf), False, True)
        try:
            chunk = await asyncio.wait_for(
                reader.read(min(65536, max_bytes - len(buf) + 1)), remaining
            )
        except TimeoutError:
            return Exchange(bytes(buf), False, True)
        except (ConnectionError, OSError):
            return Exchange(bytes(buf), False, False)
        if not chunk:
            return Exchange(bytes(buf), False, False)
        buf += chunk
        if len(buf) > max_bytes:
            return Exchange(bytes(buf[:max_bytes]), True, False)
        if until is not None and until in buf:
            return Exchange(bytes(buf), False, False)


async def close_quietly(writer: asyncio.StreamWriter, timeout: float = 1.0) -> None:
    """Close a connection without letting a misbehaving peer delay us."""
    writer.close()
    with contextlib.suppress(TimeoutError, ConnectionError, OSError, ssl.SSLError):
        await asyncio.wait_for(writer.wait_closed(), timeout)
