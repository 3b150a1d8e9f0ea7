"""Shared CLI plumbing: console, store opening, output helpers."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from typing import Any

from rich.console import Console
from rich.table import Table

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


def identity_table(rows: Iterable[tuple[str, Identity]], title: str | None = None) -> Table:
    table = Table(title=title, show_lines=False)
    for col in (
        "input",
        "manufacturer",
        "brand",
        "model",
        "firmware",
        "type",
        "conf.",
        "restricted",
    ):
        table.add_column(col, overflow="fold")
    for name, ident in rows:
        table.add_row(
            name,
            ident.manufacturer or "[dim]unknown[/]",
            ident.brand or "",
            ident.model or "",
            ident.firmware or "",
            ident.device_type.value,
            f"{ident.confidence:.2f}",
            ", ".join(r.policy for r in ident.restricted) or "",
        )
    return table


def devices_table(devices: list[Device], title: str | None = None) -> Table:
    table = Table(title=title)
    for col in (
        "ip",
        "mac",
        "manufacturer",
        "brand",
        "model",
        "firmware",
        "type",
        "conf.",
        "restricted",
        "org",
        "site",
    ):
        table.add_column(col, overflow="fold")
    for d in devices:
        i = d.identity
        table.add_row(
            d.ip or "",
            d.mac or "",
            i.manufacturer or "[dim]unknown[/]",
            i.brand or "",
            i.model or "",
            i.firmware or "",
            i.device_type.value,
            f"{i.confidence:.2f}",
            "[bold red]yes[/]" if i.restricted else "",
            d.organisation,
            d.site or "",
        )
    return table
