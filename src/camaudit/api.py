"""The library API the CLI and web layers are thin wrappers over."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from camaudit.errors import InputError
from camaudit.identify import Identifier
from camaudit.inventory import identify_devices, rebuild_devices, refresh_devices
from camaudit.models import Audit, Device, Evidence, Identity
from camaudit.net.credentials import CredentialStore
from camaudit.net.ratelimit import RateLimiter
from camaudit.net.scope import Scope
from camaudit.pipeline import run_phases
from camaudit.probes import DEFAULT_PROBES, REGISTRY
from camaudit.probes.base import ProbeContext, ProbeResult
from camaudit.reports import write_report
from camaudit.scan import ScanOptions, ScanPlan, ScanStats
from camaudit.store import DEFAULT_ORG, Store
from camaudit.store.imports import atomic_import
from camaudit.store.journal import JobOutcome, ScanJournal

if TYPE_CHECKING:
    from camaudit.assess import Assessment, AuditDiff

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
    probes: Sequence[str] = DEFAULT_PROBES,
    ports: dict[str, Sequence[int]] | None = None,
    port_offset: int = 0,
    options: ScanOptions | None = None,
    credentials: str | Path | None = None,
    org: str = DEFAULT_ORG,
    site: str | None = None,
    resume: int | None = None,
    on_plan: Callable[[int, int], None] | None = None,
    on_result: Callable[[ProbeResult], None] | None = None,
) -> ScanReport:
    """Scan ``targets`` (minus ``exclude``), journal the evidence as it arrives, identify devices.

    Phases: UDP discovery, a TCP sweep, then the TCP probes on open ports (see
    :class:`~camaudit.scan.ScanPlan`). ``credentials`` is a YAML file of the user's credentials
    per scope, used only by authenticated-inventory probes and never stored. Results are
    committed in small batches with the jobs that produced them, so after a crash or
    ``kill -9`` ``resume=<audit id>`` finishes the same scan without losing or duplicating
    anything. ``on_plan(total, already_done)`` and ``on_result`` drive progress displays.
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
        port_offset = int(p.get("port_offset", 0))
        credentials = p.get("credentials")
        options = ScanOptions(concurrency=p["concurrency"], rate=p["rate"], timeout=p["timeout"])
        org, site = audit.organisation, audit.site
        store.set_audit_status(resume, "running")
    options = options or ScanOptions()
    scope = Scope.parse(targets, exclude)
    unknown = [name for name in probes if name not in REGISTRY]
    if unknown or not probes:
        raise InputError(f"unknown probe(s) {unknown}; choose from: {', '.join(REGISTRY)}")
    creds = CredentialStore.load(Path(credentials)) if credentials else None
    scan_plan = ScanPlan(scope, probes, ports, port_offset)
    if resume is None:
        params: dict[str, Any] = {
            "targets": list(targets),
            "exclude": list(exclude),
            "probes": list(probes),
            "ports": {k: list(v) for k, v in (ports or {}).items()},
            "port_offset": port_offset,
            "credentials": str(credentials) if credentials else None,  # the path, never secrets
            "timeout": options.timeout,
            "rate": options.rate,
            "concurrency": options.concurrency,
        }
        audit = store.begin_audit("scan", org, site, params)
    assert audit.id is not None
    journal = ScanJournal(store, audit.id)
    done = journal.done() if resume is not None else set()
    ctx = ProbeContext(
        scope,
        RateLimiter(options.rate),
        options.timeout,
        options.max_bytes,
        credentials=creds,
        site=site,
    )
    stats = ScanStats()
    planned = 0

    def on_total(total: int) -> None:
        nonlocal planned
        planned = total
        if on_plan:
            on_plan(total, len(done))

    async def commit(batch: list[JobOutcome]) -> None:
        started = time.monotonic()
        # Off the event loop: probes keep running while SQLite/PostgreSQL commits.
        await asyncio.to_thread(journal.record, batch)
        stats.journal_seconds += time.monotonic() - started

    async def run() -> None:
        pending: list[JobOutcome] = []
        flushed = time.monotonic()
        writing: asyncio.Task[None] | None = None
        phases = run_phases(
            scan_plan, ctx, options, done=done, known_open=journal.open_ports(), on_total=on_total
        )
        try:
            async for result in phases:
                stats.add(result)
                pending.append(
                    JobOutcome(
                        result.probe,
                        result.ip,
                        result.port or 0,
                        result.status.value,
                        result.evidence,
                    )
                )
                if len(pending) >= _BATCH or time.monotonic() - flushed > _BATCH_SECONDS:
                    if writing is not None:
                        await writing  # one commit at a time, in order
                    writing = asyncio.create_task(commit(pending))
                    pending, flushed = [], time.monotonic()
                if on_result:
                    on_result(result)
        finally:
            if writing is not None:
                await writing
        await commit(pending)

    try:
        _run_loop(run())
    except BaseException:
        store.finish_audit(audit.id, "interrupted")
        raise
    assert audit.id is not None
    stats.finish()
    started = time.monotonic()
    devices = refresh_devices(store, org, audit.id, identifier())
    stats.identify_seconds = time.monotonic() - started
    store.finish_audit(audit.id, "done")
    return ScanReport(audit, stats, devices, planned)


@dataclass(slots=True)
class ImportReport:
    """What :func:`import_file` did."""

    audit: Audit
    records: int
    devices: list[Device] = field(default_factory=list)


def _run_loop(main: Coroutine[Any, Any, None]) -> None:
    """Run a coroutine on uvloop where it is installed (a third faster for many small
    connections), else on the standard asyncio loop."""
    try:
        import uvloop
    except ImportError:
        asyncio.run(main)
        return
    uvloop.run(main)


def import_file(
    fmt: str,
    path: str | Path,
    *,
    store: Store,
    org: str = DEFAULT_ORG,
    site: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import one file (nmap XML, Shodan, register, pcap, ...) as one atomic audit.

    A bad record anywhere aborts the import with an :class:`~camaudit.errors.InputError` naming
    the line or record, and nothing is stored.
    """
    from camaudit.importers import REGISTRY as IMPORTERS
    from camaudit.importers.base import guarded

    importer = IMPORTERS.get(fmt)
    if importer is None:
        raise InputError(f"unknown import format {fmt!r}; choose one of: {', '.join(IMPORTERS)}")
    p = Path(path)
    _check_input_file(p)
    audit, count = atomic_import(
        store,
        f"import:{fmt}",
        guarded(importer.read(p), p, fmt),
        org=org,
        site=site,
        params={"format": fmt, "file": str(p), "size": p.stat().st_size},
        progress=progress,
    )
    assert audit.id is not None
    devices = refresh_devices(store, org, audit.id, identifier())
    return ImportReport(audit, count, devices)


def _check_input_file(path: Path) -> None:
    """One-line errors for a file that cannot be imported: missing, a folder, unreadable, empty."""
    if not path.exists():
        raise InputError(f"cannot read {path}: no such file")
    if path.is_dir():
        raise InputError(f"cannot read {path}: it is a folder, not a file")
    try:
        with path.open("rb") as fh:
            first = fh.read(1)
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    if not first:
        raise InputError(f"{path} is empty: nothing to import")


def assess_store(
    store: Store,
    *,
    org: str | None = None,
    packs: Sequence[str] | None = None,
    costs: str | Path | None = None,
) -> Assessment:
    """Assess the stored devices (policies, CVEs, exposure, risk, plan) and store the findings."""
    from camaudit.assess import assess, load_costs_from

    table = load_costs_from(Path(costs), error=InputError) if costs else None
    devices = store.devices(org)
    result = assess(
        devices,
        evidence_of=lambda d: [ev for _, ev in store.device_evidence(d.id or 0)],
        sensitivity_of=lambda d: store.site_sensitivity(d.organisation, d.site),
        packs=list(packs) if packs else None,
        costs=table,
    )
    for da in result.devices:
        if da.device.id is not None:
            store.replace_findings(da.device.id, da.store_findings())
    return result


def diff_audits(store: Store, audit_a: int, audit_b: int) -> AuditDiff:
    """What changed between two audits of one organisation (new, removed, changed, replaced)."""
    from camaudit.assess import diff

    a, b = store.get_audit(audit_a), store.get_audit(audit_b)
    if a.organisation != b.organisation:
        raise InputError(
            f"audits {audit_a} and {audit_b} belong to different organisations "
            f"({a.organisation!r}, {b.organisation!r})"
        )
    ident = identifier()
    before = [
        d
        for d, _, _ in identify_devices(
            store, a.organisation, audit_ids=[audit_a], identifier=ident
        )
    ]
    after = [
        d
        for d, _, _ in identify_devices(
            store, b.organisation, audit_ids=[audit_b], identifier=ident
        )
    ]
    return diff(before, after)


def rebuild(store: Store, org: str | None = None) -> int:
    """Recreate every derived device from stored evidence; returns the device count."""
    return rebuild_devices(store, org, identifier())


def report(
    store: Store,
    fmt: str,
    path: str | Path,
    org: str | None = None,
    *,
    vendor: str = "Hikvision",
    question: str | None = None,
) -> Path:
    """Write a report of the store's devices and findings (one organisation or all)."""
    devices = store.devices(org)
    findings = store.findings(org)
    meta: dict[str, Any] = {
        "org": org,
        "database": store.url,
        "audits": [a.id for a in store.audits(org)],
        "vendor": vendor,
        "question": question,
    }
    if fmt in ("html", "pdf") and devices:
        meta["plan"], meta["prerequisites"] = _plan_of(store, devices)
    return write_report(fmt, path, devices, findings, meta)


def _plan_of(store: Store, devices: list[Device]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The remediation plan for ``devices`` with every shipped pack (nothing is stored), and
    the settings the packs lacked (site sensitivities)."""
    from camaudit.assess import assess
    from camaudit.assess.prerequisites import site_sensitivity_gap

    result = assess(
        devices,
        evidence_of=lambda d: [ev for _, ev in store.device_evidence(d.id or 0)],
        sensitivity_of=lambda d: store.site_sensitivity(d.organisation, d.site),
    )
    gap = site_sensitivity_gap(result)
    return result.plan.to_dict(), [gap.to_dict()] if gap else []


def export_answer(
    store: Store,
    path: str | Path,
    org: str,
    *,
    signing_key: str | Path | None = None,
    hmac_secret: bytes | None = None,
    vendor: str = "Hikvision",
    question: str | None = None,
    costs: str | Path | None = None,
) -> dict[str, Any]:
    """Assess ``org``'s estate and write its information-request answer as signed JSON.

    The document (``camaudit-answer/1``, see :mod:`camaudit.reports.answer_json`) carries the
    answer text, the counts, restricted devices, high-severity CVE exposure, the replacement
    plan and the evidence hashes; it is signed with the Ed25519 key at ``signing_key`` or an
    HMAC-SHA256 ``hmac_secret`` (else only hashed). Returns the document written.
    """
    import json

    from camaudit.reports.answer_json import (
        build_answer,
        load_private_key,
        sign_ed25519,
        sign_hmac,
    )
    from camaudit.reports.context import build_report_data

    if org not in store.organisations():
        raise InputError(f"no organisation {org!r} in the store")
    assessment = assess_store(store, org=org, costs=costs)
    meta: dict[str, Any] = {
        "org": org,
        "audits": [a.id for a in store.audits(org)],
        "vendor": vendor,
        "question": question,
    }
    data = build_report_data(store.devices(org), store.findings(org), meta)
    doc = build_answer(data, assessment.plan.to_dict())
    if signing_key is not None:
        doc = sign_ed25519(doc, load_private_key(Path(signing_key)))
    elif hmac_secret is not None:
        doc = sign_hmac(doc, hmac_secret)
    out = Path(path)
    try:
        out.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write {out}: {exc.strerror or exc}") from None
    return doc
