"""Candidate facts: what one rule, on one piece of evidence, says about a device."""

from __future__ import annotations

from dataclasses import dataclass

from camaudit.models import EvidenceRef

#: Fields a fact can be about.
FACT_FIELDS = ("manufacturer", "brand", "model", "firmware", "device_type", "serial")


@dataclass(frozen=True, slots=True)
class Fact:
    """One weighted claim (``field`` = ``value``) with the evidence link that supports it."""

    field: str
    value: str
    weight: float
    ref: EvidenceRef
