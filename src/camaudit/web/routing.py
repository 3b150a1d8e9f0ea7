"""The app's route table as ``(method, path)`` pairs (for tests and docs), whatever way the
installed FastAPI nests included routers."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from fastapi import FastAPI


def _walk(routes: Iterable[Any]) -> Iterator[tuple[str, str]]:
    for r in routes:
        contexts = getattr(r, "effective_route_contexts", None)
        if callable(contexts):  # FastAPI >= 0.16x: included routers stay nested
            for c in contexts():
                for m in sorted(c.methods or ()):
                    yield m, c.path
        elif hasattr(r, "methods") and hasattr(r, "path"):
            for m in sorted(r.methods or ()):
                yield m, r.path


def route_table(app: FastAPI) -> list[tuple[str, str]]:
    """Every (method, path) the app answers, HEAD left out, sorted."""
    return sorted({(m, p) for m, p in _walk(app.routes) if m != "HEAD"})
