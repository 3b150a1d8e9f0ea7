"""persona_inherit: extends chains and merge rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from camaudit.errors import LabError
from camaudit.lab import load_personas
from camaudit.lab.persona import PERSONA_DIR, load_persona_file
from camaudit.lab.persona_inherit import merge, resolve


def test_merge_rules() -> None:
    parent = {"a": {"x": 1, "y": 2}, "routes": [1, 2], "keep": "p", "drop": "p"}
    child = {"a": {"y": 3}, "routes+": [0], "drop": None, "new": [9]}
    assert merge(parent, child) == {
        "a": {"x": 1, "y": 3},
        "routes": [0, 1, 2],
        "keep": "p",
        "new": [9],
    }
    assert merge({"l": [1]}, {"l": [2]}) == {"l": [2]}


def test_resolve_chain_cycle_and_unknown() -> None:
    raw = {
        "a": {"id": "a", "rotation": 1, "v": 1},
        "b": {"id": "b", "extends": "a", "w": 2},
        "c": {"id": "c", "extends": "b", "v": 3, "rotation": 9},
    }
    assert resolve(raw, "c") == {"id": "c", "v": 3, "w": 2, "rotation": 9}
    assert "rotation" not in resolve(raw, "b")  # ranks are never inherited
    with pytest.raises(LabError, match="cycle"):
        resolve({"x": {"extends": "y"}, "y": {"extends": "x"}}, "x")
    with pytest.raises(LabError, match="unknown persona 'nope'"):
        resolve({"x": {"extends": "nope"}}, "x")


def test_single_file_load_follows_extends(tmp_path: Path) -> None:
    assert load_persona_file(PERSONA_DIR / "lts-ipc.yaml") == load_personas()["lts-ipc"]
    orphan = tmp_path / "orphan.yaml"
    orphan.write_text("id: orphan\nextends: missing-parent\n")
    with pytest.raises(LabError, match="missing-parent"):
        load_persona_file(orphan)
