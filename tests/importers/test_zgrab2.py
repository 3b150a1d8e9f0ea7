"""The ZGrab2 importer: http (with redirect chain and TLS), telnet banners, failed modules."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from camaudit.errors import EvidenceFormatError
from camaudit.identify import Identifier
from camaudit.importers import Zgrab2Importer
from camaudit.models import EvidenceKind
from tests.importers.conftest import FIXTURES, json_values, makers

SCAN = FIXTURES / "zgrab2" / "scan.jsonl"


def test_results_identify_their_devices(identifier: Identifier) -> None:
    found = makers(identifier, Zgrab2Importer().read(SCAN))
    assert {ip: i.manufacturer for ip, i in found.items()} == {
        "192.168.40.21": "Dahua",
        "192.168.40.22": "Axis",
        "192.168.40.23": "Hikvision",
    }
    assert found["192.168.40.22"].model == "Q6135-LE"


def test_result_shapes() -> None:
    evidence = list(Zgrab2Importer().read(SCAN))
    first = evidence[0]
    assert first.port == 8000  # from the request URL
    assert first.payload.startswith(b"HTTP/1.1 401 Unauthorized\r\nContent-Type: text/html\r\n")
    assert b'\r\nWww-Authenticate: Digest realm="Login to 7F0A2B1PAG5D6E70"' in first.payload
    assert b"\r\nX-Xss-Protection: 1; mode=block\r\n" in first.payload
    chain = [e for e in evidence if e.ip == "192.168.40.22"]
    assert [e.kind for e in chain] == [EvidenceKind.HTTP, EvidenceKind.HTTP, EvidenceKind.TLS]
    assert chain[0].source == "import:zgrab2 scan.jsonl:2 https.redirect_response_chain[0]"
    assert chain[2].text.startswith("subject: O=Axis Communications AB, CN=axis-b8a44f0e5c21")
    telnet = [e for e in evidence if e.ip == "192.168.40.23"]
    assert [(e.kind, e.port) for e in telnet] == [(EvidenceKind.BANNER, 23)]  # ssh timed out


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"ip": "192.168.40.9"}', "record 2: needs an 'ip' address and a 'data' object"),
        ('{"ip": "not-an-ip", "data": {}}', "record 2: needs an 'ip'"),
        ('"just a string"', "record 2 is not a JSON object"),
    ],
)
def test_bad_records(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(SCAN.read_text().splitlines()[0] + "\n" + line + "\n")
    with pytest.raises(EvidenceFormatError, match=message):
        list(Zgrab2Importer().read(path))


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    json_values(
        [
            "ip",
            "data",
            "http",
            "tls",
            "result",
            "response",
            "status_code",
            "status_line",
            "headers",
            "unknown",
            "key",
            "value",
            "body",
            "request",
            "url",
            "host",
            "tls_log",
            "handshake_log",
            "server_certificates",
            "certificate",
            "raw",
            "parsed",
            "banner",
            "redirect_response_chain",
        ]
    )
)
def test_arbitrary_json_raises_only_format_errors(tmp_path: Path, value: object) -> None:
    path = tmp_path / "fuzz.json"
    path.write_text(
        json.dumps({"ip": "10.0.0.1", "data": {"http": value}}) + "\n" + json.dumps(value) + "\n"
    )
    with contextlib.suppress(EvidenceFormatError):
        list(Zgrab2Importer().read(path))
