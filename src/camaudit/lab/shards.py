"""Serving a fleet from several processes when one process cannot hold enough sockets.

The lab binds one socket per (device address, port) (see :mod:`camaudit.lab.limits` for why),
and ``RLIMIT_NOFILE`` is per process: a 5,000-device estate needs about 24,000 listeners while an
unprivileged process here may open 20,000 files. :class:`ShardedLab` splits the devices into
contiguous slices, one worker process each (which also spreads the load over the cores); every
worker runs an ordinary :class:`~camaudit.lab.runner.LabServer` on its slice and reports back
through a pipe. Workers are started with ``fork`` where available (the fleet is inherited, not
re-pickled) and ``spawn`` elsewhere.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import multiprocessing
import signal
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from camaudit.errors import LabError
from camaudit.lab.base import LabSettings
from camaudit.lab.fleet import Fleet, LabDevice
from camaudit.lab.limits import CONNECTION_HEADROOM, max_rss_kb, open_file_ceiling
from camaudit.lab.persona import Persona
from camaudit.lab.runner import Endpoint, LabServer, count_by_protocol
from camaudit.lab.services import STARTERS, service_for, shares_port

READY_TIMEOUT = 300.0


def sockets_needed(fleet: Fleet) -> int:
    """Listening sockets the fleet needs (mounted protocols share their host's socket)."""
    count = 0
    for device in fleet.devices:
        persona = fleet.personas.get(device.persona)
        for protocol in device.ports:
            # (an unknown persona counts in full: LabServer names it when it starts)
            if persona is None or (
                not shares_port(persona, device.ports, protocol)
                and service_for(persona, protocol) in STARTERS
            ):
                count += 1
    return count


def workers_needed(fleet: Fleet, ceiling: int | None = None) -> int:
    """How many processes the fleet needs so that each stays under the open-file ceiling."""
    budget = (ceiling if ceiling is not None else open_file_ceiling()) - CONNECTION_HEADROOM
    if budget <= 0:
        raise LabError("the open-file limit is too low to run the lab")
    return max(1, math.ceil(sockets_needed(fleet) / budget))


def split(devices: Sequence[LabDevice], parts: int) -> list[list[LabDevice]]:
    """``parts`` contiguous, nearly equal slices (none empty)."""
    parts = max(1, min(parts, len(devices)))
    size, extra = divmod(len(devices), parts)
    out, start = [], 0
    for index in range(parts):
        end = start + size + (1 if index < extra else 0)
        out.append(list(devices[start:end]))
        start = end
    return out


@dataclass(frozen=True, slots=True)
class WorkerReport:
    endpoints: list[Endpoint]
    unserved: list[Endpoint]
    max_rss_kb: int


def _worker(
    devices: list[LabDevice],
    fleet_meta: tuple[str, int, int],
    personas: Mapping[str, Persona],
    settings: LabSettings | None,
    conn: Connection,
) -> None:
    """Worker process: serve ``devices`` until the parent says stop (or goes away)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    subnet, seed, port_offset = fleet_meta
    fleet = Fleet(devices, subnet, seed, port_offset, dict(personas))

    async def main() -> None:
        server = LabServer(fleet, personas, settings=settings)
        try:
            await server.start()
        except Exception as exc:  # reported to the parent, which raises it
            conn.send(("error", str(exc)))
            return
        conn.send(("ready", WorkerReport(server.endpoints, server.unserved, max_rss_kb())))
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        loop.add_reader(conn.fileno(), stop.set)  # a message or EOF both mean: stop
        try:
            await stop.wait()
        finally:
            loop.remove_reader(conn.fileno())
            await server.stop()
            with contextlib.suppress(OSError, EOFError):
                conn.send(("stopped", max_rss_kb()))

    asyncio.run(main())


class ShardedLab:
    """Serves a fleet from ``workers`` processes; ``start()`` returns when all are bound."""

    def __init__(
        self,
        fleet: Fleet,
        personas: Mapping[str, Persona] | None = None,
        *,
        settings: LabSettings | None = None,
        workers: int | None = None,
    ) -> None:
        self.fleet = fleet
        self.personas = dict(personas or fleet.personas)
        self.settings = settings
        self.workers = workers if workers is not None else workers_needed(fleet)
        self.endpoints: list[Endpoint] = []
        self.unserved: list[Endpoint] = []
        self.worker_max_rss_kb: list[int] = []
        self._procs: list[tuple[BaseProcess, Connection]] = []

    def endpoint_counts(self) -> dict[str, int]:
        return count_by_protocol(self.endpoints)

    def start(self, timeout: float = READY_TIMEOUT) -> None:
        context = (
            multiprocessing.get_context("fork")
            if sys.platform.startswith("linux")
            else multiprocessing.get_context("spawn")
        )
        meta = (self.fleet.subnet, self.fleet.seed, self.fleet.port_offset)
        try:
            for part in split(self.fleet.devices, self.workers):
                parent, child = context.Pipe()
                args: tuple[Any, ...] = (part, meta, self.personas, self.settings, child)
                process = context.Process(target=_worker, args=args, daemon=True)
                process.start()
                child.close()
                self._procs.append((process, parent))
            for _, conn in self._procs:
                if not conn.poll(timeout):
                    raise LabError(f"a lab worker did not start within {timeout:g} s")
                kind, payload = conn.recv()
                if kind != "ready":
                    raise LabError(str(payload))
                self.endpoints.extend(payload.endpoints)
                self.unserved.extend(payload.unserved)
                self.worker_max_rss_kb.append(payload.max_rss_kb)
        except BaseException:
            self.stop()
            raise

    def stop(self, timeout: float = 30.0) -> None:
        """Ask every worker to stop, wait for them; idempotent."""
        procs, self._procs = self._procs, []
        for _, conn in procs:
            with contextlib.suppress(OSError):
                conn.send(("stop", None))
        for index, (process, conn) in enumerate(procs):
            with contextlib.suppress(OSError, EOFError):
                if conn.poll(timeout):
                    kind, payload = conn.recv()
                    if kind == "stopped" and index < len(self.worker_max_rss_kb):
                        self.worker_max_rss_kb[index] = max(self.worker_max_rss_kb[index], payload)
            process.join(timeout)
            if process.is_alive():
                process.terminate()
                process.join(5.0)
            conn.close()
        self.endpoints = []
