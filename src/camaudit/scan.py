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

from camaudit.net.ratelimit import RateLimiter
from camaudit.net.scope import Scope
from camaudit.probes.base import Probe, ProbeContext, ProbeResult, ProbeStatus


@dataclass(slots=True)
class ScanOptions:
    """Limits for one scan."""

    concurrency: int = 256
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


async def scan_jobs(
    jobs: Iterable[Job],
    scope: Scope,
    options: ScanOptions,
    *,
    skip: Callable[[Job], bool] | None = None,
) -> AsyncIterator[ProbeResult]:
    """Run jobs with bounded concurrency; yield each result as soon as it completes."""
    ctx = ProbeContext(scope, RateLimiter(options.rate), options.timeout, options.max_bytes)
    concurrency = max(1, options.concurrency)
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
