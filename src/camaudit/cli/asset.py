"""`camaudit reconcile` and `camaudit unmerge`: the register against the network, and undoing a
merge of sources into one device."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from camaudit.cli.common import DB_HELP, console, err_console, open_store, print_json
from camaudit.errors import InputError
from camaudit.inventory import rebuild_devices
from camaudit.reconcile import KINDS, reconcile

DbOpt = Annotated[str | None, typer.Option("--db", help=DB_HELP)]


def reconcile_cmd(
    org: Annotated[str, typer.Option("--org", help="Organisation to reconcile.")],
    db: DbOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The register against the network: unregistered, never seen, maker and firmware
    mismatches, each with its asset id and location."""
    with open_store(db) as store:
        result = reconcile(store.devices(org), org)
    if as_json:
        print_json(result.to_dict())
        return
    table = Table(
        title=f"reconciliation of {org}: "
        + ", ".join(f"{n} {k}" for k, n in result.counts().items())
    )
    for col in ("kind", "asset id", "location", "ip", "register", "observed", "detail"):
        table.add_column(col)
    for kind in KINDS:
        for m in result.of(kind):
            table.add_row(
                kind,
                m.asset_id or "",
                m.location or "",
                m.ip or "",
                m.register or "",
                m.observed or "",
                m.detail,
            )
    console.print(table)


def unmerge(
    key: Annotated[str, typer.Argument(help="Device key (devices --json 'key'... or its ip).")],
    org: Annotated[str, typer.Option("--org", help="Organisation of the device.")],
    db: DbOpt = None,
    undo: Annotated[
        bool, typer.Option("--undo", help="Allow the device's parts to merge again.")
    ] = False,
) -> None:
    """Split a merged device back into its sources (its parts are never merged again), or with
    --undo let them merge again; devices are rebuilt from evidence."""
    with open_store(db) as store:
        if undo:
            store.set_split_parts(org, store.split_parts(org), keep=False)
        else:
            found = [d for d in store.devices(org) if key in (d.key, d.ip, d.asset.asset_id)]
            if not found:
                raise InputError(f"no device {key!r} in organisation {org!r}")
            parts = [p for d in found for p in d.parts]
            if len(parts) < 2:
                raise InputError(f"device {key!r} was not merged from several sources")
            store.set_split_parts(org, parts)
        n = rebuild_devices(store, org)
    err_console.print(f"rebuilt {n} devices of {org}")
