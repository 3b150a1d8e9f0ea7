"""The DHCP leases importer: ISC dhcpd, dnsmasq, Windows exports, and broken files."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from camaudit.errors import EvidenceFormatError
from camaudit.identify import Identifier
from camaudit.importers import DhcpLeasesImporter
from camaudit.models import EvidenceKind
from tests.importers.conftest import FIXTURES, makers

DHCP = FIXTURES / "dhcp"


def test_isc_leases(identifier: Identifier) -> None:
    evidence = list(DhcpLeasesImporter().read(DHCP / "dhcpd.leases"))
    assert (
        sum(e.kind is EvidenceKind.DHCP and e.ip == "10.50.1.21" for e in evidence) == 1
    )  # renewal
    found = makers(identifier, evidence)
    assert {ip: i.manufacturer for ip, i in found.items()} == {
        "10.50.1.21": "Hikvision",
        "10.50.1.37": "Dahua",
        "10.50.1.52": "Axis",
        "10.50.1.90": None,
    }
    dhcp = next(e for e in evidence if e.kind is EvidenceKind.DHCP and e.ip == "10.50.1.37")
    assert dhcp.text == "hostname=IPC\nvendor_class=Dahua IPC\nmac=38:af:29:5c:0e:91\n"
    assert dhcp.mac == "38:af:29:5c:0e:91" and dhcp.ts is not None and dhcp.ts.hour == 8
    assert dhcp.source == "import:dhcp dhcpd.leases:21 lease"


def test_dnsmasq_leases(identifier: Identifier) -> None:
    evidence = list(DhcpLeasesImporter().read(DHCP / "dnsmasq.leases"))
    found = makers(identifier, evidence)
    assert found["192.168.1.64"].manufacturer == "Hikvision"
    assert found["192.168.1.108"].model == "IPC-HDW2431T-AS-S2"
    assert found["192.168.1.90"].manufacturer == "Axis"
    assert (found["192.168.1.120"].manufacturer, found["192.168.1.120"].brand) == (
        "Hikvision",
        "EZVIZ",
    )
    v6 = next(e for e in evidence if e.ip == "fd00::64")
    assert v6.mac is None and v6.text == "hostname=DS-7608NI-K2\n"  # the IAID is not a MAC


def test_windows_export(identifier: Identifier) -> None:
    evidence = list(DhcpLeasesImporter().read(DHCP / "windows_leases.csv"))
    found = makers(identifier, evidence)
    assert found["10.60.2.14"].model == "DS-2CD2347G2-LU"
    assert found["10.60.2.15"].manufacturer == "Dahua"
    assert found["10.60.2.40"].manufacturer == "Axis"
    assert found["10.60.2.77"].manufacturer is None


def test_windows_console_export_in_utf16(tmp_path: Path, identifier: Identifier) -> None:
    text = (
        "Client IP Address\tName\tLease Expiration\tType\tUnique ID\tDescription\r\n"
        "10.60.3.21\tDS-7608NI-K2.corp.local\t15/03/2024 10:00:00\tDHCP\t4419b62a3021\t\r\n"
    )
    path = tmp_path / "export.txt"
    path.write_bytes(text.encode("utf-16"))
    evidence = list(DhcpLeasesImporter().read(path))
    assert {(e.kind, e.mac) for e in evidence} == {
        (EvidenceKind.MAC, "44:19:b6:2a:30:21"),
        (EvidenceKind.DHCP, "44:19:b6:2a:30:21"),
    }
    assert makers(identifier, evidence)["10.60.3.21"].manufacturer == "Hikvision"


@pytest.mark.parametrize(
    ("name", "text", "message", "line"),
    [
        (
            "isc",
            "lease 10.0.0.1 {\n  hardware ethernet 44:19:b6;\n}\n",
            "hardware ethernet '44:19:b6' is not a MAC",
            2,
        ),
        ("isc", "lease 10.0.0.999 {\n}\n", "lease address '10.0.0.999' is not", 1),
        (
            "isc",
            "lease 10.0.0.1 {\n  starts 4 2024/03/14 07:58:12\n}\n",
            "statement without ';'",
            2,
        ),
        ("isc", "lease 10.0.0.1 {\n  binding state active;\n", "file ends inside a block", None),
        ("isc", "lease 10.0.0.1 {\n}\n}\n", "'}' without an open block", 3),
        (
            "dnsmasq",
            "1710489492 c4:2f:90:7e:01:5a 192.168.1.64 HIKVISION *\n1710489492 zz 192.168.1.65 x *\n",
            "'zz' is not a MAC",
            2,
        ),
        ("dnsmasq", "hello world\n", "not a dnsmasq lease line", 1),
        (
            "windows",
            '"IPAddress","ClientId","HostName"\n"10.0.0.300","44-19-b6-2a-30-21","x"\n',
            "'10.0.0.300' is not an IP",
            2,
        ),
    ],
)
def test_bad_files_name_the_line(
    tmp_path: Path, name: str, text: str, message: str, line: int | None
) -> None:
    path = tmp_path / f"{name}.leases"
    path.write_text(text)
    with pytest.raises(EvidenceFormatError, match=message) as info:
        list(DhcpLeasesImporter().read(path))
    assert info.value.line == line


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.sampled_from(["dhcpd.leases", "dnsmasq.leases", "windows_leases.csv"]),
    st.integers(0, 3000),
    st.text(max_size=80),
)
def test_corrupted_leases_raise_only_format_errors(
    tmp_path: Path, name: str, at: int, junk: str
) -> None:
    text = (DHCP / name).read_text()
    path = tmp_path / "fuzz.leases"
    path.write_text(text[:at] + junk + text[at:])
    with contextlib.suppress(EvidenceFormatError):
        list(DhcpLeasesImporter().read(path))
