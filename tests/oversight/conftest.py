"""Fixtures for oversight tests: a fresh store with the reference bodies loaded."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from camaudit.oversight import service
from camaudit.oversight.types import Caller
from camaudit.store import Store

EDITOR = Caller.oversight("editor")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(f"sqlite:///{tmp_path / 'oversight.db'}") as s:
        service.load_reference_bodies(s, EDITOR)
        yield s
