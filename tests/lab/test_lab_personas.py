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
from camaudit.lab import Persona, load_personas
from camaudit.lab.fleet import make_device
from camaudit.lab.icons import make_icon
from camaudit.lab.persona import PERSONA_DIR, REQUEST_NAMES, parse_persona
from camaudit.lab.templates import names_used, render, resolve_vars
from camaudit.lab.tls_spec import TlsSpec, is_date

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
        assert persona.ports["http"] == 80 and persona.ports["rtsp"] == 554
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
                tls = persona.sections.get("tls")
                if isinstance(tls, TlsSpec):  # certificates need a real start date
                    assert is_date(render(tls.not_before, context)), (persona.id, fw.version)


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


# -- the catalogue ----------------------------------------------------------------------------

OUI_FILE = Path(__import__("netaddr").__file__).parent / "eui" / "oui.txt"
# IEEE registrant words accepted for a persona's MAC blocks, by maker or label (facts.md 6).
REGISTRANTS = {
    "Hikvision": ("hikvision",),
    "EZVIZ": ("ezviz",),
    "LTS": ("lt security", "hikvision"),
    "Dahua": ("dahua",),
    "Amcrest": ("amcrest", "dahua"),
    "Lorex": ("lorex", "dahua"),
    "Axis": ("axis communications",),
    "Hanwha Vision": ("samsung techwin", "hanwha"),
    "Uniview": ("uniview",),
    "Bosch": ("bosch", "vcs video"),
    "Vivotek": ("vivotek",),
    "Reolink": ("reolink",),
    "TVT": ("tvt co",),
}


def _registrants() -> dict[str, str]:
    out = {}
    for line in OUI_FILE.read_text(encoding="utf-8", errors="replace").splitlines():
        if "(hex)" in line:
            prefix, _, name = line.partition("(hex)")
            out[prefix.strip().replace("-", ":")] = name.strip().lower()
    return out


def test_catalogue_covers_makers_labels_and_types() -> None:
    personas = load_personas()
    assert len(personas) >= 16
    assert len({p.manufacturer for p in personas.values()}) >= 10
    pairs = {(p.manufacturer, p.brand) for p in personas.values()}
    for pair in [
        ("Hikvision", "LTS"),
        ("Hikvision", "HiLook"),
        ("Hikvision", "HiWatch"),
        ("Hikvision", "EZVIZ"),
        ("Dahua", "Amcrest"),
        ("Dahua", "Lorex"),
        ("Dahua", "Imou"),
        ("Xiongmai", None),
        ("TVT", None),
    ]:
        assert pair in pairs, pair
    types = {p.device_type for p in personas.values()}
    assert {"camera", "nvr", "dvr"} <= types


def _well_behaved() -> list[Persona]:
    return [p for p in load_personas().values() if p.hostile is None]


def test_families_speak_their_makers_protocols() -> None:
    for persona in _well_behaved():
        assert "http" in persona.ports, persona.id
        assert "rtsp" in persona.ports, persona.id
        if persona.manufacturer == "Hikvision":
            assert "sadp" in persona.ports, persona.id
            http = persona.http
            assert http is not None and any(
                r.path == "/ISAPI/System/deviceInfo" for r in http.routes
            )
        if persona.manufacturer == "Dahua":
            assert "dhip" in persona.ports, persona.id
            http = persona.http
            assert http is not None and any(r.path == "/cgi-bin/magicBox.cgi" for r in http.routes)
    assert "ftp" in load_personas()["axis-ipc"].ports


def test_mac_blocks_belong_to_the_maker_or_label() -> None:
    registrants = _registrants()
    for persona in load_personas().values():
        if persona.hostile is not None:  # no maker: a locally administered range
            assert persona.manufacturer is None and persona.brand is None, persona.id
            assert all(int(prefix[:2], 16) & 0x02 for prefix in persona.oui), persona.id
            continue
        for prefix in persona.oui:
            if persona.manufacturer == "Xiongmai":  # no IEEE block: locally administered
                assert int(prefix[:2], 16) & 0x02, prefix
                continue
            accepted = REGISTRANTS[persona.manufacturer or ""] + REGISTRANTS.get(
                persona.brand or "", ()
            )
            name = registrants.get(prefix, "")
            assert any(word in name for word in accepted), (persona.id, prefix, name)


def _hik_build(version: str) -> int:
    return int(version.rsplit(" ", 1)[-1])


def test_firmware_spans_vulnerable_and_patched_builds() -> None:
    personas = load_personas()
    # CVE-2021-36260: fixed builds are dated 210628 onwards (facts.md 4.2).
    for pid in ("hikvision-ipc", "lts-ipc", "hilook-ipc"):
        builds = [_hik_build(f.version) for f in personas[pid].firmware]
        assert min(builds) < 210628 <= max(builds), pid
    # CVE-2021-33044: Dahua builds before June 2021 are affected.
    for pid in ("dahua-ipc", "amcrest-ipc"):
        dates = [f.version.rsplit(" ", 1)[-1] for f in personas[pid].firmware]
        assert min(dates) < "2021-06" <= max(dates), pid


def test_extends_inherits_and_overrides() -> None:
    personas = load_personas()
    nvr, ipc = personas["hikvision-nvr"], personas["hikvision-ipc"]
    assert nvr.device_type == "nvr" and nvr.manufacturer == "Hikvision"
    assert nvr.sections["sadp"] == ipc.sections["sadp"]
    assert nvr.vars["server"] == "DNVRS-Webs" and nvr.rotation != ipc.rotation
    assert "https" not in personas["ezviz-cam"].ports  # a null removes an inherited port


def test_port_needs_its_section() -> None:
    data = _raw("axis-ipc")
    del data["ftp"]
    with pytest.raises(LabError, match=r"ports\.ftp needs"):
        parse_persona(data)
