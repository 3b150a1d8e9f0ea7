"""Extractors for line- and key/value-shaped evidence: banners, Dahua CGI, DHIP, WS-Discovery,
mDNS, DHCP, host names, MAC addresses and asset-register rows."""

from __future__ import annotations

import csv
import itertools
import json
import re
from urllib.parse import unquote

from camaudit.identify.extract.fields import Fields, Wanted
from camaudit.identify.extract.markup import xml_leaves
from camaudit.kb import plain_typing

_KV_LINE = re.compile(r"^\s*([^=\s][^=]{0,127}?)\s*=\s*(.*?)\s*$")
_ONVIF_SCOPE = re.compile(r"onvif://www\.onvif\.org/([A-Za-z_]+)/(.+)", re.IGNORECASE)
_SCOPE_SPLIT = re.compile(r"\s+")
_MAC_RE = re.compile(
    r"([0-9A-Fa-f]{2})[:\-.]?([0-9A-Fa-f]{2})[:\-.]?([0-9A-Fa-f]{2})[:\-.]?"
    r"([0-9A-Fa-f]{2})[:\-.]?([0-9A-Fa-f]{2})[:\-.]?([0-9A-Fa-f]{2})"
)
_MAX_LINES = 2000


def normalise_mac(value: str) -> str | None:
    """``aa:bb:cc:dd:ee:ff`` from common spellings (``AA-BB-..``, ``aabb.ccdd.eeff``), else None."""
    m = _MAC_RE.search(value)
    if not m:
        return None
    return ":".join(g.lower() for g in m.groups())


def _kv_lines(text: str, fields: Fields, prefix: str = "") -> None:
    for line in text.splitlines()[:_MAX_LINES]:
        m = _KV_LINE.match(line)
        if m:
            fields.add(prefix + m.group(1).strip().lower(), m.group(2).strip().strip("'\""))


def extract_banner(text: str, wanted: Wanted = None) -> Fields:
    fields = Fields()
    banner = text.strip()
    fields.add("banner", banner)
    first = banner.splitlines()[0] if banner else ""
    if re.match(r"^(?:220|230|530)[ -]", first):
        fields.add("service", "ftp")
    elif first.startswith("SSH-"):
        fields.add("service", "ssh")
    return fields


def extract_dahua_cgi(text: str, wanted: Wanted = None) -> Fields:
    fields = Fields()
    _kv_lines(text, fields)
    # Keep the last component too: table.General.MachineName -> machinename
    for name in list(fields.names()):
        if "." in name:
            for v in fields.get(name):
                fields.add(name.rsplit(".", 1)[1], v)
    return fields


def _json_leaves(obj: object, fields: Fields, depth: int = 0) -> None:
    if depth > 32:
        return
    if isinstance(obj, dict):
        for k, v in list(obj.items())[:1000]:
            if isinstance(v, dict | list):
                _json_leaves(v, fields, depth + 1)
            elif v is not None and not isinstance(v, bool):
                fields.add(str(k).lower(), str(v))
    elif isinstance(obj, list):
        for v in obj[:1000]:
            _json_leaves(v, fields, depth + 1)


def _csv_records(text: str, fields: Fields) -> None:
    """A header line plus data rows (scan exports of DHIP replies), column names lower-cased."""
    lines = text.strip().splitlines()[:_MAX_LINES]
    if len(lines) < 2 or "," not in lines[0]:
        return
    try:
        rows = list(csv.reader(lines))
    except csv.Error:
        return
    header = [h.strip().lower() for h in rows[0]]
    for row in rows[1:]:
        for name, value in zip(header, row, strict=False):
            if name:
                fields.add(name, value)


def extract_dhip(text: str, wanted: Wanted = None) -> Fields:
    """DHIP discovery replies: JSON (after any binary header), leaf keys lower-cased; or a CSV
    export of the parsed reply (header line + rows)."""
    fields = Fields()
    start = text.find("{")
    if start >= 0:
        body = text[start : text.rfind("}") + 1]
        try:
            _json_leaves(json.loads(body), fields)
        except (ValueError, RecursionError):
            for m in re.finditer(r'"(\w{1,64})"\s*:\s*"([^"]{0,512})"', body):
                fields.add(m.group(1).lower(), m.group(2))
    if not len(fields):
        _csv_records(text, fields)
    # Flattened dumps name the reply's MAC "mac_address"; the engine reads "mac".
    if "mac" not in fields:
        for v in fields.get("mac_address"):
            fields.add("mac", v)
    return fields


def extract_wsd(text: str, wanted: Wanted = None) -> Fields:
    """A WS-Discovery ProbeMatch (SOAP) or just its scope list."""
    fields = Fields()
    scopes_text = ""
    if "<" in text:
        for name, value in xml_leaves(text):
            if name == "scopes":
                scopes_text += " " + value
            elif name in ("xaddrs", "types", "address"):
                fields.add(name, value)
    else:
        scopes_text = text
    for scope in _SCOPE_SPLIT.split(scopes_text.strip())[:256]:
        if not scope:
            continue
        fields.add("scope", scope)
        m = _ONVIF_SCOPE.match(scope)
        if m:
            stype = m.group(1).lower()
            fields.add(f"scope.{stype}", unquote(m.group(2)))
            if stype in ("mac", "macaddress"):
                fields.add("mac", unquote(m.group(2)))  # the engine's OUI lookup reads "mac"
    return fields


def extract_mdns(text: str, wanted: Wanted = None) -> Fields:
    """mDNS/DNS-SD: ``key=value`` lines (service, instance, hostname, txt.*) or JSON."""
    fields = Fields()
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            obj = json.loads(stripped)
        except (ValueError, RecursionError):  # nesting deeper than the stack
            obj = None
        if isinstance(obj, dict):
            for k, v in obj.items():
                if isinstance(v, dict):
                    for tk, tv in v.items():
                        fields.add(f"txt.{str(tk).lower()}", str(tv))
                elif isinstance(v, list):
                    for item in v:
                        fields.add(str(k).lower(), str(item))
                elif v is not None:
                    fields.add(str(k).lower(), str(v))
            _mac_alias(fields, ("txt.macaddress", "txt.mac"))
            return fields
    if _ZONE_RECORD.search(stripped):
        _zone_records(stripped, fields)
    else:
        _kv_lines(stripped, fields)
    _mac_alias(fields, ("txt.macaddress", "txt.mac"))
    return fields


#: A resource record as dig, avahi, tcpdump or a DNS library print it: ``<name> [ttl] [class]
#: <type> <data>``, with a TTL or a class before the type (an instance name has spaces).
_ZONE_RECORD = re.compile(
    r"^[ \t]*(\S[^\r\n]{0,255}?)\.?[ \t]+(?:\d{1,10}[ \t]+(?:IN[ \t]+)?|IN[ \t]+)"
    r"(PTR|SRV|TXT|A|AAAA|HINFO|NSEC|ANY)[ \t]+([^\r\n]{0,1024})$",
    re.MULTILINE,
)
_TXT_STRING = re.compile(r'"((?:[^"\\]|\\.){0,255})"|(\S+)')


def _zone_records(text: str, fields: Fields) -> None:
    """DNS-SD resource records: instance names (a PTR's target, a record's owner), the SRV
    target host, TXT strings (``txt.<key>``) and addresses, as the ``key=value`` form names them."""
    for m in itertools.islice(_ZONE_RECORD.finditer(text), _MAX_LINES):
        owner, rtype, data = m.group(1), m.group(2), m.group(3).strip()
        for name in (owner, data) if rtype == "PTR" else (owner,):
            _service_name(name.rstrip("."), fields)
        if rtype == "SRV":
            parts = data.split()
            if len(parts) == 4:
                fields.add("hostname", parts[3].rstrip("."))
        elif rtype == "TXT":
            for t in _TXT_STRING.finditer(data):
                item = t.group(1) if t.group(1) is not None else t.group(2)
                key, sep, value = item.partition("=")
                if sep and key:
                    fields.add(f"txt.{key.strip().lower()}", value.strip())
        elif rtype in ("A", "AAAA"):
            fields.add("address", data)


def _service_name(name: str, fields: Fields) -> None:
    """``<instance>._<service>._tcp.local`` → instance and service (once each); a bare
    ``_<service>._tcp.local`` is a service."""
    at = 0 if name.startswith("_") else name.find("._") + 1
    if (
        "._tcp" not in name[at:]
        and "._udp" not in name[at:]
        and not name[at:].startswith(("_tcp", "_udp"))
    ):
        return
    instance, service = name[: max(at - 1, 0)], name[at:]
    if instance and instance not in fields.get("instance"):
        fields.add("instance", instance)
    if service not in fields.get("service"):
        fields.add("service", service)


def _mac_alias(fields: Fields, names: tuple[str, ...]) -> None:
    """Copy a MAC found under another name to ``mac`` (the field the engine's OUI lookup reads)."""
    if "mac" in fields:
        return
    for name in names:
        for v in fields.get(name):
            if normalise_mac(v):
                fields.add("mac", v)
                return


def extract_dhcp(text: str, wanted: Wanted = None) -> Fields:
    """DHCP observations: ``key=value`` lines or a JSON object (vendor_class, hostname ...)."""
    fields = Fields()
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            obj = json.loads(stripped)
            if isinstance(obj, dict):
                for k, v in obj.items():
                    fields.add(str(k).lower(), "" if v is None else str(v))
                return fields
        except (ValueError, RecursionError):  # nesting deeper than the stack
            pass
    _kv_lines(stripped, fields)
    aliases = {
        "option60": "vendor_class",
        "vendor-class": "vendor_class",
        "vci": "vendor_class",
        "option12": "hostname",
        "host-name": "hostname",
        "client-hostname": "hostname",
    }
    for src, dst in aliases.items():
        for v in fields.get(src):
            fields.add(dst, v)
    for name in fields.get("hostname"):
        _add_host_label(fields, name)
    return fields


def extract_hostname(text: str, wanted: Wanted = None) -> Fields:
    """A host name (``hostname``) and its first label (``hostname_label``)."""
    fields = Fields()
    name = text.strip().splitlines()[0].strip() if text.strip() else ""
    fields.add("hostname", name)
    _add_host_label(fields, name)
    return fields


def _add_host_label(fields: Fields, name: str) -> None:
    """The first label of a host name: the name the device gave itself (``RLC-810A`` of
    ``RLC-810A.home``), read by the model grammar (not an address's first number)."""
    label = name.strip().partition(".")[0]
    if label and not label.isdigit():
        fields.add("hostname_label", label)


_OUI_ONLY = re.compile(r"^\s*([0-9A-Fa-f]{2})([:\-.]?)([0-9A-Fa-f]{2})\2([0-9A-Fa-f]{2})\s*$")


#: A MAC address with its device part masked, as discovery matchers and reservation lists
#: write a maker's range: ``a0:60:32:*``, ``34:46:63:2*``, ``A0-60-32-XX-XX-XX``.
_MASKED_MAC = re.compile(
    r"^\s*((?:[0-9A-Fa-f]{2}[:\-.]?){3,5}[0-9A-Fa-f]?)(?:\*|[xX?]{1,2}(?:[:\-.][xX?]{2}){0,4})\s*$"
)


def extract_mac(text: str, wanted: Wanted = None) -> Fields:
    """A MAC address (``mac``), or only its first bytes (``oui``: a vendor prefix, also one
    written with the rest masked: ``a0:60:32:*``, ``34:46:63:2*``)."""
    fields = Fields()
    mac = normalise_mac(text)
    if mac is None:
        m = _OUI_ONLY.match(text)
        if m:
            fields.add("oui", ":".join(g.lower() for g in m.group(1, 3, 4)))
            return fields
        masked = _MASKED_MAC.match(text) if len(text) <= 40 else None
        if masked:
            digits = re.sub(r"[^0-9A-Fa-f]", "", masked.group(1)).lower()
            if 6 <= len(digits) <= 11:
                fields.add("oui", ":".join(digits[i : i + 2] for i in range(0, len(digits), 2)))
        return fields
    fields.add("mac", mac)
    return fields


#: Quote marks people leave around or after a register cell (``UVC G3 Flex"``, ``'DS-7608NI'``).
_CELL_QUOTES = "\"'\u2018\u2019\u201c\u201d`"


def _cell(value: str) -> str:
    """A register cell without surrounding white space and stray quote marks, its dashes and
    full-width characters typed plainly (a spreadsheet's en dash in a model number)."""
    stripped = plain_typing(value).strip()
    unquoted = stripped.strip(_CELL_QUOTES).strip()
    return unquoted or stripped


def extract_asset_row(text: str, wanted: Wanted = None) -> Fields:
    """An asset-register row (a JSON object of column → value)."""
    fields = Fields()
    try:
        obj = json.loads(text)
    except (ValueError, RecursionError):  # nesting deeper than the stack
        fields.add("description", text)
        return fields
    if not isinstance(obj, dict):
        fields.add("description", text)
        return fields
    for k, v in obj.items():
        fields.add(str(k).strip().lower(), "" if v is None else _cell(str(v)))
    _mac_alias(fields, ("mac address", "mac_address", "macaddress", "mac addr", "mac-address"))
    return fields
