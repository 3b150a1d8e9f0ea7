"""Shared importer plumbing: JSON document streams, address parsing, sources."""

from __future__ import annotations

import contextlib
import gzip
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from camaudit.errors import EvidenceFormatError
from camaudit.importers.base import (
    is_unicast_mac,
    iter_json_documents,
    iter_text_lines,
    parse_ip,
    parse_mac,
    parse_timestamp,
    source_label,
)

DOCS = [{"ip": f"10.0.0.{n}", "data": "x" * n, "nested": {"list": [1, 2, n]}} for n in range(1, 6)]


@pytest.mark.parametrize(
    "layout",
    ["lines", "array", "pretty-array", "concatenated", "gzip-lines"],
)
def test_json_layouts(tmp_path: Path, layout: str) -> None:
    path = tmp_path / "docs.json"
    if layout == "lines":
        path.write_text("\n".join(json.dumps(d) for d in DOCS) + "\n\n")
    elif layout == "array":
        path.write_text(json.dumps(DOCS))
    elif layout == "pretty-array":
        path.write_text(json.dumps(DOCS, indent=4))
    elif layout == "concatenated":
        path.write_text("".join(json.dumps(d, indent=1) for d in DOCS))
    else:
        path.write_bytes(gzip.compress(("\n".join(json.dumps(d) for d in DOCS)).encode()))
    docs = list(iter_json_documents(path))
    assert [d.value for d in docs] == DOCS
    assert [d.index for d in docs] == [1, 2, 3, 4, 5]


def test_stream_reports_the_line_of_a_broken_document(tmp_path: Path) -> None:
    path = tmp_path / "docs.json"
    path.write_text('[\n  {"a": 1},\n  {"b": 2},\n  {"c": tru}\n]\n')
    with pytest.raises(EvidenceFormatError, match=r"record 3: invalid JSON") as info:
        list(iter_json_documents(path))
    assert info.value.line == 4


def test_stream_documents_larger_than_a_chunk(tmp_path: Path) -> None:
    big = [{"data": "y" * 700_000}, {"data": "z"}]
    path = tmp_path / "big.json"
    path.write_text(json.dumps(big, indent=2))
    assert [d.value for d in iter_json_documents(path)] == big
    with pytest.raises(EvidenceFormatError, match="larger than 100000 bytes"):
        list(iter_json_documents(path, max_document=100_000))


def test_lines_longer_than_the_cap(tmp_path: Path) -> None:
    path = tmp_path / "long.txt"
    path.write_text("short\n" + "x" * 5000 + "\n")
    with pytest.raises(EvidenceFormatError, match="line longer than 1000") as info:
        list(iter_text_lines(path, max_line=1000))
    assert info.value.line == 2


@pytest.mark.parametrize(
    ("text", "mac"),
    [
        ("44:19:B6:2A:10:3C", "44:19:b6:2a:10:3c"),
        ("44-19-b6-2a-10-3c", "44:19:b6:2a:10:3c"),
        ("4419.b62a.103c", "44:19:b6:2a:10:3c"),
        ("4419B62A103C", "44:19:b6:2a:10:3c"),
        ("0:1b:21:3a:4f:4", "00:1b:21:3a:4f:04"),
        ("44:19:b6-2a:10:3c", None),
        ("44:19:b6:2a:10", None),
        ("zz:19:b6:2a:10:3c", None),
        ("", None),
    ],
)
def test_parse_mac(text: str, mac: str | None) -> None:
    assert parse_mac(text) == mac


def test_unicast_and_addresses() -> None:
    assert is_unicast_mac("44:19:b6:2a:10:3c")
    assert not is_unicast_mac("01:00:5e:00:00:16")
    assert not is_unicast_mac("ff:ff:ff:ff:ff:ff")
    assert not is_unicast_mac("00:00:00:00:00:00")
    assert parse_ip(" 10.0.0.1 ") == "10.0.0.1"
    assert parse_ip("fe80::1%eth0") == "fe80::1"
    assert parse_ip("[2001:db8::1]") == "2001:db8::1"
    assert parse_ip("10.0.0.256") is None
    assert parse_timestamp("1710407530").year == 2024  # type: ignore[union-attr]
    assert parse_timestamp("2024-02-19T03:41:17.662810").tzinfo is not None  # type: ignore[union-attr]
    assert parse_timestamp("soon") is None and parse_timestamp(True) is None
    assert source_label("arp", Path("/tmp/x/table.txt"), "3", "mac") == "import:arp table.txt:3 mac"


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.binary(max_size=400))
def test_json_stream_raises_only_format_errors(tmp_path: Path, blob: bytes) -> None:
    path = tmp_path / "fuzz.json"
    path.write_bytes(blob)
    with contextlib.suppress(EvidenceFormatError):
        list(iter_json_documents(path))
