"""ARP / neighbour tables and switch MAC tables: the MAC address of each device, with its IP
address when the table has one.

Read formats: Linux ``ip neigh``, ``arp -a`` (Linux/BSD/macOS), ``arp -n`` (net-tools table),
Windows ``arp -a``, Cisco-style ``show ip arp`` and ``show mac address-table``, and CSV exports
of switch MAC tables (a MAC column, optionally IP, VLAN, port and host name columns).

A line that holds an address but matches none of these shapes is an error naming the line;
headers, banners and blank lines are skipped. Incomplete entries (``<incomplete>``, ``FAILED``)
and non-unicast MACs (broadcast, multicast, all-zero) are skipped. Each (MAC, IP) pair is
imported once.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path

from camaudit.errors import EvidenceFormatError
from camaudit.importers.base import (
    is_unicast_mac,
    iter_text_lines,
    make_evidence,
    parse_ip,
    parse_mac,
    source_label,
)
from camaudit.importers.register_headers import normalise_header
from camaudit.models import Evidence, EvidenceKind

_HEX = r"[0-9A-Fa-f]"
_MAC_TOKEN = rf"(?:{_HEX}{{1,2}}(?:[:-]{_HEX}{{1,2}}){{5}}|{_HEX}{{4}}\.{_HEX}{{4}}\.{_HEX}{{4}})"
_ADDRESS_RE = r"(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f:]*:[0-9A-Fa-f:.]+(?:%\w+)?)"
#: Line shapes: each gives named groups ``ip`` (optional) and ``mac``.
_SHAPES = (
    # ip neigh: 192.168.1.10 dev eth0 lladdr 44:19:b6:aa:bb:cc REACHABLE
    re.compile(rf"^(?P<ip>{_ADDRESS_RE})\s+dev\s+\S+\s+lladdr\s+(?P<mac>{_MAC_TOKEN})\b"),
    # arp -a (Linux/BSD/macOS): host (192.168.1.10) at 44:19:b6:aa:bb:cc [ether] on eth0
    re.compile(rf"^\S*\s*\((?P<ip>{_ADDRESS_RE})\)\s+at\s+(?P<mac>{_MAC_TOKEN})\b"),
    # Windows arp -a:   192.168.1.10     44-19-b6-aa-bb-cc     dynamic
    re.compile(
        rf"^(?P<ip>{_ADDRESS_RE})\s+(?P<mac>{_MAC_TOKEN})\s+(?:dynamic|static|dynamisch|statisch|dynamique|statique)\b",
        re.I,
    ),
    # arp -n: 192.168.1.10  ether  44:19:b6:aa:bb:cc  C  eth0
    re.compile(rf"^(?P<ip>{_ADDRESS_RE})\s+ether\s+(?P<mac>{_MAC_TOKEN})\b"),
    # show ip arp: Internet  192.168.1.10  12  4419.b6aa.bbcc  ARPA  Vlan10
    re.compile(
        rf"^Internet\s+(?P<ip>{_ADDRESS_RE})\s+(?:\d+|-)\s+(?P<mac>{_MAC_TOKEN})\s+ARPA\b", re.I
    ),
    # show mac address-table:  10    4419.b6aa.bbcc    DYNAMIC     Gi1/0/1
    re.compile(
        rf"^\*?\s*(?:\d{{1,4}}|All)\s+(?P<mac>{_MAC_TOKEN})\s+(?:dynamic|static|secure\w*|self)\b",
        re.I,
    ),
)
_INCOMPLETE = re.compile(
    r"<incomplete>|\bINCOMPLETE\b|\bFAILED\b|\(incomplete\)|ff-ff-ff-ff-ff-ff", re.I
)
_ADDRESS_LIKE = re.compile(rf"{_MAC_TOKEN}|\b\d{{1,3}}(?:\.\d{{1,3}}){{3}}\b")
_CSV_MAC = frozenset(
    {"mac", "macaddress", "macaddr", "hardwareaddress", "physicaladdress", "hwaddress", "address"}
)
_CSV_IP = frozenset({"ip", "ipaddress", "ipv4", "ipv4address", "internetaddress", "ipaddr"})


class ArpImporter:
    """ARP/neighbour tables (Linux, Windows, macOS, Cisco) and switch MAC-table CSV."""

    name = "arp"
    description = "ARP/neighbour tables (ip neigh, arp -a, show ip arp) and switch MAC-table CSV"

    def read(self, path: Path) -> Iterator[Evidence]:
        """Stream a ``mac`` evidence per (MAC, IP) pair of the table."""
        seen: set[tuple[str, str | None]] = set()
        lines = iter_text_lines(path, max_line=64 * 1024)
        first = next(((n, t) for n, t in lines if t.strip()), None)
        if first is None:
            return
        csv_header = _csv_header(first[1])
        pairs = (
            _csv_pairs(path, first, csv_header, lines)
            if csv_header is not None
            else _text_pairs(path, _prepend(first, lines))
        )
        for number, mac, ip in pairs:
            if not is_unicast_mac(mac) or (mac, ip) in seen:
                continue
            if len(seen) < 1_000_000:
                seen.add((mac, ip))
            source = source_label("arp", path, str(number))
            yield make_evidence(EvidenceKind.MAC, mac, source, ip=ip, mac=mac)


def _prepend(first: tuple[int, str], rest: Iterator[tuple[int, str]]) -> Iterator[tuple[int, str]]:
    yield first
    yield from rest


def _csv_header(line: str) -> tuple[str, list[str]] | None:
    """(delimiter, normalised header names) if ``line`` is a CSV header with a MAC column."""
    for delimiter in (",", ";", "\t"):
        if delimiter not in line:
            continue
        names = [
            normalise_header(h).replace(" ", "")
            for h in next(csv.reader([line], delimiter=delimiter))
        ]
        if _CSV_MAC & set(names):
            return delimiter, names
    return None


def _csv_pairs(
    path: Path,
    header_line: tuple[int, str],
    header: tuple[str, list[str]],
    lines: Iterator[tuple[int, str]],
) -> Iterator[tuple[int, str, str | None]]:
    delimiter, names = header
    mac_col = next(i for i, n in enumerate(names) if n in _CSV_MAC)
    ip_col = next((i for i, n in enumerate(names) if n in _CSV_IP and i != mac_col), None)
    for number, text in lines:
        if not text.strip():
            continue
        try:
            cells = next(csv.reader([text], delimiter=delimiter))
        except csv.Error as exc:
            raise EvidenceFormatError(
                f"unreadable CSV row ({exc})", line=number, source=str(path)
            ) from None
        raw_mac = cells[mac_col].strip() if mac_col < len(cells) else ""
        if not raw_mac or _INCOMPLETE.search(raw_mac):
            continue
        mac = parse_mac(raw_mac)
        if mac is None:
            raise EvidenceFormatError(
                f"column {names[mac_col]!r}: {raw_mac[:40]!r} is not a MAC address",
                line=number,
                source=str(path),
            )
        ip = None
        if ip_col is not None and ip_col < len(cells) and cells[ip_col].strip():
            ip = parse_ip(cells[ip_col])
            if ip is None:
                raise EvidenceFormatError(
                    f"column {names[ip_col]!r}: {cells[ip_col].strip()[:60]!r} is not an IP address",
                    line=number,
                    source=str(path),
                )
        yield number, mac, ip
    del header_line


def _text_pairs(
    path: Path, lines: Iterator[tuple[int, str]]
) -> Iterator[tuple[int, str, str | None]]:
    for number, text in lines:
        stripped = text.strip()
        if not stripped or _INCOMPLETE.search(stripped):
            continue
        for shape in _SHAPES:
            m = shape.match(stripped)
            if m is not None:
                break
        else:
            if _looks_like_entry(stripped):
                raise EvidenceFormatError(
                    f"unrecognised ARP/MAC-table entry {stripped[:80]!r}",
                    line=number,
                    source=str(path),
                )
            continue
        mac = parse_mac(m.group("mac"))
        if mac is None:
            raise EvidenceFormatError(
                f"{m.group('mac')!r} is not a MAC address", line=number, source=str(path)
            )
        ip = None
        if m.groupdict().get("ip"):
            ip = parse_ip(m.group("ip"))
            if ip is None:
                raise EvidenceFormatError(
                    f"{m.group('ip')!r} is not an IP address", line=number, source=str(path)
                )
        yield number, mac, ip


def _looks_like_entry(line: str) -> bool:
    """A line carrying a MAC, or an IP address next to a MAC-like token, that no shape took.

    Interface banners (``Interface: 192.168.1.5 --- 0xb``) carry an IP alone and are not entries.
    """
    if line.lower().startswith(("interface:", "schnittstelle:", "interface :")):
        return False
    found = _ADDRESS_LIKE.findall(line)
    return any(not re.fullmatch(r"\d{1,3}(?:\.\d{1,3}){3}", f) for f in found) or bool(
        re.search(r"\d{1,3}(?:\.\d{1,3}){3}\s+\S*[0-9A-Fa-f]{2}[:.-][0-9A-Fa-f]{2}", line)
    )
