"""The KB's YAML files parse with PyYAML's pure-Python SafeLoader too (the loader used where
libyaml's CSafeLoader is not built), which is stricter about `?` inside flow sequences."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

KB = Path(__file__).resolve().parents[2] / "src" / "camaudit" / "kb"


@pytest.mark.parametrize("path", sorted(KB.rglob("*.yaml")), ids=lambda p: p.name)
def test_kb_yaml_parses_with_the_pure_python_loader(path):
    assert yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader) is not None
