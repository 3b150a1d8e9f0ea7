"""Running a fleet: :class:`LabServer` (async), :class:`LabThread` (sync, background thread) and
:func:`run_forever` (until SIGINT/SIGTERM, for ``camaudit lab run``; it splits a fleet too big
for one process's open-file limit over worker processes, see :mod:`camaudit.lab.shards`)."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import ipaddress
import logging
import os
import signal
import threading
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Protocol

from camaudit.errors import LabError
from camaudit.lab.base import (
    ConnectionTracker,
    LabResources,
    LabSettings,
    ListeningService,
    Service,
    ServiceContext,
)
from camaudit.lab.fleet import LOOPBACK, NETNS_NETWORK, Fleet, LabDevice
from camaudit.lab.limits import CONNECTION_HEADROOM, ensure_open_files
from camaudit.lab.namespaces import enter_namespace, in_namespace
from camaudit.lab.persona import Persona, load_personas
from camaudit.lab.services import MOUNTS, STARTERS, TRANSPORTS, service_for, shares_port

logger = logging.getLogger(__name__)
Endpoint = tuple[str, int, str]  # (ip, port, protocol)


def count_by_protocol(endpoints: Iterable[Endpoint]) -> dict[str, int]:
    """How many endpoints serve each protocol, sorted by protocol name."""
    return dict(sorted(Counter(protocol for _, _, protocol in endpoints).items()))


START_BATCH = 256  # services started concurrently
SETTLE_TURNS = 8  # loop turns from accept() to a connection handler's first step (4 in 3.11)


class RunningLab(Protocol):
    """What ``run_forever``'s ``on_ready`` hook receives (one server or a set of workers)."""

    fleet: Fleet
    endpoints: list[Endpoint]

    def endpoint_counts(self) -> dict[str, int]: ...


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

    Each (device, protocol) pair gets its own listener on the device's own 127.x address, except
    protocols mounted on another one's port (ONVIF inside the web server on port 80), which are
    listed in :attr:`endpoints` but share that listener. ``protocols`` restricts which protocols
    are served; ports whose protocol has no server module are listed in :attr:`unserved`.
    Addresses must be in 127.0.0.0/8, or with ``namespace`` (the namespace mode, see
    :mod:`camaudit.lab.netns`) in the lab's private range, bound from inside that namespace.
    """

    def __init__(
        self,
        fleet: Fleet,
        personas: Mapping[str, Persona] | None = None,
        *,
        settings: LabSettings | None = None,
        protocols: Collection[str] | None = None,
        namespace: str | None = None,
    ) -> None:
        self.fleet = fleet
        self.namespace = namespace
        self.personas = dict(personas or fleet.personas or load_personas())
        self.settings = settings or LabSettings()
        self.protocols = None if protocols is None else set(protocols)
        self.endpoints: list[Endpoint] = []
        self.unserved: list[Endpoint] = []
        self._services: list[Service] = []
        self._tracker = ConnectionTracker()
        self._secret = os.urandom(32)
        self._started = False
        self.resources = LabResources()
        self.open_file_limit = 0

    def endpoint_counts(self) -> dict[str, int]:
        """How many endpoints are served per protocol (mounted ones included)."""
        return count_by_protocol(self.endpoints)

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

    def _wanted(self, protocol: str) -> bool:
        return self.protocols is None or protocol in self.protocols

    def _plan(self) -> tuple[list[ServiceContext], list[Endpoint]]:
        """What to bind (one context per listener) and which endpoints ride on another's port."""
        to_start: list[ServiceContext] = []
        mounted: list[Endpoint] = []
        for device in self.fleet.devices:
            self._check_address(device.ip)
            persona = self.personas.get(device.persona)
            if persona is None:
                raise LabError(f"device {device.ip} uses unknown persona {device.persona!r}")
            for protocol, port in device.ports.items():
                if not self._wanted(protocol):
                    continue
                if self._is_mounted(persona, device, protocol):
                    mounted.append((device.ip, port, protocol))
                    continue
                if service_for(persona, protocol) not in STARTERS:
                    self.unserved.append((device.ip, port, protocol))
                    continue
                to_start.append(
                    ServiceContext(
                        device=device,
                        persona=persona,
                        protocol=protocol,
                        ip=device.ip,
                        port=port,
                        secret=self._secret,
                        settings=self.settings,
                        tracker=self._tracker,
                        resources=self.resources,
                    )
                )
        return to_start, mounted

    def _check_address(self, ip: str) -> None:
        """Loopback addresses in the host's namespace; the private range inside the lab's own
        namespace (and only when this thread really is in it) in the namespace mode."""
        address = ipaddress.IPv4Address(ip)
        if self.namespace is None:
            if address not in LOOPBACK:
                raise LabError(f"device address {ip} is outside 127.0.0.0/8: refusing")
            return
        if address not in NETNS_NETWORK:
            raise LabError(f"device address {ip} is outside {NETNS_NETWORK}: refusing")
        if not in_namespace(self.namespace):
            raise LabError(
                f"device address {ip} belongs inside network namespace {self.namespace}, "
                "but the lab is not running there: refusing"
            )

    def _is_mounted(self, persona: Persona, device: LabDevice, protocol: str) -> bool:
        host = MOUNTS.get(protocol)
        return (
            host is not None and self._wanted(host) and shares_port(persona, device.ports, protocol)
        )

    async def _start_all(self) -> None:
        to_start, mounted = self._plan()
        services = [service_for(c.persona, c.protocol) for c in to_start]
        groups = sum(
            1
            for c, name in zip(to_start, services, strict=True)
            if TRANSPORTS.get(name) == "udp" and not c.ip.startswith("127.")
        )
        self.open_file_limit = ensure_open_files(len(to_start) + groups + CONNECTION_HEADROOM)
        for first in range(0, len(to_start), START_BATCH):
            batch = to_start[first : first + START_BATCH]
            names = services[first : first + START_BATCH]
            results = await asyncio.gather(
                *(STARTERS[name](c) for c, name in zip(batch, names, strict=True)),
                return_exceptions=True,
            )
            failure: BaseException | None = None
            for ctx, result in zip(batch, results, strict=True):
                if isinstance(result, BaseException):
                    if failure is None:
                        failure = result
                        if isinstance(result, OSError):
                            message = _bind_message(ctx.ip, ctx.port, ctx.protocol, result)
                            failure = LabError(message)
                    continue
                self._services.append(result)
                self.endpoints.append((ctx.ip, ctx.port, ctx.protocol))
            if failure is not None:
                raise failure
        self.endpoints.extend(mounted)
        logger.info(
            "lab: %d devices, %d endpoints (%d sockets) bound",
            len(self.fleet.devices),
            len(self.endpoints),
            len(self._services),
        )

    async def stop(self) -> None:
        """Stop listening, end live connections and release every socket. Idempotent."""
        services, self._services = self._services, []
        for service in services:
            if isinstance(service, ListeningService):
                service.stop_accepting()
        # Connections accepted a moment ago reach their handlers within a few turns of the
        # loop; cancelling the handlers then closes them with the rest.
        for _ in range(SETTLE_TURNS):
            await asyncio.sleep(0)
        for service in services:
            service.close()
        await self._tracker.cancel_all()
        for service in services:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(5.0):
                    await service.wait_closed()
        if self.resources.tls is not None:
            self.resources.tls.close()
        self.endpoints = []
        self._started = False


class LabThread:
    """Runs a :class:`LabServer` in a background thread with its own event loop.

    ``with LabThread(fleet) as lab:`` returns once everything is bound (or raises the LabError
    that stopped it); leaving the block stops the servers and joins the thread. With
    ``namespace`` the thread first moves into that network namespace (root only), so every
    socket it opens lives there.
    """

    def __init__(
        self,
        fleet: Fleet,
        personas: Mapping[str, Persona] | None = None,
        *,
        settings: LabSettings | None = None,
        protocols: Collection[str] | None = None,
        start_timeout: float = 60.0,
        namespace: str | None = None,
    ) -> None:
        self.fleet = fleet
        self.namespace = namespace
        self.server = LabServer(
            fleet, personas, settings=settings, protocols=protocols, namespace=namespace
        )
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
            if self.namespace is not None:
                enter_namespace(self.namespace)
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
    on_ready: Callable[[RunningLab], None] | None = None,
    workers: int | None = None,
) -> None:
    """Serve ``fleet`` until SIGINT or SIGTERM, then shut down cleanly.

    The ground truth is written to ``truth_path`` once everything is bound; ``on_ready`` (if
    given) is called at the same moment, e.g. to print ``lab.endpoint_counts()``. ``workers``
    processes serve the fleet (default: as many as the open-file limit requires, usually 1).
    """
    from camaudit.lab.shards import workers_needed

    count = workers if workers is not None else workers_needed(fleet)
    if count > 1:
        _run_sharded(fleet, truth_path, personas, settings, on_ready, count)
        return

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


def _run_sharded(
    fleet: Fleet,
    truth_path: str | Path | None,
    personas: Mapping[str, Persona] | None,
    settings: LabSettings | None,
    on_ready: Callable[[RunningLab], None] | None,
    workers: int,
) -> None:
    from camaudit.lab.shards import ShardedLab

    stop = threading.Event()
    previous = {
        sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)
    }
    lab = ShardedLab(fleet, personas, settings=settings, workers=workers)
    try:
        lab.start()
        if truth_path is not None:
            fleet.write_truth(truth_path)
        if on_ready is not None:
            on_ready(lab)
        stop.wait()
    finally:
        lab.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
