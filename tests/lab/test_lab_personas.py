"""Persona files: loading, validation, templates, and the lab's independence from identify/kb."""

from __future__ import annotations

import ast
import dataclasses
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

import camaudit.lab
from camaudit.errors import LabError
from camaudit.lab import load_personas
from camaudit.lab.fleet import make_device
from camaudit.lab.icons import make_icon
from camaudit.lab.persona import PERSONA_DIR, REQUEST_NAMES, parse_persona
from camaudit.lab.templates import names_used, render, resolve_vars

LAB_DIR = Path(camaudit.lab.__file__).parent


def test_three_personas_with_identity_fields() -> None:
    personas = load_personas()
    assert {"hikvision-ipc", "dahua-ipc", "axis-ipc"} <= set(personas)
    expected = {
        "hikvision-ipc": ("Hikvision", "Hikvision"),
        "dahua-ipc": ("Dahua", "Dahua"),
        "axis-ipc": ("Axis", "AXIS"),
    }
    for pid, (manufacturer, brand) in expected.items():
        persona = personas[pid]
        assert (persona.manufacturer, persona.brand) == (manufacturer, brand)
        assert persona.device_type == "camera"
        assert persona.ports == {"http": 80}
        assert persona.http is not None and persona.http.routes
        assert len(persona.models) >= 3 and len(persona.firmware) >= 3


def test_every_model_firmware_combination_renders_fully() -> None:
    """No template may leave a {name} placeholder behind, for any model/firmware pair."""
    request_values = {name: f"<{name}>" for name in REQUEST_NAMES}
    for persona in load_personas().values():
        for index, model in enumerate(persona.models):
            for fw in persona.firmware_for(model):
                pinned = dataclasses.replace(model, firmware=(fw.version,))
                device = make_device(
                    dataclasses.replace(persona, models=(pinned,)),
                    "127.0.0.10",
                    index=index,
                    seed=1,
                    port_offset=0,
                    taken_macs=set(),
                    taken_serials=set(),
                )
                assert device.firmware == fw.version
                context = {**device.context, **request_values}
                for template in persona.templates():
                    rendered = render(template, context, random.Random(0))
                    assert not names_used(rendered), (persona.id, fw.version, rendered[:80])


def _raw(pid: str) -> dict[str, Any]:
    data = yaml.safe_load((PERSONA_DIR / f"{pid}.yaml").read_text())
    assert isinstance(data, dict)
    return data


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.update(colour="red"), "unknown keys"),
        (lambda d: d.update(oui=["ZZ:00:00"]), "bad OUI"),
        (lambda d: d.update(device_type="toaster"), "device_type"),
        (lambda d: d["eras"][0]["vars"].update(new_var="x"), "not declared"),
        (lambda d: d["vars"].update(model="x"), "reserved names"),
        (lambda d: d["http"]["routes"][0].update(body="{no_such_name}"), "unknown names"),
        (lambda d: d["http"]["routes"][0].update(handler="nope"), "unknown handler"),
        (lambda d: d["http"]["routes"][0].update(auth="kerberos"), "auth must be"),
        (lambda d: d["firmware"].append("not a version"), "firmware_pattern"),
        (lambda d: d["vars"].update(realm="{realm_code}", realm_code="{realm}"), "cycle"),
    ],
)
def test_invalid_persona_rejected(mutate: Any, message: str) -> None:
    data = _raw("hikvision-ipc")
    mutate(data)
    with pytest.raises(LabError, match=message):
        parse_persona(data)


def test_templates_leave_foreign_braces_alone() -> None:
    text = 'x = {"a": {}}; body{margin:0} {model} {nope}'
    assert render(text, {"model": "M"}) == 'x = {"a": {}}; body{margin:0} M {nope}'


def test_generators_are_seeded() -> None:
    a = render("{HEX:8}-{digits:4}-{alpha:2}", {}, random.Random(3))
    b = render("{HEX:8}-{digits:4}-{alpha:2}", {}, random.Random(3))
    assert a == b and len(a) == 16
    resolved = resolve_vars({"x": "{y}!", "y": "{digits:3}"}, {"m": "1"}, random.Random(1))
    assert resolved["x"] == resolved["y"] + "!"


def test_icon_is_a_small_ico() -> None:
    icon = make_icon("#C8102E")
    assert icon[:4] == b"\x00\x00\x01\x00" and 1000 < len(icon) < 2000
    assert make_icon("#C8102E") == icon != make_icon("#FFCC33")


def test_lab_never_imports_identify_or_kb() -> None:
    for file in LAB_DIR.rglob("*.py"):
        tree = ast.parse(file.read_text(), str(file))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            for name in names:
                assert not name.startswith(("camaudit.identify", "camaudit.kb")), (file, name)
    # Load the lab without running camaudit/__init__.py (which pulls in the public API), so only
    # the lab's own imports count.
    src = str(LAB_DIR.parents[1])
    code = (
        "import sys, types; pkg = types.ModuleType('camaudit'); "
        f"pkg.__path__ = [{str(LAB_DIR.parent)!r}]; sys.modules['camaudit'] = pkg; "
        "import camaudit.lab, camaudit.lab.runner, camaudit.lab.http_server; "
        "bad = [m for m in sys.modules if m.startswith(('camaudit.identify', 'camaudit.kb'))]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True, env={"PYTHONPATH": src}, timeout=60)
