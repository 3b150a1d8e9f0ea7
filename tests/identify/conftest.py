"""Shared fixtures and helpers of the identification tests (shipped KB)."""

from __future__ import annotations

import pytest

from camaudit.identify import Identifier
from camaudit.models import Evidence, EvidenceKind


@pytest.fixture(scope="module")
def ident() -> Identifier:
    return Identifier()


def maker_of(ident: Identifier, kind: EvidenceKind, text: str) -> str | None:
    """The manufacturer ``ident`` names for one piece of evidence of ``kind``."""
    return ident.identify([Evidence(kind, text.encode())]).manufacturer
