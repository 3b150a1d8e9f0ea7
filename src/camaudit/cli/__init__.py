"""The ``camaudit`` command line: a thin Typer layer over the library API.

Exit codes: 0 ok; 1 findings above a ``--fail-on`` threshold; 2 bad input (one-line message);
3 another camaudit error (database, lab); 70 an internal error (a bug: please report it).
"""

from __future__ import annotations

import os
import sqlite3
import sys
from typing import Any, cast

import typer
from sqlalchemy.exc import OperationalError

from camaudit.cli.app import app
from camaudit.cli.common import err_console
from camaudit.errors import CamauditError, InputError
from camaudit.store.problems import explain

__all__ = ["app", "main"]


def main() -> None:
    """Entry point: run the app, turning camaudit errors into one-line messages."""
    try:
        rv = app(standalone_mode=False)
        sys.exit(rv if isinstance(rv, int) else 0)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        err_console.print("camaudit: aborted")
        sys.exit(130)
    except KeyboardInterrupt:
        err_console.print("camaudit: interrupted")
        sys.exit(130)
    except InputError as exc:
        _fail(str(exc), 2)
    except CamauditError as exc:
        _fail(str(exc), 3)
    except typer.TyperException as exc:  # usage errors: one line, with the valid choices
        code = int(getattr(exc, "exit_code", 2))
        if type(exc).__name__ == "NoArgsIsHelpError" or not hasattr(exc, "format_message"):
            show = getattr(exc, "show", None)
            if callable(show):
                show()  # the help text itself
            sys.exit(code)
        _fail(usage_message(exc), code)
    except Exception as exc:  # anything else is a bug, unless the database refused a write
        if os.environ.get("CAMAUDIT_DEBUG"):
            raise
        known = (
            explain(exc, _db_url()) if isinstance(exc, OperationalError | sqlite3.Error) else None
        )
        if known is not None:
            _fail(known, 3)
        _fail(
            f"internal error: {type(exc).__name__}: {exc} (set CAMAUDIT_DEBUG=1 for a traceback)",
            70,
        )


def usage_message(exc: Exception) -> str:
    """A usage error in our words: what was wrong, the valid choices, where help is."""
    message = str(cast(Any, exc).format_message()).strip().rstrip(".")
    ctx = getattr(exc, "ctx", None)
    param = getattr(exc, "param", None)
    choices = getattr(getattr(param, "type", None), "choices", None)
    if choices:
        message += f" (choices: {', '.join(str(c) for c in choices)})"
    command = getattr(ctx, "command", None)
    if message.startswith("No such command") and ctx is not None and command is not None:
        names: list[str] = list(getattr(command, "list_commands", lambda _ctx: [])(ctx))
        if names:
            message += f" (commands: {', '.join(names)})"
    path = str(getattr(ctx, "command_path", "") or "")
    if not path:  # an option error before the command's context exists: name it from argv
        words = [w for w in sys.argv[1:3] if w and not w.startswith("-")]
        path = " ".join(["camaudit", *words[:1]])
    elif not path.startswith("camaudit"):
        path = "camaudit " + path.split(" ", 1)[-1] if " " in path else "camaudit"
    message = message[:1].lower() + message[1:]
    return f"{message}; see `{path} --help`"


def _db_url() -> str | None:
    """The ``--db`` the command line names (for messages), else ``$CAMAUDIT_DB``."""
    args = sys.argv[1:]
    for i, arg in enumerate(args):
        if arg == "--db" and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith("--db="):
            return arg.split("=", 1)[1]
    return os.environ.get("CAMAUDIT_DB") or None


def _fail(message: str, code: int) -> None:
    """One line on stderr (never wrapped), then exit."""
    sys.stderr.write(f"camaudit: error: {' '.join(message.split())}\n")
    sys.exit(code)
