"""Fixtures for report tests: a realistic estate (see estate.py) and a writer helper."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from camaudit.identify import Identifier
from camaudit.models import Device, Finding
from camaudit.reports import SUFFIXES, write_report
from tests.reports.estate import META, build_estate, build_findings
from tests.reports.planted import planted_devices


@pytest.fixture(scope="session")
def identifier() -> Identifier:
    return Identifier()


@pytest.fixture(scope="session")
def estate(identifier: Identifier) -> list[Device]:
    return build_estate(identifier)


@pytest.fixture(scope="session")
def findings(estate: list[Device]) -> list[Finding]:
    return build_findings(estate)


@pytest.fixture(scope="session")
def planted(identifier: Identifier) -> list[Device]:
    """The planted register-versus-network case (tests/reports/planted.py)."""
    return planted_devices(identifier)


@pytest.fixture
def write(tmp_path: Path, estate: list[Device], findings: list[Finding]) -> Callable[..., Path]:
    """``write(fmt, devices=..., findings=..., **meta)`` → path of the written report."""

    def _write(
        fmt: str,
        devices: list[Device] | None = None,
        found: list[Finding] | None = None,
        **meta: Any,
    ) -> Path:
        path = tmp_path / f"report{SUFFIXES[fmt]}"
        return write_report(
            fmt,
            path,
            estate if devices is None else devices,
            findings if found is None else found,
            {**META, **meta},
        )

    return _write
