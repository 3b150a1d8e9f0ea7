"""Small checked readers for persona sections (YAML already parsed into Python values).

Every reader names the offending field in the :class:`LabError` it raises, so a broken persona
file says where it is broken. Values that are templates stay strings here; they are rendered
per device (or per request) by :mod:`camaudit.lab.templates`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from camaudit.errors import LabError

# One header or field line: (name, value template, optional "when" variable, "!var" negates).
FieldSpec = tuple[str, str, str | None]


def fail(where: str, message: str) -> LabError:
    return LabError(f"{where}: {message}")


def mapping(value: Any, where: str) -> Mapping[str, Any]:
    """A mapping (None reads as empty)."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise fail(where, "expected a mapping")
    return value


def check_keys(data: Mapping[str, Any], known: Iterable[str], where: str) -> None:
    unknown = set(data) - set(known)
    if unknown:
        raise fail(where, f"unknown keys {sorted(unknown)}")


def text(value: Any, where: str) -> str:
    """A string (numbers are accepted and converted; booleans and containers are not)."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise fail(where, "expected a string")
    return str(value)


def optional_text(data: Mapping[str, Any], key: str, where: str, default: str) -> str:
    return default if data.get(key) is None else text(data[key], f"{where}.{key}")


def text_list(value: Any, where: str, *, allow_empty: bool = True) -> tuple[str, ...]:
    if value is None:
        value = []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise fail(where, "expected a list of strings")
    if not value and not allow_empty:
        raise fail(where, "must not be empty")
    return tuple(text(item, f"{where}[{i}]") for i, item in enumerate(value))


def flag(data: Mapping[str, Any], key: str, where: str, default: bool) -> bool:
    value = data.get(key, default)
    if not isinstance(value, bool):
        raise fail(f"{where}.{key}", "expected true or false")
    return value


def number(
    data: Mapping[str, Any], key: str, where: str, default: float, *, minimum: float = 0.0
) -> float:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < minimum:
        raise fail(f"{where}.{key}", f"expected a number >= {minimum:g}")
    return float(value)


def choice(data: Mapping[str, Any], key: str, where: str, options: tuple[str, ...]) -> str:
    value = data.get(key, options[0])
    if value not in options:
        raise fail(f"{where}.{key}", f"must be one of {options}")
    return str(value)


def fields(value: Any, where: str) -> tuple[FieldSpec, ...]:
    """Ordered ``[name, value]`` / ``[name, value, when]`` entries, or a plain mapping."""
    if isinstance(value, list):
        out: list[FieldSpec] = []
        for i, item in enumerate(value):
            if not isinstance(item, list) or len(item) not in (2, 3):
                raise fail(f"{where}[{i}]", "expected [name, value] or [name, value, when]")
            when = None if len(item) == 2 or item[2] is None else str(item[2])
            out.append((str(item[0]), text(item[1], f"{where}[{i}]"), when))
        return tuple(out)
    return tuple((str(k), text(v, f"{where}.{k}"), None) for k, v in mapping(value, where).items())


def field_templates(entries: Iterable[FieldSpec]) -> Iterable[str]:
    return (value for _, value, _ in entries)


def is_enabled(when: str | None, context: Mapping[str, str]) -> bool:
    """Evaluate a ``when`` condition (a device variable, ``!var`` negated) against a context."""
    if when is None:
        return True
    negate = when.startswith("!")
    value = context.get(when.lstrip("!"), "").strip().lower()
    truthy = value not in ("", "0", "false", "no", "off")
    return truthy != negate
