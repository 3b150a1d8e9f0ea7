"""``extends:`` for persona files: a persona may start from another one (same directory).

Merging rules (child over parent, recursively):

* mappings merge key by key;
* lists and scalars in the child replace the parent's;
* ``key+: [...]`` puts the child's items *before* the parent's ``key`` list (how a label adds its
  own HTTP routes ahead of the family's catch-all routes);
* a ``null`` in the child removes the key (absent and null mean the same for every optional
  persona field, so this is also how a child drops a port or a variable).

The resolved data has no ``extends`` key and is checked by :func:`persona.parse_persona` like any
other persona.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from camaudit.errors import LabError

MAX_DEPTH = 8


def read_raw(file: Path) -> dict[str, Any]:
    """One persona file's top-level mapping (not yet checked)."""
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise LabError(f"cannot read persona file {file}: {exc}") from exc
    if not isinstance(data, dict):
        raise LabError(f"persona file {file}: expected a mapping at the top level")
    return data


def merge(parent: Any, child: Any) -> Any:
    """``child`` laid over ``parent`` following the module's rules."""
    if not isinstance(parent, Mapping) or not isinstance(child, Mapping):
        return child
    out: dict[str, Any] = dict(parent)
    for key, value in child.items():
        name = str(key)
        if name.endswith("+"):
            base = name[:-1]
            before = value if isinstance(value, list) else [value]
            inherited = out.get(base)
            out[base] = before + (inherited if isinstance(inherited, list) else [])
        elif value is None:
            out.pop(name, None)
        else:
            out[name] = merge(out.get(name), value)
    return out


def resolve(raw: Mapping[str, Mapping[str, Any]], pid: str) -> dict[str, Any]:
    """The data of persona ``pid`` with its ``extends`` chain applied."""
    chain: list[str] = []
    current = pid
    while True:
        if current in chain:
            raise LabError(
                f"persona {pid}: extends forms a cycle: {' -> '.join([*chain, current])}"
            )
        if len(chain) >= MAX_DEPTH:
            raise LabError(f"persona {pid}: extends chain longer than {MAX_DEPTH}")
        data = raw.get(current)
        if data is None:
            where = chain[-1] if chain else pid
            raise LabError(f"persona {where}: extends unknown persona {current!r}")
        chain.append(current)
        parent = data.get("extends")
        if parent is None:
            break
        if not isinstance(parent, str):
            raise LabError(f"persona {current}: extends must be a persona id")
        current = parent
    merged: dict[str, Any] = {}
    for name in reversed(chain):
        layer = {k: v for k, v in raw[name].items() if k != "extends"}
        merged = merge(merged, layer)
    # Rotation ranks and descriptions belong to one file, never inherited.
    own = raw[pid]
    for key in ("rotation", "description"):
        if key in own:
            merged[key] = own[key]
        else:
            merged.pop(key, None)
    merged["id"] = own.get("id", pid)
    return merged
