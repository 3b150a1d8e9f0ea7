"""What every protocol server module shares: settings, the per-endpoint context, a service handle
and a tracker for live connections (so the lab can stop without leaving tasks behind).

A protocol module provides ``async def start(ctx: ServiceContext) -> Service`` and is listed in
:mod:`camaudit.lab.services`. It binds ``ctx.ip:ctx.port`` only (always a 127/8 address).
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from typing import Any, Protocol

from camaudit.lab.fleet import LabDevice
from camaudit.lab.persona import Persona


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


class Service(Protocol):
    """A running listener (TCP server, UDP endpoint...) that can be closed."""

    def close(self) -> None: ...

    async def wait_closed(self) -> None: ...
