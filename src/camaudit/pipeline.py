"""The scan pipeline: every host goes sweep → UDP discovery → TCP probes as soon as its *own*
previous step is done, so no phase waits for the slowest host of the phase before it and the
event loop always has work while some hosts sit on timeouts.

Every safety limit of :func:`camaudit.scan.scan_jobs` holds: each send is scope-checked and
rate-limited by the probes, each phase has its own bound on jobs in flight (capped by the rate),
each host its own (``per_host``), each job a last-resort guard. Adaptive timeouts: a host's
sweep measures its connect round trip; its later probes get
``clamp(rtt_factor * slowest connect, min_timeout, timeout)``.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator, Callable

from camaudit.probes.base import Probe, ProbeContext, ProbeResult, ProbeStatus
from camaudit.scan import JobKey, ScanOptions, ScanPlan, limits, run_job

#: Statuses of a sweep connect that measured a round trip (the peer's stack answered).
_ANSWERED = frozenset({ProbeStatus.SUCCESS, ProbeStatus.REFUSED})


def host_timeout(rtts: list[float], options: ScanOptions) -> float:
    """The timeout for a host's probes from its measured connect times (``options.timeout``
    when nothing was measured or adaptive timeouts are off)."""
    if not options.adaptive or not rtts:
        return options.timeout
    wanted = options.rtt_factor * max(rtts)
    return min(options.timeout, max(options.min_timeout, wanted))


class _Pipeline:
    def __init__(
        self,
        scan_plan: ScanPlan,
        ctx: ProbeContext,
        options: ScanOptions,
        done: set[JobKey],
        known_open: set[tuple[str, int]],
        on_total: Callable[[int], None] | None,
    ) -> None:
        self.plan = scan_plan
        self.ctx = ctx
        self.options = options
        self.done = done
        self.known_open = known_open
        self.on_total = on_total
        sweep_n, self.guard = limits(options, options.sweep_concurrency)
        udp_n, _ = limits(options, options.udp_concurrency)
        probe_n, _ = limits(options, options.concurrency)
        if options.rate > 0:
            # Phases overlap, and every send waits for the one rate limiter: all of them share
            # one bound, small enough that a job's wait for its token stays within a quarter
            # of its timeout (the probes' deadlines start before that wait).
            shared = asyncio.Semaphore(max(1, int(options.rate * options.timeout / 4)))
            self.sweep_sem = self.udp_sem = self.probe_sem = shared
        else:
            self.sweep_sem = asyncio.Semaphore(sweep_n)
            self.udp_sem = asyncio.Semaphore(udp_n)
            self.probe_sem = asyncio.Semaphore(probe_n)
        self.hosts = asyncio.Semaphore(max(1, options.hosts_in_flight))
        self.queue: asyncio.Queue[ProbeResult | None] = asyncio.Queue(maxsize=probe_n * 4)
        self.sweep_ports = scan_plan.sweep_ports()
        self.total = 0

    def _grow(self, jobs: int) -> None:
        self.total += jobs
        if self.on_total and jobs:
            self.on_total(self.total)

    async def _job(
        self,
        phase: asyncio.Semaphore,
        host: asyncio.Semaphore,
        probe: Probe,
        ip: str,
        port: int,
        ctx: ProbeContext,
    ) -> ProbeResult | None:
        if (probe.name, ip, port) in self.done:
            return None
        # The host's slot first: a job waiting for its host holds no slot of the phase.
        async with host, phase:
            result = await run_job(probe, ip, port, ctx, self.guard)
        await self.queue.put(result)
        return result

    async def _host(self, ip: str) -> None:
        try:
            host = asyncio.Semaphore(max(1, self.options.per_host))
            sweeper = self.plan.sweeper
            swept = await asyncio.gather(
                *(
                    self._job(self.sweep_sem, host, sweeper, ip, port, self.ctx)
                    for port in self.sweep_ports
                )
            )
            open_ports = {(ip, p) for p in self.sweep_ports if (ip, p) in self.known_open}
            rtts: list[float] = []
            for r in swept:
                if r is None or r.port is None:
                    continue
                if r.status is ProbeStatus.SUCCESS:
                    open_ports.add((ip, r.port))
                if r.status in _ANSWERED:
                    rtts.append(r.elapsed)
            timeout = host_timeout(rtts, self.options)
            ctx = (
                self.ctx
                if timeout == self.ctx.timeout
                else dataclasses.replace(self.ctx, timeout=timeout)
            )
            # UDP only to hosts with an open TCP port (a silent UDP target costs a timeout).
            # Its datagrams go out together (not under the host's connection cap; the rate
            # limiter still meters each one) while the TCP probes run; probes that use what
            # discovery learnt (ONVIF and WS-Discovery's XAddrs) wait for it.
            udp = [
                (p, port)
                for p in self.plan.udp
                for port in self.plan.ports_for(p)
                if open_ports or not self.plan.tcp
            ]
            tcp = [
                (p, port)
                for p in self.plan.tcp
                for port in self.plan.ports_for(p)
                if (ip, port) in open_ports
            ]
            self._grow(len(udp) + len(tcp))
            unbounded = asyncio.Semaphore(len(udp) or 1)
            later = [(p, port) for p, port in tcp if getattr(p, "after_discovery", False)]
            now = [(p, port) for p, port in tcp if not getattr(p, "after_discovery", False)]

            async def discovery_then_later() -> None:
                await asyncio.gather(
                    *(self._job(self.udp_sem, unbounded, p, ip, port, ctx) for p, port in udp)
                )
                await asyncio.gather(
                    *(self._job(self.probe_sem, host, p, ip, port, ctx) for p, port in later)
                )

            await asyncio.gather(
                discovery_then_later(),
                *(self._job(self.probe_sem, host, p, ip, port, ctx) for p, port in now),
            )
        finally:
            self.hosts.release()

    async def feed(self) -> None:
        tasks: set[asyncio.Task[None]] = set()
        try:
            for ip in self.plan.scope:
                await self.hosts.acquire()
                task = asyncio.create_task(self._host(ip))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
            while tasks:
                await asyncio.gather(*list(tasks))
        except BaseException:
            for task in tasks:
                task.cancel()
            raise
        await self.queue.put(None)


async def run_phases(
    scan_plan: ScanPlan,
    ctx: ProbeContext,
    options: ScanOptions,
    *,
    done: set[JobKey] | None = None,
    known_open: set[tuple[str, int]] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> AsyncIterator[ProbeResult]:
    """Run the plan host by host through its phases, skipping jobs in ``done`` (a resumed
    scan); yield every result as it completes.

    1. TCP sweep of the host's ports (a closed port costs one round trip);
    2. UDP discovery, only if it showed an open TCP port (every camera, recorder and video
       server has a TCP service);
    3. TCP probes on its open ports (after discovery, so ONVIF can use WS-Discovery's XAddrs).

    ``known_open`` are (host, port) pairs a previous run of this scan found open; ``on_total``
    is told the job count as it becomes known.
    """
    pipe = _Pipeline(scan_plan, ctx, options, done or set(), set(known_open or ()), on_total)
    pipe._grow(len(pipe.sweep_ports) * len(scan_plan.scope))
    feed = asyncio.create_task(pipe.feed())
    try:
        while True:
            item = await pipe.queue.get()
            if item is None:
                break
            yield item
    finally:
        if not feed.done():
            feed.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await feed
