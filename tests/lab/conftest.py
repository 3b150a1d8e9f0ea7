"""Fixtures for the lab tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from camaudit.lab import Fleet, LabThread, build_fleet
from tests.lab.lab_helpers import TEST_PORT_OFFSET, unique_subnet


@pytest.fixture
def subnet() -> str:
    return unique_subnet()


@pytest.fixture(scope="module")
def trio() -> Iterator[Fleet]:
    """One Hikvision, one Dahua and one Axis camera, served for the whole module."""
    fleet = build_fleet(devices=3, subnet=unique_subnet(), seed=7, port_offset=TEST_PORT_OFFSET)
    with LabThread(fleet):
        yield fleet
