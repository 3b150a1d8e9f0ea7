"""The ARP / neighbour / MAC-table importer."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from camaudit.errors import EvidenceFormatError
from camaudit.identify import Identifier
from camaudit.importers import ArpImporter, detect_format
from camaudit.models import EvidenceKind
from tests.importers.conftest import FIXTURES, makers

ARP = FIXTURES / "arp"


@pytest.mark.parametrize(
    ("name", "pairs"),
    [
        (
            "ip_neigh.txt",
            {
                ("10.70.1.1", "00:1b:21:3a:4f:01"),
                ("10.70.1.21", "c4:2f:90:7e:01:21"),
                ("10.70.1.37", "e0:50:8b:12:9a:37"),
                ("10.70.1.52", "b8:a4:4f:0e:5c:52"),
                ("fe80::c62f:90ff:fe7e:121", "c4:2f:90:7e:01:21"),
            },
        ),
        (
            "arp_a_linux.txt",
            {
                ("10.70.2.1", "00:1b:21:3a:4f:02"),
                ("10.70.2.21", "44:19:b6:2a:20:21"),
                ("10.70.2.37", "38:af:29:5c:20:37"),
            },
        ),
        (
            "arp_a_windows.txt",
            {
                ("10.70.3.1", "00:1b:21:3a:4f:03"),
                ("10.70.3.21", "bc:ad:28:9f:30:21"),
                ("10.70.3.52", "ac:cc:8e:4f:30:52"),
            },
        ),
        (
            "arp_an_macos.txt",
            {("10.70.4.1", "00:1b:21:3a:4f:04"), ("10.70.4.21", "c4:2f:90:7e:04:21")},
        ),
        (
            "show_ip_arp.txt",
            {
                ("10.70.40.1", "00:1b:21:3a:4f:40"),
                ("10.70.40.21", "44:19:b6:2a:40:21"),
                ("10.70.40.37", "38:af:29:5c:40:37"),
            },
        ),
        (
            "mac_table.csv",
            {
                ("10.70.50.21", "44:19:b6:2a:50:21"),
                ("10.70.50.37", "90:02:a9:31:50:37"),
                (None, "00:40:8c:dd:50:52"),
            },
        ),
    ],
)
def test_tables(name: str, pairs: set[tuple[str | None, str]]) -> None:
    path = ARP / name
    assert detect_format(path) == "arp"
    evidence = list(ArpImporter().read(path))
    assert all(e.kind is EvidenceKind.MAC and e.payload.decode() == e.mac for e in evidence)
    assert {
        (e.ip, e.mac) for e in evidence
    } == pairs  # incomplete, broadcast, multicast, zero skipped


def test_macs_identify_makers(identifier: Identifier) -> None:
    found = makers(identifier, ArpImporter().read(ARP / "show_ip_arp.txt"))
    assert found["10.70.40.21"].manufacturer == "Hikvision"
    assert found["10.70.40.37"].manufacturer == "Dahua"
    assert found["10.70.40.1"].manufacturer is None


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        (
            "10.0.0.1 dev eth0 lladdr 44:19:b6:2a:10:01 REACHABLE\n10.0.0.2   44-19-b6-2a-10   dynamic\n",
            "unrecognised ARP/MAC-table entry",
            2,
        ),
        (
            "? (10.0.0.1) at 44:19:b6:2a:10:01 [ether] on eth0\nsomething 44:19:b6:2a:10:02 odd\n",
            "unrecognised ARP/MAC-table entry",
            2,
        ),
        (
            "VLAN,MAC Address,IP Address\n40,44:19:B6:2A:50,10.0.0.1\n",
            "column 'macaddress': '44:19:B6:2A:50' is not a MAC",
            2,
        ),
        (
            "VLAN,MAC Address,IP Address\n40,44:19:B6:2A:50:21,10.0.0.256\n",
            "column 'ipaddress': '10.0.0.256' is not an IP",
            2,
        ),
    ],
)
def test_bad_entries_name_the_line(tmp_path: Path, text: str, message: str, line: int) -> None:
    path = tmp_path / "table.txt"
    path.write_text(text)
    with pytest.raises(EvidenceFormatError, match=message) as info:
        list(ArpImporter().read(path))
    assert info.value.line == line


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(st.text(max_size=70), max_size=10),
    st.sampled_from(sorted(p.name for p in ARP.iterdir())),
)
def test_arbitrary_lines_raise_only_format_errors(
    tmp_path: Path, lines: list[str], name: str
) -> None:
    path = tmp_path / "fuzz.txt"
    path.write_text((ARP / name).read_text() + "\n".join(lines))
    with contextlib.suppress(EvidenceFormatError):
        list(ArpImporter().read(path))
