"""``camaudit scan``: probe targets, store evidence, identify devices."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from camaudit import api
from camaudit.api import ScanReport
from camaudit.cli.common import (
    DB_HELP,
    ORG_HELP,
    WideOpt,
    err_console,
    open_store,
    org_or_default,
    show_devices,
    warn_default_org,
)
from camaudit.errors import InputError
from camaudit.net.scope import Scope
from camaudit.probes import DEFAULT_PROBES, REGISTRY
from camaudit.probes.base import ProbeResult
from camaudit.scan import ScanOptions
from camaudit.store import Store
from camaudit.store.db import DEFAULT_ORG
from camaudit.store.journal import latest_unfinished_scan


def parse_port_options(values: Sequence[str] | None) -> dict[str, Sequence[int]] | None:
    """``--ports http=80,8080 --ports rtsp=554`` (a bare list means the HTTP probe)."""
    if not values:
        return None
    out: dict[str, Sequence[int]] = {}
    for value in values:
        name, sep, spec = value.partition("=")
        if not sep:
            name, spec = "http", value
        name = name.strip().lower()
        if name not in REGISTRY:
            raise InputError(f"--ports {value!r}: unknown probe {name!r}")
        out[name] = parse_ports(spec) or []
    return out


def parse_ports(text: str | None) -> list[int] | None:
    """``80,8080,10000-10010`` → ports; a clear error otherwise."""
    if not text:
        return None
    ports: list[int] = []
    for part in text.split(","):
        part = part.strip()
        try:
            if "-" in part:
                lo, hi = (int(x) for x in part.split("-", 1))
                ports.extend(range(lo, hi + 1))
            else:
                ports.append(int(part))
        except ValueError:
            raise InputError(
                f"bad port list {text!r}: expected e.g. 80,8080 or 8000-8010"
            ) from None
    if not ports or any(not 0 < p < 65536 for p in ports):
        raise InputError(f"bad port list {text!r}: ports are 1-65535")
    return ports


def run_scan_with_progress(
    targets: list[str],
    *,
    store: Store,
    exclude: list[str],
    ports: dict[str, Sequence[int]] | None,
    options: ScanOptions,
    org: str,
    site: str | None,
    probes: list[str],
    quiet: bool = False,
    resume: int | None = None,
    port_offset: int = 0,
    credentials: Path | None = None,
) -> ScanReport:
    """Run :func:`camaudit.api.scan` behind a rich progress bar (on stderr)."""
    progress = Progress(
        TextColumn("[bold]scanning"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[found]} answered"),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
        disable=quiet or not err_console.is_terminal,
    )
    task = progress.add_task("scan", total=None, found=0)
    answered = 0

    def on_plan(total: int, already: int) -> None:
        progress.update(task, total=total, completed=already)

    def on_result(result: ProbeResult) -> None:
        nonlocal answered
        if result.evidence:
            answered += 1
        progress.update(task, advance=1, found=answered)

    with progress:
        return api.scan(
            targets,
            store=store,
            exclude=exclude,
            probes=probes,
            ports=ports,
            options=options,
            org=org,
            site=site,
            resume=resume,
            port_offset=port_offset,
            credentials=credentials,
            on_plan=on_plan,
            on_result=on_result,
        )


def scan(
    targets: Annotated[
        list[str] | None,
        typer.Argument(
            help="Addresses, CIDR blocks (127.20.0.0/24) or ranges (127.20.0.10-20). Nothing outside them is ever contacted.",
            show_default=False,
        ),
    ] = None,
    exclude: Annotated[
        list[str] | None,
        typer.Option("--exclude", "-x", help="Address/CIDR to leave out (repeatable)."),
    ] = None,
    ports: Annotated[
        list[str] | None,
        typer.Option(
            "--ports",
            "-p",
            help="Ports for a probe instead of its defaults: PROBE=LIST, e.g. http=80,8080 or "
            "rtsp=554 (repeatable; a bare list means http).",
        ),
    ] = None,
    port_offset: Annotated[
        int,
        typer.Option(
            "--port-offset",
            help="Add this to every default port (for a lab run as a non-root user).",
        ),
    ] = 0,
    probes: Annotated[
        str,
        typer.Option(
            "--probes",
            help=f"Comma-separated probes ({', '.join(REGISTRY)}). Default: all but tcp/tls.",
        ),
    ] = ",".join(DEFAULT_PROBES),
    credentials: Annotated[
        Path | None,
        typer.Option(
            "--credentials",
            help="YAML file of YOUR credentials per address range, for authenticated inventory "
            "(ONVIF, ISAPI, Dahua). Never guessed, never stored, never logged.",
        ),
    ] = None,
    rate: Annotated[
        float, typer.Option("--rate", help="Connections per second across the scan (0 = no limit).")
    ] = 500.0,
    concurrency: Annotated[
        int, typer.Option("--concurrency", "-c", help="Connections in flight at once.")
    ] = 256,
    timeout: Annotated[
        float, typer.Option("--timeout", "-t", help="Seconds per connection (connect + answer).")
    ] = 3.0,
    org: Annotated[str | None, typer.Option("--org", help=ORG_HELP)] = None,
    site: Annotated[
        str | None, typer.Option("--site", help="Site name (for policies by sensitivity).")
    ] = None,
    db: Annotated[
        str | None, typer.Option("--db", help=DB_HELP, envvar="CAMAUDIT_DB", show_envvar=False)
    ] = None,
    json_out: Annotated[
        Path | None,
        typer.Option(
            "--json", help="Also write the identified devices as a JSON array to this file."
        ),
    ] = None,
    stats_out: Annotated[
        Path | None,
        typer.Option(
            "--stats",
            help="Write the scan's statistics as JSON to this file: counts by status and, per "
            "phase (sweep, udp, probes), jobs, job time, time waiting on timeouts, start/end.",
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or table.")] = False,
    wide: WideOpt = False,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume",
            help="Finish an interrupted scan (the latest one of --org, or --audit N) with its "
            "original targets and settings; work already stored is not repeated.",
        ),
    ] = False,
    audit_id: Annotated[
        int | None, typer.Option("--audit", help="With --resume: the scan audit to finish.")
    ] = None,
) -> None:
    """Scan targets with safe, rate-limited probes; store the evidence; identify the devices.

    camaudit scan 127.20.0.0/24 --exclude 127.20.0.1 --org "Example Council" --site "Town Hall"

    camaudit scan --resume            (after a crash, Ctrl-C or kill: finish the last scan)
    """
    for out in (json_out, stats_out):
        if out is not None and not out.parent.exists():
            raise InputError(f"cannot write {out}: directory {out.parent} does not exist")
    if resume:
        if targets:
            raise InputError("--resume takes no targets: it reuses the interrupted scan's")
        org = org or DEFAULT_ORG
        with open_store(db) as store:
            audit = audit_id if audit_id is not None else latest_unfinished_scan(store, org)
            if audit is None:
                raise InputError(f"no interrupted scan to resume for organisation {org!r}")
            result = run_scan_with_progress(
                [],
                store=store,
                exclude=[],
                ports=None,
                options=ScanOptions(),
                org=org,
                site=site,
                probes=[],
                quiet=quiet,
                resume=audit,
            )
        _finish(result, json_out, stats_out, quiet, wide)
        return
    if not targets:
        raise InputError("give targets to scan (or --resume); see camaudit scan --help")
    if concurrency < 1 or timeout <= 0 or rate < 0:
        raise InputError("--concurrency must be ≥ 1, --timeout > 0 and --rate ≥ 0")
    names = [p.strip() for p in probes.split(",") if p.strip()]
    unknown = [n for n in names if n not in REGISTRY]
    if unknown or not names:
        raise InputError(f"unknown probe(s) {unknown}; choose from: {', '.join(REGISTRY)}")
    Scope.parse(targets, exclude or [])  # fail fast, before any progress output
    port_map = parse_port_options(ports)
    if credentials is not None and not credentials.is_file():
        raise InputError(f"cannot read credentials file {credentials}")
    if credentials is not None and (mode := credentials.stat().st_mode & 0o777) & 0o077:
        err_console.print(
            f"camaudit: warning: credentials file {credentials} can be read by other users "
            f"(mode {mode:04o}); chmod 600 it",
            markup=False,
            soft_wrap=True,
        )
    if not 0 <= port_offset < 60000:
        raise InputError("--port-offset must be between 0 and 59999")
    options = ScanOptions(concurrency=concurrency, rate=rate, timeout=timeout)
    given_org, org = org, org_or_default(org)
    with open_store(db) as store:
        result = run_scan_with_progress(
            targets,
            store=store,
            exclude=exclude or [],
            ports=port_map,
            options=options,
            org=org,
            site=site,
            probes=names,
            quiet=quiet,
            port_offset=port_offset,
            credentials=credentials,
        )
    _finish(result, json_out, stats_out, quiet, wide)
    warn_default_org(given_org)


def _finish(
    result: ScanReport,
    json_out: Path | None,
    stats_out: Path | None,
    quiet: bool,
    wide: bool = False,
) -> None:
    """Write --json and --stats and print the table and the status summary."""
    if json_out is not None:
        json_out.write_text(json.dumps([d.to_dict() for d in result.devices], indent=2) + "\n")
    if stats_out is not None:
        doc = {"audit": result.audit.id, "jobs": result.jobs, **result.stats.to_dict()}
        stats_out.write_text(json.dumps(doc, indent=2) + "\n")
    if not quiet:
        show_devices(
            result.devices,
            title=f"audit #{result.audit.id}: {len(result.devices)} devices",
            wide=wide,
        )
        status = ", ".join(f"{k} {v}" for k, v in sorted(result.stats.by_status.items()))
        err_console.print(
            f"{result.jobs} probes: {status}; {result.stats.evidence} evidence records stored"
        )
