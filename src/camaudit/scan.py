"""Run probes over a scope and stream their results (evidence) as they arrive.

Concurrency is bounded globally (``concurrency``) and per host (``per_host``); every send is
rate-limited and scope-checked; every probe is bounded by its timeout and byte cap, so a hostile
device costs at most its timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass, field

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


@dataclass(slots=True)
class ScanStats:
    """Counts by status, for the end-of-scan summary."""

    results: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    evidence: int = 0

    def add(self, result: ProbeResult) -> None:
        self.results += 1
        self.by_status[result.status.value] = self.by_status.get(result.status.value, 0) + 1
        self.evidence += len(result.evidence)


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


async def scan_jobs(
    jobs: Iterable[Job],
    ctx: ProbeContext,
    options: ScanOptions,
    *,
    concurrency: int | None = None,
    skip: Callable[[Job], bool] | None = None,
) -> AsyncIterator[ProbeResult]:
    """Run jobs with bounded concurrency; yield each result as soon as it completes."""
    scope = ctx.scope
    concurrency = max(1, concurrency or options.concurrency)
    queue_wait = 0.0
    if options.rate > 0:
        # More jobs in flight than the rate can serve within a timeout only queue at the limiter.
        concurrency = min(concurrency, max(1, math.ceil(options.rate * options.timeout * 2)))
        queue_wait = concurrency / options.rate
    # Last-resort guard per job: a few requests, each bounded by the timeout plus limiter waits.
    guard = (options.timeout + queue_wait) * 4 + 1
    global_sem = asyncio.Semaphore(concurrency)
    host_sems: dict[str, asyncio.Semaphore] = {}
    queue: asyncio.Queue[ProbeResult | None] = asyncio.Queue(maxsize=concurrency * 2)

    async def one(job: Job) -> None:
        probe, ip, port = job
        host_sem = host_sems.setdefault(ip, asyncio.Semaphore(max(1, options.per_host)))
        async with host_sem:
            if ip not in scope:
                await queue.put(ProbeResult(probe.name, ip, port, ProbeStatus.OUT_OF_SCOPE))
                return
            try:
                # The probe's own timeouts bound it; this is a last-resort guard.
                result = await asyncio.wait_for(probe.run(ip, port, ctx), guard)
            except TimeoutError:
                result = ProbeResult(
                    probe.name, ip, port, ProbeStatus.TIMEOUT, detail="probe overran"
                )
            except Exception as exc:  # a probe bug must not kill the scan
                result = ProbeResult(probe.name, ip, port, ProbeStatus.ERROR, detail=repr(exc))
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


async def run_phases(
    scan_plan: ScanPlan,
    ctx: ProbeContext,
    options: ScanOptions,
    *,
    done: set[JobKey] | None = None,
    known_open: set[tuple[str, int]] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> AsyncIterator[ProbeResult]:
    """Run the plan's phases, skipping jobs in ``done`` (a resumed scan); yield every result.

    1. TCP sweep of every host (a closed port costs one round trip);
    2. UDP discovery only to hosts with an open TCP port (a silent UDP target costs a whole
       timeout, and every camera, recorder and video server has a TCP service);
    3. TCP probes on the open ports (after discovery, so ONVIF can use WS-Discovery's XAddrs).

    ``known_open`` are (host, port) pairs a previous run of this scan found open; ``on_total``
    is told the job count as it becomes known.
    """
    done = done or set()
    open_ports = set(known_open or ())

    def todo(jobs: list[Job]) -> list[Job]:
        return [j for j in jobs if (j[0].name, j[1], j[2]) not in done]

    sweep = scan_plan.sweep_jobs()
    total = len(sweep)
    if on_total:
        on_total(total)
    async for result in scan_jobs(todo(sweep), ctx, options, concurrency=options.sweep_concurrency):
        if result.status is ProbeStatus.SUCCESS and result.port is not None:
            open_ports.add((result.ip, result.port))
        yield result
    alive = {ip for ip, _ in open_ports}
    udp = [job for job in scan_plan.udp_jobs() if job[1] in alive or not scan_plan.tcp]
    tcp = scan_plan.tcp_jobs(open_ports)
    total += len(udp) + len(tcp)
    if on_total:
        on_total(total)
    async for result in scan_jobs(todo(udp), ctx, options, concurrency=options.udp_concurrency):
        yield result
    async for result in scan_jobs(todo(tcp), ctx, options):
        yield result
