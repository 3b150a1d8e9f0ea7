"""Format detection of import files."""

from __future__ import annotations

from pathlib import Path

import pytest

from camaudit.importers import REGISTRY, detect_format
from tests.importers.conftest import FIXTURES


def test_registry_names() -> None:
    assert set(REGISTRY) == {
        "nmap",
        "masscan",
        "zgrab2",
        "shodan",
        "censys",
        "register",
        "pcap",
        "dhcp",
        "arp",
    }
    assert all(
        importer.name == name and importer.description for name, importer in REGISTRY.items()
    )


@pytest.mark.parametrize(
    "path",
    sorted(p for p in FIXTURES.rglob("*") if p.is_file() and p.parent.name != "pcap"),
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_every_fixture_is_detected_as_its_format(path: Path) -> None:
    assert detect_format(path) == path.parent.name


@pytest.mark.parametrize("content", [b"", b"hello\n", b"{}", b"[1, 2, 3]", b"\x00\x01\x02"])
def test_unknown_content(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "unknown"
    path.write_bytes(content)
    assert detect_format(path) is None


def test_ole_compound_files_go_to_the_register_importer(tmp_path: Path) -> None:
    # A legacy .xls or a password-protected .xlsx: the register importer says which it is.
    path = tmp_path / "register.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504)
    assert detect_format(path) == "register"
