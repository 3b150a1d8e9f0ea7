"""`camaudit import`: every format imports its fixture; a bad file exits 2 and stores nothing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parents[1] / "fixtures" / "importers"

GOOD = {
    "nmap": "nmap/estate.xml",
    "masscan": "masscan/scan.json",
    "zgrab2": "zgrab2/scan.jsonl",
    "shodan": "shodan/banners.jsonl",
    "censys": "censys/hosts.jsonl",
    "register": "register/messy_register.csv",
    "dhcp": "dhcp/dnsmasq.leases",
    "arp": "arp/ip_neigh.txt",
}

#: A file each format must reject: first half of a good file, then garbage.
BAD = {
    "nmap": b'<?xml version="1.0"?><nmaprun><host><address addr="127.0.0.9" addrtype="ipv4"/><ports><port protocol="tcp" portid="80"><state state="open"/>',
    "masscan": b'[\n{"ip": "127.0.0.9", "ports": [ {"port": 80, "proto": "tcp", "service": {"name": "http", "banner": "x"}} ] },\n{ this is not json\n',
    "zgrab2": b'{"ip": "127.0.0.9", "data": {}}\n{oops\n',
    "shodan": b'{"ip_str": "127.0.0.9", "port": 80, "data": "HTTP/1.1 200 OK\\r\\n\\r\\n"}\nnot json at all\n',
    "censys": b'{"ip": "127.0.0.9", "services": []}\n[broken\n',
    "register": b"Make,Model,MAC\nHikvision,DS-2CD2143G2-I,not-a-mac\n",
    "dhcp": b"lease 127.0.0.9 {\n  hardware ethernet zz:zz:zz;\n",
    "arp": b"this is not an arp table\n\x00\x01\x02\n",
}


def _counts(db: Path) -> tuple[int, int]:
    with sqlite3.connect(db) as conn:
        return (
            conn.execute("select count(*) from audits").fetchone()[0],
            conn.execute("select count(*) from evidence").fetchone()[0],
        )


@pytest.mark.parametrize("fmt", sorted(GOOD))
def test_import_fixture(cli, tmp_path, fmt):
    db = tmp_path / "db.sqlite"
    result = cli(
        "import",
        fmt,
        str(FIXTURES / GOOD[fmt]),
        "--db",
        f"sqlite:///{db}",
        "--org",
        "Council",
        "--quiet",
    )
    assert result.code == 0, result.err
    audits, evidence = _counts(db)
    assert audits == 1 and evidence > 0


@pytest.mark.parametrize("fmt", sorted(BAD))
def test_bad_file_exits_2_and_stores_nothing(cli, tmp_path, fmt):
    db = tmp_path / "db.sqlite"
    bad = tmp_path / f"bad.{fmt}"
    bad.write_bytes(BAD[fmt])
    result = cli("import", fmt, str(bad), "--db", f"sqlite:///{db}", "--quiet")
    assert result.code == 2, (result.code, result.err)
    assert "Traceback" not in result.err and len(result.err.strip().splitlines()) == 1
    assert _counts(db) == (0, 0)


def test_unknown_format_and_missing_file(cli, tmp_path):
    assert cli("import", "docx", str(tmp_path)).code == 2
    assert cli("import", "nmap", str(tmp_path / "missing.xml")).code == 2
