"""Candidate facts: what one rule, on one piece of evidence, says about a device."""

from __future__ import annotations

from typing import NamedTuple

from camaudit.models import EvidenceRef

#: Fields a fact can be about.
FACT_FIELDS = ("manufacturer", "brand", "model", "firmware", "device_type", "serial")


class Fact(NamedTuple):
    """One weighted claim (``field`` = ``value``) with the evidence link that supports it.

    A named tuple: the engine makes several per piece of evidence, and tuples are the cheapest
    immutable records Python builds."""

    field: str
    value: str
    weight: float
    ref: EvidenceRef


#: Facts minus their evidence link, as cached per rule hit or free-text value:
#: (field, value, weight, rule id, matched text).
FactTemplate = tuple[tuple[str, str, float, str, str], ...]
