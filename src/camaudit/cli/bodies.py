"""``camaudit bodies``: the reference list of public bodies and their populations."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from camaudit.cli.common import DB_HELP, console, open_store, print_json
from camaudit.cli.identity import UserOpt, caller

bodies_app = typer.Typer(
    help="Public bodies (councils, police forces, ...): official names, codes, populations.",
    no_args_is_help=True,
)
DbOpt = Annotated[str | None, typer.Option("--db", help=DB_HELP, envvar="CAMAUDIT_DB")]


@bodies_app.command("load")
def load(db: DbOpt = None, user: UserOpt = None) -> None:
    """Load the shipped reference list (Scotland's 32 council areas and Police Scotland)."""
    from camaudit.oversight import service  # loaded when the command runs

    with open_store(db) as store:
        added, updated = service.load_reference_bodies(store, caller(user))
    console.print(f"{added} bodies added, {updated} updated")


@bodies_app.command("import")
def import_(
    file: Annotated[
        Path,
        typer.Argument(
            help="CSV: name, key, code, kind, nation, population, population vintage, population source, organisation."
        ),
    ],
    db: DbOpt = None,
    user: UserOpt = None,
) -> None:
    """Import bodies from a CSV file (other nations or sectors)."""
    from camaudit.oversight import service  # loaded when the command runs

    with open_store(db) as store:
        added, updated = service.import_bodies(store, caller(user), file)
    console.print(f"{added} bodies added, {updated} updated")


@bodies_app.command("population")
def population(
    file: Annotated[
        Path,
        typer.Argument(
            help="A population table as downloaded (NRS mid-year estimates, CSV or XLSX)."
        ),
    ],
    vintage: Annotated[
        str | None, typer.Option(help="e.g. mid-2024 (default: read from the table's title).")
    ] = None,
    source: Annotated[
        str | None,
        typer.Option(help="Where the table comes from (default: the file name and hash)."),
    ] = None,
    db: DbOpt = None,
    user: UserOpt = None,
) -> None:
    """Set populations from a downloaded table, matched by GSS code, else by name."""
    from camaudit.oversight import service  # loaded when the command runs

    with open_store(db) as store:
        result = service.import_population(
            store, caller(user), file, vintage=vintage, source=source
        )
    console.print(
        f"{len(result.updated)} populations set ({result.vintage}; {result.source}); "
        f"{len(result.unmatched)} rows matched no body; "
        f"{len(result.not_in_file)} bodies not in the file"
    )


@bodies_app.command("list")
def list_(
    db: DbOpt = None,
    user: UserOpt = None,
    json_out: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """The bodies with their codes and populations ("not known" where no sourced figure)."""
    from camaudit.oversight import service  # loaded when the command runs

    with open_store(db) as store:
        bodies = service.list_bodies(store, caller(user))
    if json_out:
        print_json([b.to_dict() for b in bodies])
        return
    table = Table()
    for col in ("key", "name", "code", "kind", "population", "source of figure", "organisation"):
        table.add_column(col, overflow="fold")
    for b in bodies:
        p = b.population
        table.add_row(
            b.key,
            b.name,
            b.code or "not known",
            b.kind,
            b.population_text,
            f"{p.source} [{p.confidence or '?'}]" if p else "",
            b.organisation or "",
        )
    console.print(table)
    missing = sum(1 for b in bodies if b.population is None)
    console.print(f"{len(bodies)} bodies; population not known for {missing}")


@bodies_app.command("link")
def link(
    body: Annotated[str, typer.Argument(help="Body key, code or name.")],
    org: Annotated[
        str, typer.Argument(help="The camaudit organisation its audits are stored under.")
    ],
    db: DbOpt = None,
    user: UserOpt = None,
) -> None:
    """Link a body to the organisation its audits are stored under."""
    from camaudit.oversight import service  # loaded when the command runs

    with open_store(db) as store:
        b = service.link_body(store, caller(user), body, org)
    console.print(f"{b.name} → organisation {org!r}")


@bodies_app.command("key")
def key(
    body: Annotated[str, typer.Argument(help="Body key, code or name.")],
    public_key: Annotated[Path, typer.Argument(help="The body's Ed25519 public key (PEM).")],
    db: DbOpt = None,
    user: UserOpt = None,
) -> None:
    """Register the public key a body signs its exported answers with."""
    from camaudit.oversight import service  # loaded when the command runs

    with open_store(db) as store:
        b = service.register_key(store, caller(user), body, public_key.read_text(encoding="ascii"))
    console.print(f"key registered for {b.name}")
