"""The masscan importer: -oJ with banners, NDJSON, and bad lines."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from camaudit.errors import EvidenceFormatError
from camaudit.identify import Identifier
from camaudit.importers import MasscanImporter
from camaudit.models import EvidenceKind
from tests.importers.conftest import FIXTURES, json_values, makers

SCAN = FIXTURES / "masscan" / "scan.json"


def test_banners_identify_their_devices(identifier: Identifier) -> None:
    found = makers(identifier, MasscanImporter().read(SCAN))
    assert {ip: i.manufacturer for ip, i in found.items()} == {
        "192.168.30.11": "Hikvision",
        "192.168.30.12": "Axis",
        "192.168.30.13": "Hikvision",
    }
    assert found["192.168.30.11"].model == "DS-2CD2032-I"


def test_banner_shapes() -> None:
    evidence = list(MasscanImporter().read(SCAN))
    assert [e.kind for e in evidence] == [
        EvidenceKind.HTTP,
        EvidenceKind.HTTP,
        EvidenceKind.BANNER,
        EvidenceKind.BANNER,
    ]  # port-only records and the ssl summary give nothing
    assert evidence[1].text == "<title>Document Error: Unauthorized</title>"
    assert evidence[3].payload == b"\xff\xfb\x01\r\ndvrdvs login: "  # literal \xNN restored
    assert evidence[0].source == "import:masscan scan.json:3 http"


def test_ndjson_is_read_too(tmp_path: Path) -> None:
    path = tmp_path / "scan.ndjson"
    lines = [line.strip(",") for line in SCAN.read_text().splitlines() if line not in ("[", "]")]
    path.write_text("\n".join(lines) + "\n")
    assert len(list(MasscanImporter().read(path))) == 4


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"ip": "10.0.0", "ports": []}', "missing or bad 'ip'"),
        ('{"ip": "10.0.0.1", "ports": [{"port": -1}]}', "bad port -1"),
        ('{"ip": "10.0.0.1", "ports": "80"}', "'ports' is not a list"),
        ("{ip: 10.0.0.1}", "invalid JSON"),
    ],
)
def test_bad_lines_are_named(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text("[\n" + line + "\n]\n")
    with pytest.raises(EvidenceFormatError, match=message) as info:
        list(MasscanImporter().read(path))
    assert info.value.line == 2


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(json_values(["ip", "ports", "port", "service", "name", "banner", "timestamp", "proto"]))
def test_arbitrary_json_raises_only_format_errors(tmp_path: Path, value: object) -> None:
    path = tmp_path / "fuzz.json"
    path.write_text(
        json.dumps({"ip": "10.0.0.1", "ports": value}) + "\n" + json.dumps(value) + "\n"
    )
    with contextlib.suppress(EvidenceFormatError):
        list(MasscanImporter().read(path))
