"""``camaudit import FORMAT FILE``: audit from files an organisation already has."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from camaudit import api
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


def import_(
    fmt: Annotated[
        str,
        typer.Argument(
            metavar="FORMAT",
            help="nmap, masscan, zgrab2, shodan, censys, register (CSV/XLSX), pcap, dhcp, arp.",
        ),
    ],
    file: Annotated[Path, typer.Argument(help="The file to import.", show_default=False)],
    org: Annotated[str | None, typer.Option("--org", help=ORG_HELP)] = None,
    site: Annotated[str | None, typer.Option("--site", help="Site the file describes.")] = None,
    db: Annotated[
        str | None, typer.Option("--db", help=DB_HELP, envvar="CAMAUDIT_DB", show_envvar=False)
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress or table.")] = False,
    wide: WideOpt = False,
) -> None:
    """Import a file as one audit: all of it, or — on any bad record — none of it.

    camaudit import register assets.xlsx --org "Example Council" --site "Depot"
    camaudit import nmap scan.xml --org "Example Council"
    """
    given_org, org = org, org_or_default(org)
    progress = Progress(
        SpinnerColumn(),
        TextColumn("[bold]importing[/] {task.fields[n]} records"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=quiet or not err_console.is_terminal,
    )
    task = progress.add_task("import", n=0)
    with open_store(db) as store, progress:
        result = api.import_file(
            fmt.lower(),
            file,
            store=store,
            org=org,
            site=site,
            progress=lambda n: progress.update(task, n=n),
        )
    if not quiet:
        show_devices(
            result.devices,
            title=f"audit #{result.audit.id}: {len(result.devices)} devices",
            wide=wide,
        )
        err_console.print(f"imported {result.records} evidence records from {file}")
    warn_default_org(given_org)
