"""Public bodies: the shipped reference list and the CSV import for other nations and sectors.

A body's population is a :class:`Population` with its vintage and source, or ``None`` ("not
known"): no figure is ever filled in without a source.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from camaudit.errors import InputError, KnowledgeBaseError

DATA_DIR = Path(__file__).resolve().parent / "data"
SHIPPED = DATA_DIR / "bodies-scotland.yaml"
NOT_KNOWN = "not known"
_SLUG = re.compile(r"[^a-z0-9]+")


def slug(text: str) -> str:
    """``"Perth and Kinross"`` → ``"perth-and-kinross"``."""
    return _SLUG.sub("-", text.casefold()).strip("-")


def name_key(text: str) -> str:
    """A name for matching across sources: case, ``&``/``and``, punctuation and a trailing
    ``Council`` ignored (``"Perth & Kinross Council"`` matches ``"Perth and Kinross"``)."""
    s = slug(text.replace("&", " and "))
    s = re.sub(r"(^|-)(the|council|comhairle)(?=-|$)", "", s)
    return re.sub(r"-+", "-", s).strip("-")


@dataclass(frozen=True, slots=True)
class Population:
    """A population figure with where and when it comes from."""

    value: int
    vintage: str
    source: str
    confidence: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "vintage": self.vintage,
            "source": self.source,
            "confidence": self.confidence,
        }


@dataclass(frozen=True, slots=True)
class Body:
    """A public body. ``code`` is an official code (GSS for UK areas) or ``None`` if unverified;
    ``organisation`` is the camaudit organisation whose audits are this body's."""

    key: str
    name: str
    kind: str = "other"
    code: str | None = None
    official_name: str | None = None
    nation: str | None = None
    population: Population | None = None
    source: str | None = None
    organisation: str | None = None
    public_key: str | None = None

    @property
    def population_text(self) -> str:
        """``"120,300 (Census 2022)"`` or ``"not known"``."""
        p = self.population
        return f"{p.value:,} ({p.vintage})" if p else NOT_KNOWN

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "official_name": self.official_name,
            "code": self.code,
            "kind": self.kind,
            "nation": self.nation,
            "population": self.population.to_dict() if self.population else None,
            "source": self.source,
            "organisation": self.organisation,
        }


def _population(raw: Any, where: str, error: type[Exception]) -> Population | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise error(f"{where}: population must be a mapping with value, vintage and source")
    try:
        value = int(raw["value"])
        vintage, source = str(raw["vintage"]).strip(), str(raw["source"]).strip()
    except (KeyError, TypeError, ValueError):
        raise error(f"{where}: population needs an integer value, a vintage and a source") from None
    if value <= 0 or not vintage or not source:
        raise error(f"{where}: population needs a positive value, a vintage and a source")
    conf = raw.get("confidence")
    return Population(value, vintage, source, str(conf) if conf else None)


@lru_cache(maxsize=4)
def load_reference(path: Path = SHIPPED) -> tuple[Body, ...]:
    """The bodies of a reference data file (default: Scotland's councils and police)."""
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise KnowledgeBaseError(f"cannot read {path}: {exc}") from None
    source = f"{doc.get('title', path.name)}, compiled {doc.get('compiled')}: {doc.get('source')}"
    out: list[Body] = []
    for i, item in enumerate(doc.get("bodies") or [], start=1):
        where = f"{path.name} body {i}"
        try:
            key, name = str(item["key"]), str(item["name"])
        except (KeyError, TypeError):
            raise KnowledgeBaseError(f"{where}: needs a key and a name") from None
        out.append(
            Body(
                key=key,
                name=name,
                kind=str(item.get("kind", "other")),
                code=item.get("code"),
                official_name=item.get("official_name"),
                nation=item.get("nation"),
                population=_population(item.get("population"), where, KnowledgeBaseError),
                source=source,
            )
        )
    keys = [b.key for b in out]
    if len(set(keys)) != len(keys):
        raise KnowledgeBaseError(f"{path.name}: duplicate body keys")
    return tuple(out)


_CSV_COLUMNS = {
    "key": ("key", "id"),
    "name": ("name", "body", "area name", "council area", "organisation name"),
    "official_name": ("official name", "official_name", "legal name"),
    "code": ("code", "gss code", "gss", "area code", "ons code"),
    "kind": ("kind", "type", "sector"),
    "nation": ("nation", "country"),
    "population": ("population", "population value"),
    "population_vintage": ("population vintage", "population_vintage", "vintage"),
    "population_source": ("population source", "population_source"),
    "organisation": ("organisation", "camaudit organisation", "org"),
}


def _header_map(header: list[str]) -> dict[str, int]:
    norm = [re.sub(r"[\s_]+", " ", h.strip().casefold()) for h in header]
    found: dict[str, int] = {}
    for field, names in _CSV_COLUMNS.items():
        for i, h in enumerate(norm):
            if h in {n.replace("_", " ") for n in names}:
                found.setdefault(field, i)
    return found


def read_bodies_csv(path: Path, *, source: str | None = None) -> list[Body]:
    """Bodies from a CSV file (columns named as in :data:`_CSV_COLUMNS`; ``name`` required).

    A row with a population must also give its vintage and source. Errors name the line.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {path}: {exc}") from None
    rows = list(csv.reader(text.splitlines()))
    if not rows:
        raise InputError(f"{path}: empty file")
    cols = _header_map(rows[0])
    if "name" not in cols:
        raise InputError(f"{path}: no 'name' column in the header {rows[0]!r}")
    out: list[Body] = []
    for line, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue

        def get(field: str, row: list[str] = row) -> str | None:
            i = cols.get(field)
            value = row[i].strip() if i is not None and i < len(row) else ""
            return value or None

        name = get("name")
        if not name:
            raise InputError(f"{path}:{line}: a body needs a name")
        pop = None
        if get("population"):
            raw = {
                "value": (get("population") or "").replace(",", ""),
                "vintage": get("population_vintage") or "",
                "source": get("population_source") or "",
            }
            pop = _population(raw, f"{path}:{line}", InputError)
        out.append(
            Body(
                key=get("key") or slug(name),
                name=name,
                kind=get("kind") or "other",
                code=get("code"),
                official_name=get("official_name"),
                nation=get("nation"),
                population=pop,
                source=source or f"imported from {path.name}",
                organisation=get("organisation"),
            )
        )
    if not out:
        raise InputError(f"{path}: no bodies found")
    keys = [b.key for b in out]
    dupes = sorted({k for k in keys if keys.count(k) > 1})
    if dupes:
        raise InputError(f"{path}: duplicate body keys {dupes}")
    return out
