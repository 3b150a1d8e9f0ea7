"""Reading YAML data files into pydantic models, with errors that name the file and the entry.

Shared by the policy packs and by the assessment data files (kb/cves.yaml, clouds.yaml,
costs.yaml). Shipped files raise :class:`KnowledgeBaseError`; files a user names raise
:class:`InputError` (pass ``error=InputError``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from camaudit.errors import CamauditError, KnowledgeBaseError

#: Largest data file read (a policy pack or KB file is a few kilobytes).
MAX_DATA_FILE = 4 * 1024 * 1024

ModelT = TypeVar("ModelT", bound=BaseModel)


def read_yaml(path: Path, *, error: type[CamauditError] = KnowledgeBaseError) -> object:
    """The parsed YAML of ``path`` (safe loader, size-capped)."""
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_DATA_FILE + 1)
    except OSError as exc:
        raise error(f"{path}: cannot read: {exc.strerror or exc}") from None
    if len(data) > MAX_DATA_FILE:
        raise error(f"{path}: larger than {MAX_DATA_FILE} bytes")
    try:
        return yaml.safe_load(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise error(f"{path}: not UTF-8 text") from None
    except yaml.YAMLError as exc:
        raise error(f"{path}: invalid YAML: {exc}") from None


def _where(exc: ValidationError, data: object) -> str:
    first = exc.errors()[0]
    loc = first["loc"]
    where = ".".join(str(p) for p in loc) or "(top level)"
    if isinstance(data, dict) and len(loc) >= 2 and isinstance(loc[1], int):
        items = data.get(str(loc[0]))
        if isinstance(items, list) and loc[1] < len(items) and isinstance(items[loc[1]], dict):
            item = items[loc[1]]
            name = item.get("id") or item.get("name")
            if name:
                where += f" (entry {name!r})"
    return f"{where}: {first['msg']}"


def load_model(
    path: Path, model: type[ModelT], *, error: type[CamauditError] = KnowledgeBaseError
) -> ModelT:
    """Read ``path`` and validate it as ``model``."""
    raw = read_yaml(path, error=error)
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise error(f"{path.name}: {_where(exc, raw)}") from None
