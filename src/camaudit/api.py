"""The library API the CLI and web layers are thin wrappers over."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from camaudit.errors import InputError
from camaudit.identify import Identifier
from camaudit.inventory import build_devices, rebuild_devices
from camaudit.models import Audit, Device, Evidence, Identity
from camaudit.net.scope import Scope
from camaudit.probes import REGISTRY
from camaudit.probes.base import Probe, ProbeResult
from camaudit.reports import write_report
from camaudit.scan import ScanOptions, ScanStats, plan, scan_jobs
from camaudit.store import DEFAULT_ORG, Store
from camaudit.store.journal import JobOutcome, ScanJournal

_IDENTIFIER: Identifier | None = None
#: Scan results are committed (with their jobs) every this many results or seconds.
_BATCH = 200
_BATCH_SECONDS = 0.5


def identifier() -> Identifier:
    """A process-wide :class:`Identifier` over the shipped knowledge base."""
    global _IDENTIFIER
    if _IDENTIFIER is None:
        _IDENTIFIER = Identifier()
    return _IDENTIFIER


def identify(evidence: Evidence | Iterable[Evidence]) -> Identity:
    """Identify one device from one or more pieces of evidence."""
    items = [evidence] if isinstance(evidence, Evidence) else evidence
    return identifier().identify(items)


@dataclass(slots=True)
class ScanReport:
    """What :func:`scan` did: the audit, counts, and the devices it identified."""

    audit: Audit
    stats: ScanStats
    devices: list[Device] = field(default_factory=list)
    jobs: int = 0


def scan(
    targets: Sequence[str],
    *,
    store: Store,
    exclude: Sequence[str] = (),
    probes: Sequence[str] = ("http",),
    ports: dict[str, Sequence[int]] | None = None,
    options: ScanOptions | None = None,
    org: str = DEFAULT_ORG,
    site: str | None = None,
    resume: int | None = None,
    on_plan: Callable[[int, int], None] | None = None,
    on_result: Callable[[ProbeResult], None] | None = None,
) -> ScanReport:
    """Scan ``targets`` (minus ``exclude``), journal the evidence as it arrives, identify devices.

    Results are committed in small batches together with the jobs that produced them, so after a
    crash or ``kill -9`` ``resume=<audit id>`` finishes the same scan (same targets, probes,
    ports and limits) without losing or duplicating anything. ``on_plan(total, already_done)``
    and ``on_result`` drive progress displays.
    """
    if resume is not None:
        audit = store.get_audit(resume)
        if audit.kind != "scan":
            raise InputError(f"audit {resume} is a {audit.kind}, not a scan")
        if audit.status == "done":
            raise InputError(f"scan {resume} already finished; nothing to resume")
        p = audit.params
        targets, exclude, probes = p["targets"], p["exclude"], p["probes"]
        ports = p.get("ports") or None
        options = ScanOptions(concurrency=p["concurrency"], rate=p["rate"], timeout=p["timeout"])
        org, site = audit.organisation, audit.site
        store.set_audit_status(resume, "running")
    options = options or ScanOptions()
    scope = Scope.parse(targets, exclude)
    unknown = [name for name in probes if name not in REGISTRY]
    if unknown:
        raise InputError(f"unknown probe(s) {unknown}; choose from: {', '.join(REGISTRY)}")
    probe_objs: list[Probe] = [REGISTRY[name]() for name in probes]
    if resume is None:
        params: dict[str, Any] = {
            "targets": list(targets),
            "exclude": list(exclude),
            "probes": list(probes),
            "ports": {k: list(v) for k, v in (ports or {}).items()},
            "timeout": options.timeout,
            "rate": options.rate,
            "concurrency": options.concurrency,
        }
        audit = store.begin_audit("scan", org, site, params)
    assert audit.id is not None
    journal = ScanJournal(store, audit.id)
    done = journal.done() if resume is not None else set()
    all_jobs = plan(scope, probe_objs, ports)
    jobs = [j for j in all_jobs if (j[0].name, j[1], j[2]) not in done]
    if on_plan:
        on_plan(len(all_jobs), len(all_jobs) - len(jobs))
    stats = ScanStats()

    async def run() -> None:
        pending: list[JobOutcome] = []
        flushed = time.monotonic()
        async for result in scan_jobs(jobs, scope, options):
            stats.add(result)
            pending.append(
                JobOutcome(
                    result.probe, result.ip, result.port or 0, result.status.value, result.evidence
                )
            )
            if len(pending) >= _BATCH or time.monotonic() - flushed > _BATCH_SECONDS:
                journal.record(pending)
                pending, flushed = [], time.monotonic()
            if on_result:
                on_result(result)
        journal.record(pending)

    try:
        asyncio.run(run())
    except BaseException:
        store.finish_audit(audit.id, "interrupted")
        raise
    devices = build_devices(store, org, audit_ids=[audit.id], identifier=identifier())
    store.finish_audit(audit.id, "done")
    return ScanReport(audit, stats, devices, len(all_jobs))


def rebuild(store: Store, org: str | None = None) -> int:
    """Recreate every derived device from stored evidence; returns the device count."""
    return rebuild_devices(store, org, identifier())


def report(store: Store, fmt: str, path: str | Path, org: str | None = None) -> Path:
    """Write a report of the store's devices (one organisation or all)."""
    devices = store.devices(org)
    findings = store.findings(org)
    return write_report(fmt, path, devices, findings, {"org": org, "database": store.url})
