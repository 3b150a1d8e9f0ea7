"""``camaudit serve`` and ``camaudit users``: the web dashboard and its accounts."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from camaudit.cli.common import DB_HELP, console, err_console, open_store, print_json
from camaudit.errors import InputError

DbOpt = Annotated[
    str | None, typer.Option("--db", help=DB_HELP, envvar="CAMAUDIT_DB", show_envvar=False)
]

users_app = typer.Typer(
    help="Accounts of the web dashboard: add, list, disable, grant roles.",
    no_args_is_help=True,
)


def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="TCP port.")] = 8080,
    db: DbOpt = None,
    https: Annotated[
        bool,
        typer.Option(
            "--secure-cookies/--auto-cookies",
            help="Always mark cookies Secure (behind a TLS proxy). Default: when the request is HTTPS.",
        ),
    ] = False,
) -> None:
    """Serve the web dashboard and the JSON API (/api/, OpenAPI at /api/openapi.json).

    Create the first admin with `camaudit users add NAME --org ORG --role admin`.
    """
    import uvicorn

    from camaudit.web import create_app

    if not 0 < port < 65536:
        raise InputError("--port must be between 1 and 65535")
    store = open_store(db)
    app = create_app(store, https=True if https else None)
    err_console.print(f"camaudit: serving http://{host}:{port}/ (Ctrl-C to stop)")
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning", proxy_headers=False)
    finally:
        store.close()


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    value: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return value


@users_app.command("add")
def users_add(
    username: Annotated[str, typer.Argument(help="The user name to sign in with.")],
    org: Annotated[
        list[str] | None, typer.Option("--org", help="Organisation to give a role in (repeatable).")
    ] = None,
    role: Annotated[
        str, typer.Option("--role", help="viewer, operator, admin or oversight.")
    ] = "viewer",
    evidence: Annotated[
        bool, typer.Option("--evidence-granted", help="For oversight: may see raw evidence.")
    ] = False,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    db: DbOpt = None,
) -> None:
    """Create an account (and its role in each --org), e.g. the first admin:

    camaudit users add alice --org "Example Council" --role admin
    """
    from camaudit.accounts import add_user, grant, parse_role, record

    try:
        parsed = parse_role(role)
    except ValueError as exc:
        raise InputError(str(exc)) from None
    password = _password(password_stdin)
    with open_store(db) as store:
        add_user(store, username, password)
        for name in org or []:
            grant(store, username, name, parsed, evidence_granted=evidence)
        record(store, "cli", "user.add", target=username, detail=f"{parsed.value} {org or []}")
    err_console.print(
        f"added {username}" + (f" ({parsed.value} of {', '.join(org)})" if org else "")
    )


@users_app.command("grant")
def users_grant(
    username: Annotated[str, typer.Argument(help="An existing user.")],
    org: Annotated[str, typer.Option("--org", help="The organisation.")],
    role: Annotated[str, typer.Option("--role", help="viewer, operator, admin or oversight.")],
    evidence: Annotated[
        bool, typer.Option("--evidence-granted", help="For oversight: may see raw evidence.")
    ] = False,
    db: DbOpt = None,
) -> None:
    """Give a user a role in an organisation (replacing the role they had there)."""
    from camaudit.accounts import grant, parse_role, record

    try:
        parsed = parse_role(role)
    except ValueError as exc:
        raise InputError(str(exc)) from None
    with open_store(db) as store:
        grant(store, username, org, parsed, evidence_granted=evidence)
        record(store, "cli", "member.set", org=org, target=username, detail=parsed.value)
    err_console.print(f"{username} is now {parsed.value} of {org}")


@users_app.command("list")
def users_list(
    org: Annotated[str | None, typer.Option("--org", help="Only members of this one.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    db: DbOpt = None,
) -> None:
    """List accounts and their roles."""
    from camaudit.accounts import users

    with open_store(db) as store:
        rows = users(store, org)
    if as_json:
        print_json(
            [
                {
                    "username": u.username,
                    "disabled": u.disabled,
                    "created": u.created.isoformat() if u.created else None,
                    "roles": [
                        {"org": m.org, "role": m.role.value, "evidence_granted": m.evidence_granted}
                        for m in u.memberships
                    ],
                }
                for u in rows
            ]
        )
        return
    table = Table(title=f"{len(rows)} users")
    for col in ("user", "status", "roles", "created"):
        table.add_column(col, overflow="fold")
    for u in rows:
        roles = ", ".join(
            f"{m.role.value} of {m.org}" + (" (evidence)" if m.evidence_granted else "")
            for m in u.memberships
        )
        table.add_row(
            u.username,
            "disabled" if u.disabled else "active",
            roles,
            u.created.strftime("%Y-%m-%d") if u.created else "",
        )
    console.print(table)


@users_app.command("disable")
def users_disable(
    username: Annotated[str, typer.Argument(help="The account to disable.")],
    enable: Annotated[bool, typer.Option("--enable", help="Re-enable it instead.")] = False,
    db: DbOpt = None,
) -> None:
    """Disable an account: its sessions and API tokens stop working at once."""
    from camaudit.accounts import record, set_disabled

    with open_store(db) as store:
        set_disabled(store, username, not enable)
        record(store, "cli", "user.enable" if enable else "user.disable", target=username)
    err_console.print(f"{username} is {'enabled' if enable else 'disabled'}")
