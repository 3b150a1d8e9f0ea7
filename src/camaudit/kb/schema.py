"""Schemas of the knowledge-base data files (validated with pydantic on load)."""

from __future__ import annotations

import functools
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Confidence = Literal["high", "medium", "low"]
#: Device classes a model pattern may name (the values of camaudit.models.DeviceType).
DeviceClass = Literal[
    "camera", "nvr", "dvr", "encoder", "ptz", "thermal", "doorbell", "access-control", "other"
]
Relation = Literal[
    "subsidiary", "house-brand", "oem", "former-subsidiary", "component", "affiliate"
]

SET_KEYS = frozenset(
    {"manufacturer", "brand", "vendor", "model", "firmware", "device_type", "serial"}
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


@functools.cache
def compile_kb_regex(pattern: str) -> re.Pattern[str]:
    """A KB regular expression compiled once per process: validation and the indexes share it
    (the KB has more patterns than the ``re`` module's own cache holds, so compiling each where
    it is used would compile every one twice at start-up)."""
    return re.compile(pattern)


def _check_regex(value: str) -> str:
    try:
        compile_kb_regex(value)
    except re.error as exc:
        raise ValueError(f"invalid regular expression {value!r}: {exc}") from None
    return value


def _check_optional_regex(value: str | None) -> str | None:
    return None if value is None else _check_regex(value)


#: Company-form words that are never a name on their own: an alias of only these is a list
#: item split at the comma of "X Co., Ltd." in a YAML flow list (quote such names).
_COMPANY_FORMS = frozenset(
    {
        "ltd",
        "ltd.",
        "inc",
        "inc.",
        "co",
        "co.",
        "llc",
        "corp",
        "corp.",
        "gmbh",
        "limited",
        "s.a.",
        "b.v.",
        "ag",
    }
)


def _check_aliases(value: list[str]) -> list[str]:
    for alias in value:
        if alias.strip().casefold() in _COMPANY_FORMS:
            raise ValueError(
                f"alias {alias!r} is only a company form: quote names with a comma "
                '("X Co., Ltd.") in a YAML list'
            )
    return value


class VendorEntry(_Strict):
    name: str
    legal_name: str | None = None
    country: str | None = None
    aliases: list[str] = Field(default_factory=list)
    ieee: list[str] = Field(default_factory=list)
    restricted: list[str] = Field(default_factory=list)
    generic: bool = False
    note: str | None = None
    source: str

    _v_aliases = field_validator("aliases")(_check_aliases)


class BrandEntry(_Strict):
    name: str
    aliases: list[str] = Field(default_factory=list)
    manufacturer: str
    relation: Relation
    confidence: Confidence
    partial: bool = False
    ieee: list[str] = Field(default_factory=list)
    note: str | None = None
    source: str

    _v_aliases = field_validator("aliases")(_check_aliases)


class VendorsFile(_Strict):
    vendors: list[VendorEntry]
    brands: list[BrandEntry] = Field(default_factory=list)


class ModelPattern(_Strict):
    id: str
    match: str
    manufacturer: str
    brand: str | None = None
    device_type: DeviceClass | None = None
    weight: float = Field(ge=0.0, le=1.0)
    source: str | None = None
    note: str | None = None
    examples: list[str] = Field(min_length=1)
    counter_examples: list[str] = Field(default_factory=list)

    _v_match = field_validator("match")(_check_regex)


class ModelsFile(_Strict):
    patterns: list[ModelPattern]
    #: Tokens of free text (titles, banners, JSON values) that look like model numbers but are
    #: protocol or codec names: the grammar never reads them as models (upper case, whole token).
    free_text_ignore: list[str] = Field(default_factory=list)


class RuleExample(_Strict):
    value: str | None = None
    data: str | None = None
    #: Declared evidence kind of a ``data`` example (default: the file's first kind; ``http``
    #: for ``kind: any`` files). A kind other than the bytes' own tests content sniffing.
    kind: str | None = None
    expect: dict[str, str | None] = Field(default_factory=dict)


class Rule(_Strict):
    id: str
    description: str | None = None
    field: str | list[str]
    match: str
    literal: str | list[str] | None = None
    #: For a rule no literal can gate: a cheaper regex (led by a literal) that must match
    #: wherever ``match`` does; ``match`` runs only where it does.
    gate: str | None = None
    set: dict[str, str]
    weight: float = Field(ge=0.0, le=1.0)
    source: str | None = None
    note: str | None = None
    examples: list[RuleExample] = Field(min_length=1)
    counter_examples: list[RuleExample] = Field(default_factory=list)

    _v_match = field_validator("match")(_check_regex)
    _v_gate = field_validator("gate")(_check_optional_regex)

    @field_validator("set")
    @classmethod
    def _known_keys(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = set(value) - SET_KEYS
        if unknown:
            raise ValueError(f"unknown 'set' keys {sorted(unknown)}; allowed: {sorted(SET_KEYS)}")
        return value

    @field_validator("literal")
    @classmethod
    def _lower_literal(cls, value: str | list[str] | None) -> str | list[str] | None:
        values = [value] if isinstance(value, str) else (value or [])
        for v in values:
            if v != v.lower():
                raise ValueError(f"literal {v!r} must be lower case")
        return value

    @property
    def fields(self) -> list[str]:
        return [self.field] if isinstance(self.field, str) else list(self.field)

    @property
    def literals(self) -> list[str]:
        if self.literal is None:
            return []
        return [self.literal] if isinstance(self.literal, str) else list(self.literal)


#: ``kind`` of a fingerprint file whose rules read fields every evidence can have (the generic
#: fields ``gen.*``, weak signals in ``raw``): they run whatever the declared kind.
ANY_KIND = "any"


class FingerprintFile(_Strict):
    kind: str | list[str]
    rules: list[Rule]

    @property
    def kinds(self) -> list[str]:
        return [self.kind] if isinstance(self.kind, str) else list(self.kind)


class OuiBlock(_Strict):
    """One MA-L block the bundled IEEE registry does not hold yet (see oui_recent.yaml)."""

    prefix: str = Field(pattern=r"^[0-9A-F]{6}$")
    registrant: str
    maker: str


class OuiBlocksFile(_Strict):
    source: str
    blocks: list[OuiBlock]
