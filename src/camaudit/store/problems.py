"""One clear line for a database that cannot take a write: read-only, disk full, locked.

SQLite reports these as ``OperationalError`` with terse texts ("attempt to write a readonly
database", "database or disk is full", "disk I/O error" when even the write-ahead log cannot
grow, "database is locked"); :func:`explain` turns them into what happened and what state the
store was left in. Every write camaudit makes is one transaction, so the answer to "what state"
is always the same: the failed step was rolled back and the store holds what it held before.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from sqlalchemy.engine import make_url

ROLLED_BACK = "nothing of this step was written (the database holds what it held before)"
#: Free bytes below which a "disk I/O error" is taken for a full disk.
NEARLY_FULL = 256 * 1024


def _sqlite_dir(url: str | None) -> Path | None:
    if not url:
        return None
    try:
        parsed = make_url(url)
    except Exception:  # an unparseable URL: nothing to look at
        return None
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(str(parsed.database)).resolve().parent


def _disk_full(url: str | None) -> bool:
    where = _sqlite_dir(url)
    if where is None:
        return False
    try:
        return shutil.disk_usage(where).free < NEARLY_FULL
    except OSError:
        return False


def _read_only(url: str | None) -> bool:
    """Whether the database's directory cannot be written (read-only mount, or file modes)."""
    where = _sqlite_dir(url)
    if where is None or not where.is_dir():
        return False
    try:
        return bool(os.statvfs(where).f_flag & os.ST_RDONLY) or not os.access(where, os.W_OK)
    except OSError:
        return False


def explain(exc: BaseException, url: str | None = None) -> str | None:
    """The one-line message for a database write that failed for a known reason, else None."""
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).splitlines()[0] if str(orig) else type(orig).__name__
    low = text.lower()
    where = f"the database {url!r}" if url else "the database"
    if "readonly" in low or "read-only" in low or ("unable to open" in low and _read_only(url)):
        return f"{where} is read-only (file or file system): {ROLLED_BACK}"
    if "disk is full" in low or ("disk i/o error" in low and _disk_full(url)):
        return f"the disk holding {where} is full: {ROLLED_BACK}; free some space and run it again"
    if "locked" in low or "busy" in low:
        return (
            f"{where} stayed locked by another process for the whole wait: {ROLLED_BACK}; "
            "run it again when the other one has finished"
        )
    return None
