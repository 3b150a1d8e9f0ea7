"""The Shodan importer: a hand-written download file, gzip, and bad records."""

from __future__ import annotations

import base64
import contextlib
import gzip
import hashlib
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from camaudit.errors import EvidenceFormatError
from camaudit.identify import Identifier
from camaudit.importers import ShodanImporter, detect_format
from camaudit.models import EvidenceKind
from tests.importers.conftest import FIXTURES, makers

BANNERS = FIXTURES / "shodan" / "banners.jsonl"


def test_banners_identify_their_devices(identifier: Identifier) -> None:
    found = makers(identifier, ShodanImporter().read(BANNERS))
    assert {ip: (i.manufacturer, i.brand) for ip, i in found.items() if i.manufacturer} == {
        "192.168.10.13": ("Hikvision", None),
        "192.168.10.37": ("Dahua", None),
        "192.168.10.21": ("Hikvision", "Hikvision"),
        "192.168.10.52": ("Axis", "Axis"),
        "192.168.10.65": ("Dahua", "Lorex"),
    }
    assert found["192.168.10.100"].manufacturer is None  # nginx names no camera maker
    assert found["192.168.10.52"].model == "M3045-V"


def test_banner_parts_become_separate_evidence() -> None:
    evidence = list(ShodanImporter().read(BANNERS))
    first = [e for e in evidence if e.ip == "192.168.10.13"]
    assert [e.kind for e in first] == [EvidenceKind.HTTP, EvidenceKind.HTTP, EvidenceKind.ASSET_ROW]
    http = first[0]
    assert (
        http.payload.startswith(b"HTTP/1.1 200 OK\r\n") and b"/doc/page/login.asp" in http.payload
    )
    assert (
        http.port == 80
        and http.ts is not None
        and http.ts.isoformat().startswith("2024-02-19T03:41:17")
    )
    assert http.source == "import:shodan banners.jsonl:1 data"
    icon = base64.b64decode(
        json.loads(BANNERS.read_text().splitlines()[0])["http"]["favicon"]["data"]
    )
    assert (
        first[1].text == hashlib.md5(icon).hexdigest()
    )  # MD5 of the icon bytes, not Shodan's mmh3
    claim = json.loads(first[2].payload)
    assert claim["claimed_by"] == "shodan" and claim["description"] == "Hikvision IP Camera"
    tls = next(e for e in evidence if e.kind is EvidenceKind.TLS)
    assert tls.text.startswith("subject: C=CN, ST=ZheJiang, L=HangZhou, O=HIKVISION")
    mac = next(e for e in evidence if e.kind is EvidenceKind.MAC)
    assert (mac.ip, mac.mac) == ("192.168.10.52", "00:40:8c:1a:2b:3c")
    assert next(e for e in evidence if e.ip == "192.168.10.65").kind is EvidenceKind.DHIP
    assert any(e.text == "<title>AXIS M3045-V Network Camera</title>" for e in evidence)


def test_gzipped_download_reads_the_same(tmp_path: Path) -> None:
    packed = tmp_path / "download.json.gz"
    packed.write_bytes(gzip.compress(BANNERS.read_bytes()))
    assert detect_format(packed) == "shodan"
    plain = [(e.kind, e.payload) for e in ShodanImporter().read(BANNERS)]
    assert [(e.kind, e.payload) for e in ShodanImporter().read(packed)] == plain


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            '{"ip_str": "192.168.1.300", "port": 80, "data": "x"}',
            r"record 2: ip_str '192.168.1.300' is not an IP",
        ),
        ('{"port": 80, "data": "x"}', "record 2 has no ip_str"),
        ('{"ip_str": "10.0.0.1", "port": 70000, "data": "x"}', "record 2: bad port 70000"),
        (
            '{"ip_str": "10.0.0.1", "mac": {"00:40:8C": {}}}',
            "record 2: mac '00:40:8C' is not a MAC",
        ),
        ('{"ip_str": "10.0.0.1", "data": "HTTP/1.1 200 OK\\r\\n', r"record 2: invalid JSON"),
        ("[1, 2]", "record 2 is not a JSON object"),
    ],
)
def test_bad_records_name_their_line(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(BANNERS.read_text().splitlines()[0] + "\n" + line + "\n")
    with pytest.raises(EvidenceFormatError, match=message) as info:
        list(ShodanImporter().read(path))
    assert info.value.line == 2


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=40),
        lambda c: (
            st.lists(c, max_size=4)
            | st.dictionaries(
                st.sampled_from(
                    [
                        "ip_str",
                        "port",
                        "data",
                        "http",
                        "ssl",
                        "mac",
                        "html",
                        "favicon",
                        "chain",
                        "cert",
                        "subject",
                        "product",
                        "redirects",
                        "timestamp",
                    ]
                ),
                c,
                max_size=6,
            )
        ),
        max_leaves=30,
    )
)
def test_arbitrary_json_raises_only_format_errors(tmp_path: Path, value: object) -> None:
    path = tmp_path / "fuzz.jsonl"
    path.write_text(json.dumps(value) + "\n")
    with contextlib.suppress(EvidenceFormatError):
        list(ShodanImporter().read(path))
