"""Malformed files found by attacking the importers: each gets one line and exit 2 (or imports
what it can), never an internal error, and stores nothing when rejected (issue 16)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parents[1] / "fixtures" / "importers"


def _bad_zip_xlsx() -> bytes:
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    data = bytearray(raw.getvalue())
    central = data.find(b"PK\x01\x02")
    data[central + 10 : central + 12] = b"\xff\xff"  # compression method nobody knows
    return bytes(data)


#: (format, file bytes, exit code the CLI must give: 2 = rejected in one line, 0 = imported)
CASES = {
    "shodan-huge-int": ("shodan", b'{"ip_str":"127.0.0.1","port":' + b"9" * 5000 + b"}\n", 2),
    "censys-huge-int": (
        "censys",
        b'{"ip":"127.0.0.1","services":[{"port":' + b"1" * 5000 + b"}]}\n",
        2,
    ),
    "shodan-lone-surrogate": (
        "shodan",
        b'{"ip_str":"127.0.0.1","port":80,"hostnames":["\\ud800"],'
        b'"data":"HTTP/1.1 200 OK\\r\\nServer: \\udc00x\\r\\n\\r\\n"}\n',
        0,
    ),
    "censys-lone-surrogate-stream": (
        "censys",
        b'[{"ip":"127.0.0.1","services":[{"port":80,"banner":"\\ud800"}]}]',
        0,
    ),
    "isc-truncated-statement": ("dhcp", b"lease 127.0.0.5 {\n  ;\n  hardware ethernet", 2),
    "dnsmasq-non-ascii-digits": (
        "dhcp",
        "١٢٣٤ c4:2f:90:00:00:01 127.0.0.5 cam *\n".encode(),
        2,
    ),
    "dnsmasq-mixed-digits": ("dhcp", "171048¹492 c4:2f:90:00:00:01 127.0.0.5 c *\n".encode(), 2),
    "nmap-unknown-encoding": (
        "nmap",
        (FIXTURES / "nmap" / "estate.xml")
        .read_bytes()
        .replace(b'encoding="UTF-8"', b'encoding="UTF-1F-8"', 1),
        0,
    ),
    "xlsx-bad-zip-field": ("register", _bad_zip_xlsx(), 2),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_malformed_file(cli, tmp_path: Path, case: str) -> None:
    fmt, data, expected = CASES[case]
    path = tmp_path / f"{case}.in"
    path.write_bytes(data)
    db = tmp_path / "db.sqlite"
    result = cli("import", fmt, str(path), "--db", f"sqlite:///{db}", "--org", "C", "--quiet")
    assert result.code == expected, (result.code, result.err)
    assert "internal error" not in result.err and "Traceback" not in result.err
    if expected == 2:
        assert len(result.err.strip().splitlines()) == 1, result.err


def test_register_csv_with_long_quote_runs_is_read(cli, tmp_path: Path) -> None:
    """csv.Sniffer backtracked for ever on this; the delimiter is now found in linear time."""
    path = tmp_path / "quotes.csv"
    path.write_text("Make,Model\n" + '"' * 3000 + "\nHikvision,DS-2CD2143G2-I\n")
    result = cli("import", "register", str(path), "--db", f"sqlite:///{tmp_path}/d.db", "--quiet")
    assert result.code in (0, 2) and "internal error" not in result.err
