"""Shared CLI plumbing: console, store opening, output helpers."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from typing import Annotated, Any

import typer
from rich.console import Console

from camaudit.cli.tables import (
    IDENTITY_COLUMNS,
    device_tables,
    fit_table,
    identity_rows,
    print_tables,
)
from camaudit.models import Device, Identity
from camaudit.store import Store

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)

DB_HELP = "Database URL (SQLAlchemy), e.g. sqlite:///audit.db. Default: $CAMAUDIT_DB or a SQLite file in your user data directory."


ORG_HELP = (
    "Organisation that owns the devices. Without it they are filed under 'default' "
    "(with a warning)."
)


def org_or_default(org: str | None) -> str:
    """The organisation to file kit under: the one given, else the default (the command then
    calls :func:`warn_default_org` once it has succeeded, so an error stays one line)."""
    from camaudit.store.db import DEFAULT_ORG

    return org.strip() if org is not None and org.strip() else DEFAULT_ORG


def warn_default_org(org: str | None) -> None:
    """Say so when kit was filed under the default organisation because --org was not given."""
    if org is not None and org.strip():
        return
    from camaudit.store.db import DEFAULT_ORG

    err_console.print(
        f"camaudit: warning: no --org given: filed under the organisation {DEFAULT_ORG!r} "
        '(name yours with --org "Example Council")',
        soft_wrap=True,
    )


def open_store(db: str | None) -> Store:
    return Store.open(db)


def print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, indent=2, ensure_ascii=False) + "\n")


WideOpt = Annotated[
    bool, typer.Option("--wide", help="Every column, at full width (default: what fits).")
]


def show_devices(devices: list[Device], *, title: str, wide: bool = False) -> None:
    """Print devices as tables fitting the terminal (grouped by organisation and site)."""
    tables = device_tables(devices, width=console.width, title=title, wide=wide)
    print_tables(console, tables, wide=wide)


def show_identities(
    rows: Iterable[tuple[str, Identity]], *, title: str | None = None, wide: bool = False
) -> None:
    """Print identities (``camaudit identify``) as a table fitting the terminal."""
    table = fit_table(
        IDENTITY_COLUMNS, identity_rows(rows, wide), width=console.width, title=title, wide=wide
    )
    print_tables(console, [table], wide=wide)
