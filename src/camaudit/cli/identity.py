"""Who a CLI command acts for: ``--user`` (default: the login name) and ``--body KEY`` for a
body's user; without ``--body`` the caller is an oversight user."""

from __future__ import annotations

import getpass
from typing import Annotated

import typer

from camaudit.oversight.types import Caller

UserOpt = Annotated[
    str | None,
    typer.Option("--user", envvar="CAMAUDIT_USER", help="Your user name (default: login name)."),
]
AsBodyOpt = Annotated[
    str | None,
    typer.Option("--body-user", help="Act as a user of this body (its key), not as oversight."),
]


def caller(user: str | None, body: str | None = None) -> Caller:
    name = user or getpass.getuser()
    return Caller.of_body(name, body) if body else Caller.oversight(name)
