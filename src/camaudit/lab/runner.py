"""Running a fleet: :class:`LabServer` (async), :class:`LabThread` (sync, background thread) and
:func:`run_forever` (until SIGINT/SIGTERM, for ``camaudit lab run``)."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import ipaddress
import logging
import os
import signal
import threading
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from types import TracebackType

from camaudit.errors import LabError
from camaudit.lab.base import ConnectionTracker, LabSettings, Service, ServiceContext
from camaudit.lab.fleet import LOOPBACK, Fleet
from camaudit.lab.persona import Persona, load_personas
from camaudit.lab.services import STARTERS

logger = logging.getLogger(__name__)
Endpoint = tuple[str, int, str]  # (ip, port, protocol)


def _bind_message(ip: str, port: int, protocol: str, exc: OSError) -> str:
    where = f"cannot bind {protocol} on {ip}:{port}"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return (
            f"{where}: permission denied. Ports below 1024 need root or CAP_NET_BIND_SERVICE; "
            "use a port offset instead (e.g. port_offset=10000 puts HTTP on 10080)"
        )
    if exc.errno == errno.EADDRINUSE:
        return f"{where}: address already in use (is another lab or service using it?)"
    if exc.errno == errno.EADDRNOTAVAIL:
        return (
            f"{where}: address not available. Linux routes all of 127.0.0.0/8 to loopback; "
            f"on macOS/BSD add an alias first (sudo ifconfig lo0 alias {ip})"
        )
    if exc.errno in (errno.EMFILE, errno.ENFILE):
        return (
            f"{where}: too many open files. The lab needs one descriptor per endpoint plus one "
            "per connection: raise the limit (ulimit -n) or run fewer devices"
        )
    return f"{where}: {exc.strerror or exc}"


class LabServer:
    """Serves every device of a fleet: ``async with LabServer(fleet) as lab: ...``.

    Each (device, protocol) pair gets its own listener on the device's own 127.x address.
    ``protocols`` restricts which protocols are served; ports whose protocol has no server module
    yet are listed in :attr:`unserved`.
    """

    def __init__(
        self,
        fleet: Fleet,
        personas: Mapping[str, Persona] | None = None,
        *,
        settings: LabSettings | None = None,
        protocols: Collection[str] | None = None,
    ) -> None:
        self.fleet = fleet
        self.personas = dict(personas or fleet.personas or load_personas())
        self.settings = settings or LabSettings()
        self.protocols = None if protocols is None else set(protocols)
        self.endpoints: list[Endpoint] = []
        self.unserved: list[Endpoint] = []
        self._services: list[Service] = []
        self._tracker = ConnectionTracker()
        self._secret = os.urandom(32)
        self._started = False

    @property
    def connections(self) -> int:
        """Connections being served right now."""
        return len(self._tracker)

    async def __aenter__(self) -> LabServer:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def start(self) -> None:
        """Bind every endpoint; on any failure unbind what was bound and raise LabError."""
        if self._started:
            raise LabError("this lab server is already running")
        self._started = True
        try:
            await self._start_all()
        except BaseException:
            await self.stop()
            raise

    async def _start_all(self) -> None:
        for device in self.fleet.devices:
            if ipaddress.IPv4Address(device.ip) not in LOOPBACK:
                raise LabError(f"device address {device.ip} is outside 127.0.0.0/8: refusing")
            persona = self.personas.get(device.persona)
            if persona is None:
                raise LabError(f"device {device.ip} uses unknown persona {device.persona!r}")
            for protocol, port in device.ports.items():
                if self.protocols is not None and protocol not in self.protocols:
                    continue
                starter = STARTERS.get(protocol)
                if starter is None:
                    self.unserved.append((device.ip, port, protocol))
                    continue
                ctx = ServiceContext(
                    device=device,
                    persona=persona,
                    protocol=protocol,
                    ip=device.ip,
                    port=port,
                    secret=self._secret,
                    settings=self.settings,
                    tracker=self._tracker,
                )
                try:
                    service = await starter(ctx)
                except OSError as exc:
                    raise LabError(_bind_message(device.ip, port, protocol, exc)) from exc
                self._services.append(service)
                self.endpoints.append((device.ip, port, protocol))
        logger.info(
            "lab: %d devices, %d endpoints bound", len(self.fleet.devices), len(self.endpoints)
        )

    async def stop(self) -> None:
        """Stop listening, end live connections and release every socket. Idempotent."""
        services, self._services = self._services, []
        for service in services:
            service.close()
        await self._tracker.cancel_all()
        for service in services:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(5.0):
                    await service.wait_closed()
        self.endpoints = []
        self._started = False


class LabThread:
    """Runs a :class:`LabServer` in a background thread with its own event loop.

    ``with LabThread(fleet) as lab:`` returns once everything is bound (or raises the LabError
    that stopped it); leaving the block stops the servers and joins the thread.
    """

    def __init__(
        self,
        fleet: Fleet,
        personas: Mapping[str, Persona] | None = None,
        *,
        settings: LabSettings | None = None,
        protocols: Collection[str] | None = None,
        start_timeout: float = 60.0,
    ) -> None:
        self.fleet = fleet
        self.server = LabServer(fleet, personas, settings=settings, protocols=protocols)
        self.start_timeout = start_timeout
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread: threading.Thread | None = None

    @property
    def endpoints(self) -> list[Endpoint]:
        return self.server.endpoints

    def __enter__(self) -> LabThread:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        if self._thread is not None:
            raise LabError("this lab thread was already started")
        self._thread = threading.Thread(target=self._run, name="camaudit-lab", daemon=True)
        self._thread.start()
        if not self._ready.wait(self.start_timeout):
            self.stop()
            raise LabError(f"the lab did not start within {self.start_timeout:g} s")
        if self._error is not None:
            self._thread.join()
            raise self._error

    def stop(self, timeout: float = 30.0) -> None:
        thread, loop, stop = self._thread, self._loop, self._stop
        if thread is None:
            return
        if loop is not None and stop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # loop already finished
                loop.call_soon_threadsafe(stop.set)
        thread.join(timeout)
        if thread.is_alive():
            raise LabError(f"the lab thread did not stop within {timeout:g} s")

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._main())
        finally:
            loop.close()

    async def _main(self) -> None:
        self._stop = asyncio.Event()
        try:
            await self.server.start()
        except BaseException as exc:  # handed to the thread that called start()
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        try:
            await self._stop.wait()
        finally:
            await self.server.stop()


def run_forever(
    fleet: Fleet,
    truth_path: str | Path | None = None,
    *,
    personas: Mapping[str, Persona] | None = None,
    settings: LabSettings | None = None,
    on_ready: Callable[[LabServer], None] | None = None,
) -> None:
    """Serve ``fleet`` until SIGINT or SIGTERM, then shut down cleanly.

    The ground truth is written to ``truth_path`` once everything is bound; ``on_ready`` (if
    given) is called at the same moment, e.g. to print a summary.
    """

    async def serve() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        installed = []
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, stop.set)
                installed.append(sig)
            except (NotImplementedError, RuntimeError, ValueError):  # Windows, non-main thread
                pass
        try:
            async with LabServer(fleet, personas, settings=settings) as lab:
                if truth_path is not None:
                    fleet.write_truth(truth_path)
                if on_ready is not None:
                    on_ready(lab)
                await stop.wait()
        finally:
            for sig in installed:
                loop.remove_signal_handler(sig)

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve())
