"""Shared fixtures. Tests only ever talk to 127.0.0.0/8."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
_subnets = itertools.count(1)


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture
def corpus() -> Path:
    if not (CORPUS / "MANIFEST.tsv").exists():
        pytest.skip("../shared/corpus is not present")
    return CORPUS


@pytest.fixture
def loopback_subnet(worker_id: str) -> str:
    """A /24 in 127.0.0.0/8 unique to this test (and xdist worker)."""
    worker = 0 if worker_id == "master" else int(worker_id.lstrip("gw") or 0)
    return f"127.{100 + worker}.{next(_subnets) % 250}.0/24"


@pytest.fixture(autouse=True)
def _no_user_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never touch the user's real database from tests."""
    if "CAMAUDIT_DB" not in os.environ:
        monkeypatch.setenv("CAMAUDIT_DB", f"sqlite:///{tmp_path / 'default.db'}")
