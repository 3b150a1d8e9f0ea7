"""Figures a reliability test measured, for ``python -m bench reliability``: when
``CAMAUDIT_FIGURES`` names a file, :func:`record` appends one JSON line to it (else nothing)."""

from __future__ import annotations

import json
import os
from typing import Any


def record(kind: str, **values: Any) -> None:
    path = os.environ.get("CAMAUDIT_FIGURES")
    if path:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"kind": kind, **values}, default=str) + "\n")
