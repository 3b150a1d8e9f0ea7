"""Guess an import file's format from its first bytes (for ``camaudit import auto FILE`` or a
friendlier error message). A guess only: the chosen importer still validates everything."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

from camaudit.importers.base import read_head
from camaudit.importers.pcap_reader import is_capture
from camaudit.importers.register_headers import map_columns, normalise_header

_HEAD = 64 * 1024
_DNSMASQ = re.compile(r"^\d+ [0-9a-fA-F:]{11,17} \d{1,3}(?:\.\d{1,3}){3} \S+ \S+$", re.M)
_ISC = re.compile(r"^\s*lease \d{1,3}(?:\.\d{1,3}){3} \{", re.M)
_ARP = re.compile(
    r"^\s*(?:\S+ \(\d{1,3}(?:\.\d{1,3}){3}\) at |\S+ dev \S+ lladdr |Internet Address\s+Physical Address"
    r"|Address\s+HWtype\s+HWaddress|Protocol\s+Address\s+Age|Vlan\s+Mac Address\s+Type)",
    re.M | re.I,
)


#: First bytes of an OLE compound file (legacy Office documents, encrypted OOXML).
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def detect_format(path: Path) -> str | None:
    """The importer name that most likely reads ``path`` (see ``REGISTRY``), or None."""
    head = read_head(path, _HEAD)
    if not head:
        return None
    if is_capture(head):
        return "pcap"
    if head.startswith((b"PK\x03\x04", _OLE_MAGIC)):
        # A workbook: OOXML (a zip), or an OLE compound file (a legacy .xls or a
        # password-protected .xlsx), which the register importer refuses with its reason.
        return "register"
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    if "<nmaprun" in text[:8192]:
        return "nmap"
    if text[:1] in "[{":
        return _json_format(text)
    if _ISC.search(text) or "dhcpd.leases" in text[:2048] or _DNSMASQ.search(text):
        return "dhcp"
    first_line = text.splitlines()[0] if text else ""
    flat = re.sub(r"[^a-z]", "", first_line.lower())
    if first_line.startswith("#TYPE") or (
        "ipaddress" in flat and ("clientid" in flat or "uniqueid" in flat)
    ):
        return "dhcp"
    if _ARP.search(text):
        return "arp"
    for line in text.splitlines()[:30]:  # registers often have title rows above the header
        found = _csv_format(line)
        if found:
            return found
    return None


def _first_object(text: str) -> dict[str, object] | None:
    start = text.find("{")
    if start < 0:
        return None
    line = text[start:].split("\n", 1)[0]
    for candidate in (line, text[start:]):
        try:
            value, _ = json.JSONDecoder().raw_decode(candidate)
        except ValueError:
            continue
        return value if isinstance(value, dict) else None
    return None


def _json_format(text: str) -> str | None:
    obj = _first_object(text)
    if obj is None:
        return None
    keys = set(obj)
    if "_shodan" in keys or {"ip_str", "data"} <= keys:
        return "shodan"
    if "services" in keys or "result" in keys:
        return "censys"
    if "ports" in keys:
        return "masscan"
    if isinstance(obj.get("data"), dict) and "ip" in keys:
        return "zgrab2"
    return None


def _csv_format(first_line: str) -> str | None:
    for delimiter in (",", ";", "\t", "|"):
        if delimiter not in first_line:
            continue
        cells = next(csv.reader([first_line], delimiter=delimiter))
        mapped = set(map_columns(cells).canonical.values())
        if mapped & {"make", "model", "make/model", "description"}:
            return "register"
        names = {normalise_header(c).replace(" ", "") for c in cells}
        if "mac" in mapped or names & {"physicaladdress", "hardwareaddress"}:
            return "arp"
        if "type" in mapped:
            return "register"
    return None
