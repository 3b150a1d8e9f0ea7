"""The Censys importer: host documents, API envelopes, and bad records."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from camaudit.errors import EvidenceFormatError
from camaudit.identify import Identifier
from camaudit.importers import CensysImporter
from camaudit.models import EvidenceKind
from tests.importers.conftest import FIXTURES, json_values, makers

HOSTS = FIXTURES / "censys" / "hosts.jsonl"


def test_hosts_identify_their_devices(identifier: Identifier) -> None:
    found = makers(identifier, CensysImporter().read(HOSTS))
    assert found["192.168.20.14"].manufacturer == "Hikvision"
    assert found["192.168.20.31"].manufacturer == "Dahua"
    assert found["192.168.20.45"].manufacturer is None  # an API envelope, unwrapped; IIS


def test_service_parts() -> None:
    evidence = list(CensysImporter().read(HOSTS))
    banner = evidence[0]
    assert banner.kind is EvidenceKind.HTTP and banner.port == 80
    assert b"Document Error: Unauthorized" in banner.payload  # the body joined to the banner
    assert banner.source == "import:censys hosts.jsonl:1 services[0].banner"
    rtsp = next(e for e in evidence if e.kind is EvidenceKind.RTSP)
    assert rtsp.port == 554
    rebuilt = next(e for e in evidence if e.ip == "192.168.20.31" and e.kind is EvidenceKind.HTTP)
    assert rebuilt.payload.startswith(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n")
    favicon = [e for e in evidence if "favicons" in (e.source or "")]
    assert [e.text for e in favicon] == ["a437e84d20c9cf7442fffab49e0f07e7"]
    tls = next(e for e in evidence if e.kind is EvidenceKind.TLS)
    assert tls.text == (
        "subject: C=CN, CN=192.168.20.31\n"
        "issuer: C=CN, L=Hangzhou, ST=Zhejiang, O=Zhejiang Dahua Technology Co.,Ltd., CN=Dahua Device NVR CA"
    )
    claims = [json.loads(e.payload) for e in evidence if e.kind is EvidenceKind.ASSET_ROW]
    assert claims[0]["description"] == "Hikvision IP Camera" and claims[0]["claimed_by"] == "censys"


def test_a_pretty_printed_array_is_streamed(tmp_path: Path) -> None:
    docs = [json.loads(line) for line in HOSTS.read_text().splitlines()]
    path = tmp_path / "export.json"
    path.write_text(json.dumps(docs, indent=2))
    assert [e.payload for e in CensysImporter().read(path)] == [
        e.payload for e in CensysImporter().read(HOSTS)
    ]


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"services": []}, r"record 2: missing or bad 'ip'"),
        ({"ip": "10.0.0.1", "services": {"port": 80}}, "record 2: 'services' is not a list"),
        (
            {"ip": "10.0.0.1", "services": [{"port": "eighty"}]},
            r"record 2: services\[0\] has a bad port",
        ),
        ({"ip": "10.0.0.1", "services": ["x"]}, r"record 2: services\[0\] is not an object"),
    ],
)
def test_bad_documents_name_their_record(
    tmp_path: Path, doc: dict[str, object], message: str
) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(HOSTS.read_text().splitlines()[0] + "\n" + json.dumps(doc) + "\n")
    with pytest.raises(EvidenceFormatError, match=message) as info:
        list(CensysImporter().read(path))
    assert info.value.line == 2


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    json_values(
        [
            "ip",
            "services",
            "port",
            "banner",
            "http",
            "response",
            "headers",
            "body",
            "favicons",
            "md5_hash",
            "tls",
            "certificates",
            "leaf_data",
            "subject_dn",
            "software",
            "vendor",
            "result",
            "hits",
        ]
    )
)
def test_arbitrary_json_raises_only_format_errors(tmp_path: Path, value: object) -> None:
    path = tmp_path / "fuzz.json"
    path.write_text(
        json.dumps({"ip": "10.0.0.1", "services": [value]}) + "\n" + json.dumps(value) + "\n"
    )
    with contextlib.suppress(EvidenceFormatError):
        list(CensysImporter().read(path))
