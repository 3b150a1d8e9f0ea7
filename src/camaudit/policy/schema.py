"""Schema of policy packs (``policy/packs/*.yaml``), validated with pydantic on load.

The format is documented in docs/policy-packs.md.
"""

from __future__ import annotations

import re
import string
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SensitivityName = Literal["standard", "sensitive", "critical"]
SeverityName = Literal["info", "low", "medium", "high", "critical"]
RuleKind = Literal["breach", "review", "info"]
DeviceTypeName = Literal[
    "camera",
    "nvr",
    "dvr",
    "encoder",
    "ptz",
    "thermal",
    "doorbell",
    "access-control",
    "other",
    "unknown",
]

#: Placeholders a rule's title, detail and remediation may use.
TEMPLATE_FIELDS = frozenset(
    {"maker", "label", "model", "firmware", "device_type", "sensitivity", "how", "country", "pack"}
)
_ID_RE = r"^[a-z0-9][a-z0-9.-]{0,79}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def check_template(text: str) -> str:
    """Reject placeholders other than plain names from :data:`TEMPLATE_FIELDS`."""
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise ValueError(f"bad template {text!r}: {exc}") from None
    for _, name, spec, conv in parsed:
        if name is None:
            continue
        if name not in TEMPLATE_FIELDS or spec or conv:
            raise ValueError(
                f"template {text!r}: placeholder {{{name}}} is not allowed; "
                f"use one of {sorted(TEMPLATE_FIELDS)} without format specs"
            )
    return text


class FirmwareBounds(_Strict):
    """A firmware range, in the scheme of the device's maker (all given bounds must hold)."""

    min: str | None = None
    max: str | None = None
    below: str | None = None

    @model_validator(mode="after")
    def _some_bound(self) -> FirmwareBounds:
        if self.min is None and self.max is None and self.below is None:
            raise ValueError("a firmware range needs at least one of min, max, below")
        return self


class Condition(_Strict):
    """Facts about a device that must all hold for a condition block to match."""

    maker: list[str] | None = None
    label: list[str] | None = None
    maker_tag: str | None = None
    label_tag: str | None = None
    maker_country: list[str] | None = None
    model: str | None = None
    firmware: FirmwareBounds | None = None
    device_type: list[DeviceTypeName] | None = None
    sensitivity: list[SensitivityName] | None = None
    identified: bool | None = None

    @field_validator("model")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"invalid regular expression {value!r}: {exc}") from None
        return value

    @model_validator(mode="after")
    def _not_empty(self) -> Condition:
        if all(getattr(self, name) is None for name in type(self).model_fields):
            raise ValueError("an empty condition block would match every device")
        return self


class Rule(_Strict):
    """One rule of a pack: when ``match`` holds and no ``unless`` block does, a finding."""

    id: str = Field(pattern=_ID_RE)
    kind: RuleKind
    severity: SeverityName | dict[SensitivityName, SeverityName]
    title: str
    detail: str
    remediation: str = ""
    match: Condition | list[Condition]
    unless: list[Condition] = Field(default_factory=list)

    _v_title = field_validator("title", "detail", "remediation")(check_template)

    @field_validator("severity")
    @classmethod
    def _non_empty_map(
        cls, value: SeverityName | dict[SensitivityName, SeverityName]
    ) -> SeverityName | dict[SensitivityName, SeverityName]:
        if isinstance(value, dict) and not value:
            raise ValueError("a severity map needs at least one sensitivity")
        return value

    def severity_at(self, sensitivity: SensitivityName) -> SeverityName | None:
        """Severity on a site of ``sensitivity``; ``None`` when the rule does not apply there
        (a severity map lists only the sensitivities where the rule applies)."""
        if isinstance(self.severity, str):
            return self.severity
        return self.severity.get(sensitivity)

    @property
    def blocks(self) -> list[Condition]:
        return self.match if isinstance(self.match, list) else [self.match]


class LegalBasis(_Strict):
    citation: str
    url: str | None = None
    source: str


class ExampleDevice(_Strict):
    manufacturer: str | None = None
    brand: str | None = None
    model: str | None = None
    firmware: str | None = None
    device_type: DeviceTypeName = "unknown"


class PackExample(_Strict):
    """A device, a site sensitivity, and the rule ids that must fire (exactly)."""

    name: str
    device: ExampleDevice
    sensitivity: SensitivityName = "standard"
    expect: list[str] = Field(default_factory=list)


class PackFile(_Strict):
    id: str = Field(pattern=_ID_RE)
    title: str
    legal_basis: LegalBasis
    dates: dict[str, date] = Field(min_length=1)
    jurisdiction: str
    scope: str
    note: str | None = None
    rules: list[Rule] = Field(min_length=1)
    examples: list[PackExample] = Field(min_length=1)

    @model_validator(mode="after")
    def _ids(self) -> PackFile:
        seen: set[str] = set()
        for r in self.rules:
            if not r.id.startswith(f"{self.id}."):
                raise ValueError(f"rule id {r.id!r} must start with the pack id '{self.id}.'")
            if r.id in seen:
                raise ValueError(f"rule id {r.id!r} is used twice")
            seen.add(r.id)
        for ex in self.examples:
            unknown = set(ex.expect) - seen
            if unknown:
                raise ValueError(f"example {ex.name!r} expects unknown rules {sorted(unknown)}")
        return self
