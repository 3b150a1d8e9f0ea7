"""The library API the CLI and web layers are thin wrappers over."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from camaudit.identify import Identifier
from camaudit.inventory import build_devices, rebuild_devices
from camaudit.models import Audit, Device, Evidence, Identity
from camaudit.net.scope import Scope
from camaudit.probes import REGISTRY
from camaudit.probes.base import Probe, ProbeResult
from camaudit.reports import write_report
from camaudit.scan import ScanOptions, ScanStats, plan, scan_jobs
from camaudit.store import DEFAULT_ORG, Store

_IDENTIFIER: Identifier | None = None


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
    on_plan: Callable[[int], None] | None = None,
    on_result: Callable[[ProbeResult], None] | None = None,
) -> ScanReport:
    """Scan ``targets`` (minus ``exclude``), store the evidence as it arrives, identify devices."""
    options = options or ScanOptions()
    scope = Scope.parse(targets, exclude)
    probe_objs: list[Probe] = [REGISTRY[name]() for name in probes]
    jobs = plan(scope, probe_objs, ports)
    if on_plan:
        on_plan(len(jobs))
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
    stats = ScanStats()

    async def run() -> None:
        async for result in scan_jobs(jobs, scope, options):
            stats.add(result)
            if result.evidence:
                store.add_evidence(audit.id or 0, result.evidence)
            if on_result:
                on_result(result)

    try:
        asyncio.run(run())
    except BaseException:
        store.finish_audit(audit.id, "interrupted")
        raise
    devices = build_devices(store, org, audit_ids=[audit.id], identifier=identifier())
    store.finish_audit(audit.id, "done")
    return ScanReport(audit, stats, devices, len(jobs))


def rebuild(store: Store, org: str | None = None) -> int:
    """Recreate every derived device from stored evidence; returns the device count."""
    return rebuild_devices(store, org, identifier())


def report(store: Store, fmt: str, path: str | Path, org: str | None = None) -> Path:
    """Write a report of the store's devices (one organisation or all)."""
    devices = store.devices(org)
    findings = store.findings(org)
    return write_report(fmt, path, devices, findings, {"org": org, "database": store.url})
