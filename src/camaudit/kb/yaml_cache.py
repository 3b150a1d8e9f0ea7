"""Parsed KB files remembered between runs, so that a command starts without parsing YAML.

Parsing the knowledge base's YAML is most of what loading it costs (~0.2 s of CPU for every
``camaudit`` command). The parsed data (plain dicts, lists, strings and numbers) is kept in
JSON under the user's cache directory, named by the SHA-256 of the file's bytes: an
edited file has another name, so a stale entry is never read. Anything that goes wrong with the
cache (no home directory, a read-only or full disk, a truncated or foreign file, data marshal
cannot hold as it is) falls back to parsing the file; the cache never changes what is loaded.

``CAMAUDIT_CACHE_DIR`` names another directory; ``CAMAUDIT_CACHE_DIR=off`` turns the cache off.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

#: Bumped when what is stored changes meaning (a new loader, another data shape).
_FORMAT = "1"


def cache_dir() -> Path | None:
    """Where parsed files are kept (None: the cache is off)."""
    chosen = os.environ.get("CAMAUDIT_CACHE_DIR")
    if chosen is not None:
        return None if chosen.strip().lower() in ("", "off", "0", "no") else Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME")
    if base:
        return Path(base) / "camaudit"
    try:
        return Path.home() / ".cache" / "camaudit"
    except (RuntimeError, KeyError):  # no home directory for this user
        return None


def load_cached(data: bytes, parse: Callable[[bytes], object], tag: str) -> object:
    """``parse(data)``, or the value a run before parsed from the same bytes (``tag`` names
    the parser, so that two parsers of one file never share an entry)."""
    where = cache_dir()
    if where is None:
        return parse(data)
    digest = hashlib.sha256(data)
    digest.update(f"\0{tag}\0{_FORMAT}\0{sys.version_info[:2]}".encode())
    path = where / "kb" / f"{digest.hexdigest()}.json"
    with contextlib.suppress(OSError, ValueError):
        return json.loads(path.read_bytes())
    value = parse(data)
    with contextlib.suppress(OSError, ValueError, TypeError):
        blob = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        if json.loads(blob) != value:
            return value  # JSON would change it (a number key, a tuple): not kept
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(blob)
            Path(tmp).replace(path)
        finally:
            Path(tmp).unlink(missing_ok=True)
    return value
