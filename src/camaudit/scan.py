"""Run probes over a scope and stream their results (evidence) as they arrive.

Concurrency is bounded globally (``concurrency``) and per host (``per_host``); every send is
rate-limited and scope-checked; every probe is bounded by its timeout and byte cap, so a hostile
device costs at most its timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from camaudit.net.scope import Scope
from camaudit.probes import REGISTRY, TCP_PROBES, UDP_PROBES
from camaudit.probes.base import Probe, ProbeContext, ProbeResult, ProbeStatus
from camaudit.probes.tcp import TcpProbe


@dataclass(slots=True)
class ScanOptions:
    """Limits for one scan."""

    concurrency: int = 256
    udp_concurrency: int = 2048  # silent UDP targets hold a slot for the whole timeout
    sweep_concurrency: int = 2048  # a closed port answers at once: sweep wide
    per_host: int = 4
    rate: float = 0.0  # connections per second, 0 = unlimited
    timeout: float = 3.0
    max_bytes: int = 256 * 1024
    #: Hosts between their sweep and their last probe at once (bounds memory on huge scopes).
    hosts_in_flight: int = 512
    #: Adaptive timeouts: a host whose sweep measured its round trip gets
    #: ``clamp(rtt_factor * slowest connect, min_timeout, timeout)`` for its later probes.
    adaptive: bool = True
    min_timeout: float = 1.0
    rtt_factor: float = 50.0


#: A result that means "waited for nothing": the time it took was spent waiting on a timeout.
WAIT_STATUSES = frozenset({ProbeStatus.TIMEOUT, ProbeStatus.NO_RESPONSE})


@dataclass(slots=True)
class PhaseStats:
    """Where one phase's time went: jobs, summed job time, the part of it spent on jobs that
    ended on a timeout or silence (waiting), and when its first job started / last one ended."""

    jobs: int = 0
    busy_seconds: float = 0.0
    waiting_seconds: float = 0.0
    first: float | None = None
    last: float | None = None

    def add(self, result: ProbeResult, now: float) -> None:
        self.jobs += 1
        self.busy_seconds += result.elapsed
        if result.status in WAIT_STATUSES:
            self.waiting_seconds += result.elapsed
        start = now - result.elapsed
        self.first = start if self.first is None else min(self.first, start)
        self.last = now if self.last is None else max(self.last, now)

    def to_dict(self, origin: float) -> dict[str, float | int]:
        return {
            "jobs": self.jobs,
            "job_seconds": round(self.busy_seconds, 2),
            "waiting_seconds": round(self.waiting_seconds, 2),
            "start": round((self.first or origin) - origin, 2),
            "end": round((self.last or origin) - origin, 2),
        }


#: Phase of a job by probe name (for :class:`ScanStats`).
def phase_of(probe: str) -> str:
    if probe == "tcp":
        return "sweep"
    return "udp" if probe in UDP_PROBES else "probes"


@dataclass(slots=True)
class ScanStats:
    """Counts by status and per-phase timings, for the end-of-scan summary and ``--stats``."""

    results: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    evidence: int = 0
    phases: dict[str, PhaseStats] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)
    cpu_started: float = field(default_factory=time.process_time)
    wall_seconds: float = 0.0
    cpu_seconds: float = 0.0
    #: Seconds the journal spent committing batches (off the event loop, in a thread).
    journal_seconds: float = 0.0
    #: Seconds spent identifying the scan's devices after the last probe.
    identify_seconds: float = 0.0

    def add(self, result: ProbeResult) -> None:
        self.results += 1
        self.by_status[result.status.value] = self.by_status.get(result.status.value, 0) + 1
        self.evidence += len(result.evidence)
        phase = self.phases.setdefault(phase_of(result.probe), PhaseStats())
        phase.add(result, time.monotonic())

    def finish(self) -> None:
        self.wall_seconds = time.monotonic() - self.started
        self.cpu_seconds = time.process_time() - self.cpu_started

    def to_dict(self) -> dict[str, Any]:
        return {
            "results": self.results,
            "evidence": self.evidence,
            "by_status": dict(sorted(self.by_status.items())),
            "wall_seconds": round(self.wall_seconds, 2),
            "cpu_seconds": round(self.cpu_seconds, 2),
            "journal_seconds": round(self.journal_seconds, 2),
            "identify_seconds": round(self.identify_seconds, 2),
            "phases": {
                name: self.phases[name].to_dict(self.started)
                for name in ("sweep", "udp", "probes")
                if name in self.phases
            },
        }


Job = tuple[Probe, str, int]
JobKey = tuple[str, str, int]


def plan(
    scope: Scope, probes: Sequence[Probe], ports: dict[str, Sequence[int]] | None = None
) -> list[Job]:
    """Every (probe, host, port) to try; ``ports`` overrides a probe's default ports by name."""
    jobs: list[Job] = []
    for ip in scope:
        for probe in probes:
            for port in (ports or {}).get(probe.name, probe.default_ports):
                jobs.append((probe, ip, port))
    return jobs


class ScanPlan:
    """The jobs of a scan over a scope: a TCP connect sweep of the union of the selected TCP
    probes' ports, UDP discovery (WS-Discovery, SADP, DHIP, SSDP, mDNS) and the TCP probes on
    the (host, port) pairs the sweep found open. :func:`run_phases` runs them in order."""

    def __init__(
        self,
        scope: Scope,
        names: Sequence[str],
        ports: dict[str, Sequence[int]] | None = None,
        port_offset: int = 0,
    ) -> None:
        self.scope = scope
        self.names = list(names)
        self.ports = ports or {}
        self.port_offset = port_offset
        self.probes: dict[str, Probe] = {n: REGISTRY[n]() for n in self.names}
        self.udp = [self.probes[n] for n in self.names if n in UDP_PROBES]
        self.tcp = [self.probes[n] for n in self.names if n in TCP_PROBES and n != "tcp"]
        self.sweeper: Probe = self.probes.get("tcp") or TcpProbe()

    def ports_for(self, probe: Probe) -> Sequence[int]:
        if probe.name in self.ports:
            return self.ports[probe.name]
        return [p + self.port_offset for p in probe.default_ports]

    def udp_jobs(self) -> list[Job]:
        return [(p, ip, port) for ip in self.scope for p in self.udp for port in self.ports_for(p)]

    def sweep_ports(self) -> list[int]:
        wanted = {port for p in self.tcp for port in self.ports_for(p)}
        if "tcp" in self.probes:
            wanted |= set(self.ports_for(self.sweeper))
        return sorted(wanted)

    def sweep_jobs(self) -> list[Job]:
        ports = self.sweep_ports()
        return [(self.sweeper, ip, port) for ip in self.scope for port in ports]

    def tcp_jobs(self, open_ports: set[tuple[str, int]]) -> list[Job]:
        return [
            (p, ip, port)
            for ip in self.scope
            for p in self.tcp
            for port in self.ports_for(p)
            if (ip, port) in open_ports
        ]


def limits(options: ScanOptions, concurrency: int) -> tuple[int, float]:
    """Jobs in flight for a phase and the last-resort guard per job, given the rate limit.

    With a rate, more jobs in flight than it serves within a timeout would only queue at the
    limiter; the guard allows a few requests, each its timeout plus limiter waits."""
    concurrency = max(1, concurrency)
    queue_wait = 0.0
    if options.rate > 0:
        concurrency = min(concurrency, max(1, math.ceil(options.rate * options.timeout * 2)))
        queue_wait = concurrency / options.rate
    return concurrency, (options.timeout + queue_wait) * 4 + 1


async def run_job(probe: Probe, ip: str, port: int, ctx: ProbeContext, guard: float) -> ProbeResult:
    """One probe on one endpoint, scope-checked first; never raises (a probe bug, or a probe
    overrunning its own budget past ``guard`` seconds, fails only this job)."""
    if ip not in ctx.scope:
        return ProbeResult(probe.name, ip, port, ProbeStatus.OUT_OF_SCOPE)
    started = time.monotonic()
    try:
        if getattr(probe, "self_bounded", False):  # one wait_for already bounds it
            return await probe.run(ip, port, ctx)
        # The probe's own timeouts bound it; this is a last-resort guard.
        return await asyncio.wait_for(probe.run(ip, port, ctx), guard)
    except TimeoutError:
        result = ProbeResult(probe.name, ip, port, ProbeStatus.TIMEOUT, detail="probe overran")
    except Exception as exc:  # a probe bug must not kill the scan
        result = ProbeResult(probe.name, ip, port, ProbeStatus.ERROR, detail=repr(exc))
    result.elapsed = time.monotonic() - started
    return result


async def scan_jobs(
    jobs: Iterable[Job],
    ctx: ProbeContext,
    options: ScanOptions,
    *,
    concurrency: int | None = None,
    skip: Callable[[Job], bool] | None = None,
) -> AsyncIterator[ProbeResult]:
    """Run jobs with bounded concurrency; yield each result as soon as it completes."""
    concurrency, guard = limits(options, concurrency or options.concurrency)
    global_sem = asyncio.Semaphore(concurrency)
    host_sems: dict[str, asyncio.Semaphore] = {}
    queue: asyncio.Queue[ProbeResult | None] = asyncio.Queue(maxsize=concurrency * 2)

    async def one(job: Job) -> None:
        probe, ip, port = job
        host_sem = host_sems.setdefault(ip, asyncio.Semaphore(max(1, options.per_host)))
        async with host_sem:
            result = await run_job(probe, ip, port, ctx, guard)
        await queue.put(result)

    tasks: set[asyncio.Task[None]] = set()

    def _finished(task: asyncio.Task[None]) -> None:
        tasks.discard(task)
        global_sem.release()

    async def feeder() -> None:
        for job in jobs:
            if skip is not None and skip(job):
                continue
            await global_sem.acquire()
            task = asyncio.create_task(one(job))
            tasks.add(task)
            task.add_done_callback(_finished)
        if tasks:
            await asyncio.gather(*tasks)
        await queue.put(None)

    feed = asyncio.create_task(feeder())
    try:
        while True:
            item = await queue.get()
            if item is None:
                break
            yield item
    finally:
        if not feed.done():
            feed.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await feed
