"""DHCP server lease files: ISC dhcpd (``dhcpd.leases``), dnsmasq (``dnsmasq.leases``) and
Windows DHCP Server exports (``Get-DhcpServerv4Lease | Export-Csv``, or the DHCP console's
"Export List" as tab-separated or Unicode text).

Each lease with a client MAC gives a ``mac`` evidence (with the leased address) and, when the
client announced a host name (option 12) or a vendor class (option 60), a ``dhcp`` evidence
(``hostname=`` / ``vendor_class=`` / ``mac=`` lines). Repeated entries for the same lease
(dhcpd appends a new block at every renewal) are imported once.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from camaudit.errors import EvidenceFormatError
from camaudit.importers.base import (
    iter_text_lines,
    make_evidence,
    parse_ip,
    parse_mac,
    parse_timestamp,
    source_label,
)
from camaudit.models import Evidence, EvidenceKind

_ISC_OPEN = re.compile(r"^\s*(lease6?|host|failover|class|subclass|ia-na|ia-ta|ia-pd)\b(.*)\{\s*$")
_ISC_STATEMENT = re.compile(r"^\s*([^;]*?)\s*;\s*(?:#.*)?$")
_ISC_DATE = re.compile(r"^(?:\d\s+)?(\d{4})/(\d{1,2})/(\d{1,2})\s+(\d{1,2}):(\d{2}):(\d{2})$")
_OCTAL = re.compile(r"\\([0-7]{3}|.)")
_MAX_DEPTH = 8
_MAX_VALUE = 255
_WINDOWS_IP = ("ipaddress", "clientipaddress", "ip")
_WINDOWS_MAC = ("clientid", "uniqueid", "macaddress")
_WINDOWS_NAME = ("hostname", "name")


class DhcpLeasesImporter:
    """ISC dhcpd, dnsmasq and Windows DHCP Server lease exports."""

    name = "dhcp"
    description = "DHCP leases: ISC dhcpd.leases, dnsmasq.leases, Windows DHCP export (CSV/text)"

    def read(self, path: Path) -> Iterator[Evidence]:
        """Stream ``mac`` and ``dhcp`` evidence per lease (the flavour is recognised from the
        first lines)."""
        lines = iter_text_lines(path, max_line=64 * 1024)
        first: list[tuple[int, str]] = []
        for number, text in lines:
            first.append((number, text))
            if text.strip() and not text.lstrip().startswith("#"):
                break
        flavour = _flavour(first)
        seen: set[tuple[str, ...]] = set()
        stream = _prepend(first, lines)
        if flavour == "isc":
            leases = _isc_leases(path, stream)
        elif flavour == "windows":
            leases = _windows_leases(path, stream)
        else:
            leases = _dnsmasq_leases(path, stream)
        for lease in leases:
            key = (lease.mac or "", lease.ip or "", lease.hostname or "", lease.vendor_class or "")
            if key in seen:
                continue
            if len(seen) < 1_000_000:
                seen.add(key)
            yield from lease.evidence(path)


def _prepend(
    first: list[tuple[int, str]], rest: Iterator[tuple[int, str]]
) -> Iterator[tuple[int, str]]:
    yield from first
    yield from rest


def _flavour(first: list[tuple[int, str]]) -> str:
    text = first[-1][1].strip() if first else ""
    comments = " ".join(t for _, t in first[:-1])
    if (
        _ISC_OPEN.match(text)
        or "dhcpd.leases" in comments
        or re.match(r"^(authoring-byte-order|server-duid)\b", text)
    ):
        return "isc"
    flat = re.sub(r"[^a-z]", "", text.lower())
    if text.startswith("#TYPE") or (
        "ipaddress" in flat and ("clientid" in flat or "uniqueid" in flat)
    ):
        return "windows"
    return "dnsmasq"


class _Lease:
    __slots__ = ("hostname", "ip", "line", "mac", "ts", "vendor_class")

    def __init__(self, line: int) -> None:
        self.line = line
        self.ip: str | None = None
        self.mac: str | None = None
        self.hostname: str | None = None
        self.vendor_class: str | None = None
        self.ts: datetime | None = None

    def evidence(self, path: Path) -> Iterator[Evidence]:
        where = str(self.line)
        if self.mac:
            source = source_label("dhcp", path, where, "mac")
            yield make_evidence(
                EvidenceKind.MAC, self.mac, source, ip=self.ip, mac=self.mac, ts=self.ts
            )
        if self.hostname or self.vendor_class:
            lines = []
            if self.hostname:
                lines.append(f"hostname={self.hostname}")
            if self.vendor_class:
                lines.append(f"vendor_class={self.vendor_class}")
            if self.mac:
                lines.append(f"mac={self.mac}")
            source = source_label("dhcp", path, where, "lease")
            yield make_evidence(
                EvidenceKind.DHCP,
                "\n".join(lines) + "\n",
                source,
                ip=self.ip,
                mac=self.mac,
                ts=self.ts,
            )


def _unquote(value: str) -> str:
    """An ISC quoted string (octal escapes decoded), or the bare token."""
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        body = value[1:-1]
        raw = _OCTAL.sub(
            lambda m: chr(int(m.group(1), 8)) if len(m.group(1)) == 3 else m.group(1), body
        )
        return "".join(c for c in raw if c.isprintable())[:_MAX_VALUE]
    return value[:_MAX_VALUE]


def _isc_date(value: str) -> datetime | None:
    value = value.strip()
    if value.startswith("epoch "):
        return parse_timestamp(value.split()[1])
    m = _ISC_DATE.match(value)
    if not m:
        return None
    try:
        year, month, day, hour, minute, second = (int(g) for g in m.groups())
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError:
        return None


def _isc_leases(path: Path, lines: Iterator[tuple[int, str]]) -> Iterator[_Lease]:
    depth = 0
    lease: _Lease | None = None
    for number, text in lines:
        stripped = text.split("#", 1)[0].strip() if '"' not in text else text.strip()
        if not stripped:
            continue
        opened = _ISC_OPEN.match(stripped) or (stripped.endswith("{") and depth > 0)
        if opened:
            depth += 1
            if depth > _MAX_DEPTH:
                raise EvidenceFormatError("blocks nested too deeply", line=number, source=str(path))
            if depth == 1 and stripped.startswith("lease "):
                lease = _Lease(number)
                address = stripped[6:].rstrip("{").strip()
                lease.ip = parse_ip(address)
                if lease.ip is None:
                    raise EvidenceFormatError(
                        f"lease address {address[:60]!r} is not an IPv4 address",
                        line=number,
                        source=str(path),
                    )
            continue
        if stripped == "}":
            if depth == 0:
                raise EvidenceFormatError(
                    "'}' without an open block", line=number, source=str(path)
                )
            depth -= 1
            if depth == 0 and lease is not None:
                yield lease
                lease = None
            continue
        if stripped.endswith("{"):
            raise EvidenceFormatError(
                f"unknown block {stripped[:60]!r}", line=number, source=str(path)
            )
        m = _ISC_STATEMENT.match(stripped)
        if not m:
            raise EvidenceFormatError(
                f"statement without ';' ({stripped[:60]!r})", line=number, source=str(path)
            )
        if lease is not None and depth == 1:
            _isc_statement(path, number, lease, m.group(1))
    if depth:
        raise EvidenceFormatError("file ends inside a block (truncated?)", source=str(path))


def _isc_statement(path: Path, number: int, lease: _Lease, statement: str) -> None:
    words = statement.split(None, 2)
    if not words:
        return
    if statement.startswith("hardware ethernet") and len(words) == 3:
        lease.mac = parse_mac(words[2])
        if lease.mac is None:
            raise EvidenceFormatError(
                f"hardware ethernet {words[2][:40]!r} is not a MAC address",
                line=number,
                source=str(path),
            )
    elif words[0] == "client-hostname" and len(words) >= 2:
        lease.hostname = _unquote(statement.split(None, 1)[1]) or None
    elif words[0] == "set" and "=" in statement:
        name, _, value = statement[4:].partition("=")
        if name.strip() in ("vendor-class-identifier", "vendor-class", "vendor_class", "vci"):
            lease.vendor_class = _unquote(value) or None
    elif words[0] in ("starts", "cltt") and lease.ts is None:
        lease.ts = _isc_date(statement.split(None, 1)[1] if len(words) > 1 else "")


def _dnsmasq_leases(path: Path, lines: Iterator[tuple[int, str]]) -> Iterator[_Lease]:
    for number, text in lines:
        fields = text.split()
        if not fields or fields[0].startswith("#") or fields[0] == "duid":
            continue
        if len(fields) < 4 or not (fields[0].isascii() and fields[0].isdigit()):
            raise EvidenceFormatError(
                "not a dnsmasq lease line (expected: expiry MAC IP hostname client-id)",
                line=number,
                source=str(path),
            )
        lease = _Lease(number)
        lease.ts = parse_timestamp(fields[0]) if fields[0].strip("0") else None
        ip = parse_ip(fields[2])
        if ip is None:
            raise EvidenceFormatError(
                f"{fields[2][:60]!r} is not an IP address", line=number, source=str(path)
            )
        lease.ip = ip
        if ":" in ip:  # DHCPv6 lease: the second field is the IAID, not a MAC
            pass
        else:
            lease.mac = parse_mac(fields[1])
            if lease.mac is None:
                raise EvidenceFormatError(
                    f"{fields[1][:40]!r} is not a MAC address", line=number, source=str(path)
                )
        lease.hostname = None if fields[3] == "*" else fields[3][:_MAX_VALUE]
        yield lease


def _windows_leases(path: Path, lines: Iterator[tuple[int, str]]) -> Iterator[_Lease]:
    rows = ((n, t) for n, t in lines if t.strip() and not t.startswith("#TYPE"))
    header_row = next(rows, None)
    if header_row is None:
        return
    delimiter = "\t" if "\t" in header_row[1] else ","
    header = [
        re.sub(r"[^a-z]", "", h.lower())
        for h in next(csv.reader([header_row[1]], delimiter=delimiter))
    ]

    def column(names: tuple[str, ...]) -> int | None:
        return next((header.index(n) for n in names if n in header), None)

    ip_col, mac_col, name_col = column(_WINDOWS_IP), column(_WINDOWS_MAC), column(_WINDOWS_NAME)
    if ip_col is None or mac_col is None:
        raise EvidenceFormatError(
            "Windows DHCP export needs IPAddress and ClientId (or Unique ID) columns",
            line=header_row[0],
            source=str(path),
        )
    for number, text in rows:
        try:
            cells = next(csv.reader([text], delimiter=delimiter))
        except csv.Error as exc:
            raise EvidenceFormatError(
                f"unreadable row ({exc})", line=number, source=str(path)
            ) from None
        lease = _Lease(number)
        raw_ip = cells[ip_col].strip() if ip_col < len(cells) else ""
        raw_mac = cells[mac_col].strip() if mac_col < len(cells) else ""
        lease.ip = parse_ip(raw_ip)
        if lease.ip is None:
            raise EvidenceFormatError(
                f"{raw_ip[:60]!r} is not an IP address", line=number, source=str(path)
            )
        lease.mac = parse_mac(raw_mac) if raw_mac else None
        if raw_mac and lease.mac is None and len(re.sub(r"[^0-9a-fA-F]", "", raw_mac)) == 12:
            raise EvidenceFormatError(
                f"{raw_mac[:40]!r} is not a MAC address", line=number, source=str(path)
            )
        if name_col is not None and name_col < len(cells) and cells[name_col].strip():
            lease.hostname = cells[name_col].strip()[:_MAX_VALUE]
        yield lease
