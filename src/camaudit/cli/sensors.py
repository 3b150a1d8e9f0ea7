"""``camaudit sensor`` (add, run), ``camaudit centre run`` and ``camaudit jobs`` (submit, list,
cancel): distributed mode over :mod:`camaudit.sensors`."""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from camaudit.cli.common import DB_HELP, console, err_console, open_store, print_json
from camaudit.errors import InputError
from camaudit.probes import DEFAULT_PROBES, REGISTRY
from camaudit.sensors import registry, wire

sensor_app = typer.Typer(help="Site sensors: register one (at the centre), run one (at the site).")
centre_app = typer.Typer(help="The centre: store what the sensors send.")
jobs_app = typer.Typer(help="Scan jobs dispatched to site sensors.")

DbOpt = Annotated[str | None, typer.Option("--db", help=DB_HELP, envvar="CAMAUDIT_DB")]
BrokerOpt = Annotated[
    str,
    typer.Option(
        "--broker",
        "--centre",
        help="The centre's broker: redis://host:6379/0 (or rediss://, unix:///path.sock).",
        envvar="CAMAUDIT_BROKER",
    ),
]


def _logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


@sensor_app.command("add")
def sensor_add(
    site: Annotated[str, typer.Option("--site", help="The site this sensor serves.")],
    scope: Annotated[
        list[str], typer.Option("--scope", help="Address/CIDR the sensor may scan (repeatable).")
    ],
    org: Annotated[str, typer.Option("--org", help="Organisation.")] = "default",
    db: DbOpt = None,
) -> None:
    """Register a sensor at the centre; prints its token ONCE (only its hash is kept)."""
    with open_store(db) as store:
        info, token = registry.add_sensor(store, org, site, scope)
    err_console.print(f"sensor {info.handle} for {org}/{site}, scope {', '.join(info.scope)}")
    console.print(token)


@sensor_app.command("run")
def sensor_run(
    site: Annotated[str, typer.Option("--site", help="This sensor's site.")],
    token: Annotated[
        str,
        typer.Option(
            "--token", help="The token `sensor add` printed.", envvar="CAMAUDIT_SENSOR_TOKEN"
        ),
    ],
    broker: BrokerOpt,
    org: Annotated[str, typer.Option("--org", help="Organisation.")] = "default",
    workdir: Annotated[
        Path, typer.Option("--workdir", help="Local journal and spool (SQLite).")
    ] = Path("camaudit-sensor"),
    credentials: Annotated[
        Path | None,
        typer.Option("--credentials", help="Site-local credentials YAML (never leaves the site)."),
    ] = None,
    allow: Annotated[
        list[str] | None,
        typer.Option("--allow", help="Local allow-list: refuse jobs outside it (repeatable)."),
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Pull this site's scan jobs, scan locally, push the evidence to the centre."""
    from camaudit.sensors.agent import SensorConfig, run_sensor

    if credentials is not None and not credentials.is_file():
        raise InputError(f"cannot read credentials file {credentials}")
    _logging(verbose)
    config = SensorConfig(org, site, token, broker, workdir, credentials, allow or None)
    with contextlib.suppress(KeyboardInterrupt):
        run_sensor(config)


@centre_app.command("run")
def centre_run(broker: BrokerOpt, db: DbOpt = None, verbose: bool = False) -> None:
    """Store the evidence sensors push; identify each job's devices when it is done."""
    from camaudit.sensors.centre import run_centre

    _logging(verbose)
    with open_store(db) as store:
        url = store.url
    with contextlib.suppress(KeyboardInterrupt):
        run_centre(url, broker)


@jobs_app.command("submit")
def jobs_submit(
    targets: Annotated[list[str], typer.Argument(help="Addresses/CIDRs inside the site's scope.")],
    site: Annotated[str, typer.Option("--site")],
    broker: BrokerOpt,
    org: Annotated[str, typer.Option("--org")] = "default",
    exclude: Annotated[list[str] | None, typer.Option("--exclude", "-x")] = None,
    probes: Annotated[str, typer.Option("--probes")] = ",".join(DEFAULT_PROBES),
    port_offset: Annotated[int, typer.Option("--port-offset")] = 0,
    timeout: Annotated[float, typer.Option("--timeout")] = 3.0,
    rate: Annotated[float, typer.Option("--rate")] = 500.0,
    db: DbOpt = None,
) -> None:
    """Queue a scan for a site's sensor (refused if outside the sensor's allowed scope)."""
    names = [p.strip() for p in probes.split(",") if p.strip()]
    unknown = [n for n in names if n not in REGISTRY]
    if unknown or not names:
        raise InputError(f"unknown probe(s) {unknown}; choose from: {', '.join(REGISTRY)}")
    with open_store(db) as store:
        job = registry.submit_job(
            store,
            wire.broker(broker),
            org,
            site,
            targets,
            exclude=exclude or (),
            probes=names,
            port_offset=port_offset,
            timeout=timeout,
            rate=rate,
        )
    console.print(f"job {job.id} queued for {org}/{site} (audit {job.audit_id})")


@jobs_app.command("list")
def jobs_list(
    org: Annotated[str | None, typer.Option("--org")] = None,
    json_out: Annotated[bool, typer.Option("--json")] = False,
    db: DbOpt = None,
) -> None:
    """Jobs and their state."""
    with open_store(db) as store:
        jobs = registry.list_jobs(store, org)
    if json_out:
        print_json([j.to_dict() for j in jobs])
        return
    table = Table(title="jobs")
    for col in ("id", "org", "site", "status", "targets", "audit", "refused records"):
        table.add_column(col)
    for j in jobs:
        table.add_row(
            str(j.id),
            j.organisation,
            j.site,
            j.status,
            " ".join(j.targets),
            str(j.audit_id),
            str(j.rejected),
        )
    console.print(table)


@jobs_app.command("cancel")
def jobs_cancel(job_id: int, broker: BrokerOpt, db: DbOpt = None) -> None:
    """Cancel a queued or running job."""
    with open_store(db) as store:
        job = registry.cancel_job(store, wire.broker(broker), job_id)
    console.print(f"job {job.id} {job.status}")
