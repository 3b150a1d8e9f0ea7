"""Known vulnerabilities as data (``kb/cves.yaml``) and matching them to devices.

A CVE names a maker (canonical KB name, so OEM-labelled kit made by it is included) and one or
more affected ranges: model families (regular expressions), device types, and firmware bounds in
the maker's numbering scheme (``min``/``max`` inclusive, ``below`` exclusive, ``built_before`` a
build date, ``branches`` for Dahua). A device is *affected* when its model is in a listed family
and its firmware is in range; *possibly affected* when its model is unknown, the range lists no
model family but the label is an OEM relabel (whose firmware the sources did not assess), or the
range itself is marked ``certainty: possible``; *unknown* when the firmware is missing, does not
parse, or lacks the build date a range needs. Nothing is claimed about unknown firmware.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from camaudit.errors import KnowledgeBaseError
from camaudit.kb import KB_DIR, KnowledgeBase, load_kb
from camaudit.models import DeviceType, Identity, Sensitivity, Severity
from camaudit.policy.datafile import load_model
from camaudit.policy.engine import DeviceView, firmware_in_bounds
from camaudit.policy.firmware import parse_firmware, scheme_for
from camaudit.policy.schema import DeviceTypeName, FirmwareBounds, SeverityName


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AffectedFirmware(_Strict):
    min: str | None = None
    max: str | None = None
    below: str | None = None
    built_before: date | None = None
    branches: list[str] | None = None

    def bounds(self) -> FirmwareBounds | None:
        if self.min is None and self.max is None and self.below is None:
            return None
        return FirmwareBounds(min=self.min, max=self.max, below=self.below)


class AffectedRange(_Strict):
    name: str
    models: list[str] | None = None
    device_types: list[DeviceTypeName] | None = None
    firmware: AffectedFirmware | None = None
    certainty: Literal["affected", "possible"] = "affected"

    @field_validator("models")
    @classmethod
    def _regexes(cls, value: list[str] | None) -> list[str] | None:
        for pattern in value or []:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"invalid regular expression {pattern!r}: {exc}") from None
        return value


class KevEntry(_Strict):
    date_added: date
    due: date | None = None
    source: str


class CveExample(_Strict):
    model: str | None = None
    firmware: str | None = None
    device_type: DeviceTypeName = "camera"
    brand: str | None = None
    expect: Literal["affected", "possible", "unknown", "not-affected"]


class CveEntry(_Strict):
    id: str = Field(pattern=r"^CVE-\d{4}-\d{4,7}$")
    vendor: str
    title: str
    cwe: str | None = None
    cvss: float | None = Field(default=None, ge=0.0, le=10.0)
    cvss_version: str | None = None
    severity: SeverityName | None = None
    published: date | None = None
    kev: KevEntry | None = None
    advisory: str | None = None
    source: str
    fixed: str
    remediation: str
    affected: list[AffectedRange] = Field(min_length=1)
    examples: list[CveExample] = Field(min_length=1)

    @model_validator(mode="after")
    def _rated(self) -> CveEntry:
        if self.cvss is None and self.severity is None:
            raise ValueError(f"{self.id}: give a cvss score or a severity")
        return self

    @property
    def base_severity(self) -> Severity:
        if self.severity is not None:
            return Severity(self.severity)
        score = self.cvss or 0.0
        if score >= 9.0:
            return Severity.CRITICAL
        if score >= 7.0:
            return Severity.HIGH
        if score >= 4.0:
            return Severity.MEDIUM
        return Severity.LOW


class CatalogueInfo(_Strict):
    kev_snapshot: date
    note: str


class CvesFile(_Strict):
    catalogue: CatalogueInfo
    cves: list[CveEntry]


class CveStatus(StrEnum):
    AFFECTED = "affected"
    POSSIBLE = "possible"
    UNKNOWN = "unknown"
    NOT_AFFECTED = "not-affected"


_STATUS_ORDER = [CveStatus.NOT_AFFECTED, CveStatus.UNKNOWN, CveStatus.POSSIBLE, CveStatus.AFFECTED]


@dataclass(frozen=True, slots=True)
class CveMatch:
    """How one CVE applies to one device, and why."""

    cve: CveEntry
    status: CveStatus
    reason: str


@dataclass(frozen=True, slots=True)
class CveCatalogue:
    """The loaded CVE data with compiled model families."""

    info: CatalogueInfo
    cves: tuple[CveEntry, ...]
    _models: dict[tuple[str, int], tuple[re.Pattern[str], ...]]

    def for_vendor(self, vendor: str | None) -> list[CveEntry]:
        return [c for c in self.cves if vendor is not None and c.vendor == vendor]

    def model_patterns(self, cve: CveEntry, index: int) -> tuple[re.Pattern[str], ...]:
        return self._models.get((cve.id, index), ())


def _check_bounds(entry: CveEntry) -> None:
    scheme = scheme_for(entry.vendor)
    for rng in entry.affected:
        fw = rng.firmware
        for text in (fw.min, fw.max, fw.below) if fw else ():
            if text is not None and parse_firmware(text, scheme=scheme) is None:
                raise KnowledgeBaseError(
                    f"cves.yaml: {entry.id}: range {rng.name!r}: {text!r} is not a "
                    f"{scheme.value} firmware version"
                )


def load_cves_from(path: Path) -> CveCatalogue:
    """Load and validate a CVE data file."""
    data = load_model(path, CvesFile)
    models: dict[tuple[str, int], tuple[re.Pattern[str], ...]] = {}
    seen: set[str] = set()
    for entry in data.cves:
        if entry.id in seen:
            raise KnowledgeBaseError(f"{path.name}: {entry.id} is listed twice")
        seen.add(entry.id)
        _check_bounds(entry)
        for i, rng in enumerate(entry.affected):
            models[(entry.id, i)] = tuple(re.compile(p, re.IGNORECASE) for p in rng.models or [])
    return CveCatalogue(data.catalogue, tuple(data.cves), models)


@lru_cache(maxsize=4)
def load_cves(path: str | None = None) -> CveCatalogue:
    """The shipped ``kb/cves.yaml`` (or another file), loaded once per process."""
    return load_cves_from(Path(path) if path else KB_DIR / "cves.yaml")


def _firmware_status(rng: AffectedRange, view: DeviceView) -> tuple[bool | None, str]:
    """Whether the device firmware is in the range (None = cannot tell), and a reason."""
    fw = rng.firmware
    if fw is None:
        return True, "any firmware"
    parsed = view.firmware
    if parsed is None:
        return None, "firmware version unknown"
    if fw.branches is not None:
        if parsed.branch is None:
            return None, f"firmware branch of {parsed.raw!r} unknown"
        if parsed.branch not in fw.branches:
            return False, f"branch {parsed.branch} not in {', '.join(fw.branches)}"
    bounds = fw.bounds()
    if bounds is not None:
        inside = firmware_in_bounds(parsed, bounds, view.identity.manufacturer)
        if inside is None:
            return None, f"firmware {parsed.raw!r} cannot be compared with the affected range"
        if not inside:
            return False, f"firmware {parsed.raw!r} outside the affected versions"
    if fw.built_before is not None:
        if parsed.build is None:
            return None, f"build date of {parsed.raw!r} unknown"
        if parsed.build >= fw.built_before:
            return False, f"built {parsed.build.isoformat()}, after the fix"
    built = f", built {parsed.build.isoformat()}" if parsed.build else ""
    return True, f"firmware {parsed.raw}{built} in the affected range"


def _range_status(
    catalogue: CveCatalogue, cve: CveEntry, index: int, view: DeviceView
) -> tuple[CveStatus, str]:
    rng = cve.affected[index]
    ident = view.identity
    if rng.device_types is not None and ident.device_type.value not in rng.device_types:
        return CveStatus.NOT_AFFECTED, f"{ident.device_type.value} not an affected device type"
    patterns = catalogue.model_patterns(cve, index)
    model_known: bool | None = None
    if patterns:
        if ident.model is None:
            model_known = None
        elif any(p.search(ident.model) for p in patterns):
            model_known = True
        else:
            return CveStatus.NOT_AFFECTED, f"model {ident.model} not in {rng.name}"
        if model_known is None and rng.firmware is None:
            return CveStatus.UNKNOWN, f"model unknown; {rng.name} is defined by model only"
    inside, why = _firmware_status(rng, view)
    if inside is False:
        return CveStatus.NOT_AFFECTED, why
    if inside is None:
        return CveStatus.UNKNOWN, why
    own_label = ident.brand is None or ident.brand == ident.manufacturer
    if model_known:
        where = f"model {ident.model} is in {rng.name}"
    elif patterns:
        where = f"model unknown; {rng.name} lists model families"
    else:
        where = rng.name
    if rng.certainty == "possible":
        return CveStatus.POSSIBLE, f"{why}; {where} (the source gives no firmware cut-off)"
    if model_known or (not patterns and own_label):
        return CveStatus.AFFECTED, f"{why}; {where}"
    if not patterns:
        where += f"; label {ident.brand} is a relabel whose firmware the sources did not assess"
    return CveStatus.POSSIBLE, f"{why}; {where}"


def match_cve(catalogue: CveCatalogue, cve: CveEntry, view: DeviceView) -> CveMatch:
    """The strongest status over the CVE's affected ranges."""
    best = (CveStatus.NOT_AFFECTED, "maker not affected")
    if view.identity.manufacturer != cve.vendor:
        return CveMatch(cve, *best)
    for i in range(len(cve.affected)):
        status, why = _range_status(catalogue, cve, i, view)
        # Strongest status wins; among "not affected", the last range's reason is kept.
        if _STATUS_ORDER.index(status) >= _STATUS_ORDER.index(best[0]):
            best = (status, why)
    return CveMatch(cve, *best)


def match_device(catalogue: CveCatalogue, view: DeviceView) -> list[CveMatch]:
    """Every CVE of the device's maker with its status (catalogue order)."""
    return [match_cve(catalogue, c, view) for c in catalogue.for_vendor(view.identity.manufacturer)]


def example_view(cve: CveEntry, index: int, kb: KnowledgeBase) -> DeviceView:
    """The device view of one of a CVE's examples (made by the CVE's vendor)."""
    ex = cve.examples[index]
    ident = Identity(
        manufacturer=cve.vendor,
        brand=ex.brand,
        model=ex.model,
        firmware=ex.firmware,
        device_type=DeviceType(ex.device_type),
        confidence=0.9,
    )
    return DeviceView.build(f"example:{cve.id}:{index}", ident, Sensitivity.STANDARD, kb)


def check_cve_examples(catalogue: CveCatalogue, kb: KnowledgeBase | None = None) -> list[str]:
    """Run every CVE example; one message per example whose status differs."""
    kb = kb or load_kb()
    failures: list[str] = []
    for cve in catalogue.cves:
        for i, ex in enumerate(cve.examples):
            got = match_cve(catalogue, cve, example_view(cve, i, kb))
            if got.status.value != ex.expect:
                failures.append(
                    f"{cve.id}: example {i} ({ex.model} {ex.firmware!r}): expected {ex.expect}, "
                    f"got {got.status.value} ({got.reason})"
                )
    return failures
