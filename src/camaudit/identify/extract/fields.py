"""The :class:`Fields` container shared by every extractor."""

from __future__ import annotations

from collections.abc import Iterator

#: Longest value kept for one field (characters).
MAX_FIELD = 64 * 1024
#: Field names some rule reads (an extractor may skip producing others); None = all.
Wanted = frozenset[str] | None
#: Most values kept for one field name (protects against floods of repeated headers).
MAX_VALUES = 64


class Fields:
    """Multi-valued mapping of lower-case field names to text values."""

    __slots__ = ("_data", "notes")

    def __init__(self) -> None:
        self._data: dict[str, list[str]] = {}
        #: What went wrong reading the evidence (a bad encoding, an extractor failure).
        self.notes: list[str] = []

    def add(self, name: str, value: str | None) -> None:
        """Add a value (trimmed; empty values are dropped). ``name`` must be lower case: every
        extractor lower-cases the names it builds, and this is the hottest call of the engine."""
        if value is None:
            return
        value = value.strip()
        if not value:
            return
        values = self._data.get(name)
        if values is None:
            self._data[name] = [value if len(value) <= MAX_FIELD else value[:MAX_FIELD]]
        elif len(values) < MAX_VALUES:
            values.append(value if len(value) <= MAX_FIELD else value[:MAX_FIELD])

    def get(self, name: str) -> list[str]:
        return self._data.get(name, [])

    def first(self, name: str) -> str | None:
        values = self._data.get(name)
        return values[0] if values else None

    def names(self) -> list[str]:
        return list(self._data)

    def items(self) -> Iterator[tuple[str, list[str]]]:
        return iter(self._data.items())

    def __contains__(self, name: object) -> bool:
        return name in self._data

    def __len__(self) -> int:
        return len(self._data)

    def as_dict(self) -> dict[str, list[str]]:
        return {k: list(v) for k, v in self._data.items()}

    def __repr__(self) -> str:
        return f"Fields({self._data!r})"
