from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from camaudit.cli import main


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Callable[..., Result]:
    """Run ``camaudit ARGS`` in-process; returns exit code, stdout and stderr."""

    def run(*args: str) -> Result:
        monkeypatch.setattr(sys, "argv", ["camaudit", *args])
        code = 0
        try:
            main()
        except SystemExit as exc:
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run
