"""Connecting to the evidence store: the default URL, engines (SQLite pragmas, clear errors for
bad URLs and missing drivers), our wording for drivers' errors, and schema migration."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import platformdirs
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from camaudit.errors import DatabaseURLError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def default_db_url() -> str:
    """``CAMAUDIT_DB`` if set, else a SQLite file in the user data directory."""
    env = os.environ.get("CAMAUDIT_DB")
    if env:
        return env
    data_dir = Path(platformdirs.user_data_dir("camaudit", appauthor=False))
    return f"sqlite:///{data_dir / 'camaudit.db'}"


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


#: Our wording for what database drivers report when a database cannot be opened.
WHY = (
    ("refused", "the server refused the connection (is it running, on that host and port?)"),
    ("password authentication failed", "the server refused the user name or password"),
    ("no password supplied", "the server wants a password (give it in the URL or ~/.pgpass)"),
    ("does not exist", "no database, role or table of that name on the server"),
    ("timeout", "the server did not answer in time"),
    ("timed out", "the server did not answer in time"),
    ("could not translate host name", "the host name does not resolve"),
    ("name or service not known", "the host name does not resolve"),
    ("unable to open database file", "the file cannot be opened (missing folder or no permission)"),
    ("file is not a database", "the file is not a SQLite database"),
    ("readonly", "the database is read-only"),
    ("read-only", "the database is read-only"),
    ("locked", "the database is locked by another process"),
    ("permission denied", "permission denied"),
)


def shown_url(url: str) -> str:
    """A database URL for messages: quoted, password hidden."""
    try:
        return repr(make_url(url).render_as_string(hide_password=True))
    except ArgumentError:
        return repr(url)


def why_not_opened(message: str, kind: str) -> str:
    low = message.lower()
    for needle, why in WHY:
        if needle in low:
            return why
    return f"the database driver reported an error ({kind})"


def make_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseURLError(
            f"invalid database URL {shown_url(url)} (expected e.g. sqlite:///path/to/file.db "
            "or postgresql+psycopg://user@host/db)"
        ) from None
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        db_path = Path(parsed.database)
        try:
            db_path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseURLError(f"cannot create {db_path.parent}: {exc.strerror}") from None
    try:
        # A server database may restart under a long-lived process (the centre): check each
        # pooled connection before use instead of failing on a dead one.
        server = parsed.get_backend_name() != "sqlite"
        engine = create_engine(parsed, future=True, pool_pre_ping=server)
    except NoSuchModuleError:
        raise DatabaseURLError(
            f"unsupported database URL {shown_url(url)}: camaudit stores audits in SQLite "
            f"(sqlite:///FILE.db) or PostgreSQL (postgresql+psycopg://user@host/db), "
            f"not {parsed.drivername!r}"
        ) from None
    except ImportError as exc:
        raise DatabaseURLError(
            f"database URL {shown_url(url)} needs the Python module {exc.name or 'its driver'}, "
            "which is not installed"
        ) from None
    except ArgumentError:
        raise DatabaseURLError(
            f"invalid database URL {shown_url(url)} (expected e.g. sqlite:///path/to/file.db "
            "or postgresql+psycopg://user@host/db)"
        ) from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


#: Alembic's command API keeps module globals: one migration at a time per process.
MIGRATING = threading.Lock()


def migrate(engine: Engine) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
