"""HTTP and RTSP responses, whole or in fragments (a header line, a realm, a title, a hash)."""

from __future__ import annotations

import contextlib
import json
import re

from camaudit.identify.extract.fields import Fields, Wanted
from camaudit.identify.extract.markup import extract_title, xml_leaves

_STATUS_RE = re.compile(r"^(HTTP|RTSP)/\d(?:\.\d)?\s+(\d{3})")
_HEADER_RE = re.compile(r"^([A-Za-z][A-Za-z0-9_\-]{0,63}):[ \t]*(.*)$")
_REALM_RE = re.compile(r'realm\s*=\s*"([^"]*)"|realm\s*=\s*([^,\s]+)', re.IGNORECASE)
_MD5_RE = re.compile(r"^[0-9a-fA-F]{32}$")
_KV_RE = re.compile(
    r"""^\s*(?:var\s+)?([A-Za-z_][\w.\[\]-]{0,127})\s*[=:]\s*(?:"([^"]*)"|'([^']*)'|([^;\r\n]*))\s*;?\s*$"""
)
_AUTH_SCHEMES = ("digest ", "basic ", "bearer ", "negotiate ")
_MAX_JSON = 256 * 1024
_MAX_MESSAGES = 16
_KNOWN_HEADERS = frozenset({"server", "location", "date", "connection", "pragma", "expires"})
#: Headers that feed named fields (server, realm) whatever the rules read.
_SPECIAL = frozenset({"server", "www-authenticate", "proxy-authenticate"})


def _split(text: str) -> tuple[list[str], str]:
    """Header lines and body of a message (either CRLF or LF separated)."""
    for sep in ("\r\n\r\n", "\n\n"):
        idx = text.find(sep)
        if idx >= 0:
            return text[:idx].splitlines(), text[idx + len(sep) :]
    return text.splitlines(), ""


_NAMES: dict[str, str | None] = {}


def _header_name(name: str) -> str | None:
    """The lower-cased header name, or None if ``name`` is not a valid one (memoised)."""
    try:
        return _NAMES[name]
    except KeyError:
        pass
    found = name.lower() if _is_token(name) else None
    if len(_NAMES) < 4096:
        _NAMES[name] = found
    return found


def _is_token(name: str) -> bool:
    """A header name as RFC 9110 spells them (letters, digits, '-' and '_'; at most 64)."""
    return (
        0 < len(name) <= 64
        and name.isascii()
        and name[0].isalpha()
        and name.replace("-", "").replace("_", "").isalnum()
    )


def _add_header(fields: Fields, name: str, value: str, wanted: Wanted = None) -> None:
    lname = name.lower()
    hname = f"header.{lname}"
    if wanted is None or hname in wanted:
        fields.add(hname, value)
    if lname == "server":
        fields.add("server", value)
    elif lname in ("www-authenticate", "proxy-authenticate"):
        _add_auth(fields, value)


def _add_auth(fields: Fields, value: str) -> None:
    fields.add("www_authenticate", value)
    for m in _REALM_RE.finditer(value):
        fields.add("realm", m.group(1) if m.group(1) is not None else m.group(2))


def _add_body(fields: Fields, body: str) -> None:
    if not body.strip():
        return
    fields.add("body", body)
    title = extract_title(body)
    if title is not None:
        fields.add("title", title)
    stripped = body.lstrip()
    if stripped[:1] in "[{" and len(stripped) <= _MAX_JSON:
        with contextlib.suppress(ValueError, RecursionError):
            _add_json(fields, json.loads(stripped), "json")
            return
    if stripped.startswith("<"):
        if not _is_html(stripped):
            for name, value in xml_leaves(stripped):
                fields.add(f"xml.{name}", value)
        return
    # Plain text: key=value lines (Axis param.cgi, Vivotek getparam, Sony inquiry, ...).
    for line in body.splitlines()[:2000]:
        m = _KV_RE.match(line)
        if m:
            value = next((g for g in m.group(2, 3, 4) if g is not None), "")
            fields.add(f"kv.{m.group(1).lower()}", value)


def _is_html(text: str) -> bool:
    """An HTML page (its markup is not a device document: skip the XML leaf scan)."""
    head = text[:256].lower()
    return head.startswith(("<!doctype html", "<html")) or "<head" in head


def _add_json(fields: Fields, obj: object, prefix: str, depth: int = 0) -> None:
    if depth > 32:
        return
    if isinstance(obj, dict):
        for k, v in list(obj.items())[:1000]:
            if isinstance(v, dict | list):
                _add_json(fields, v, prefix, depth + 1)
            elif v is not None and not isinstance(v, bool):
                fields.add(f"{prefix}.{str(k).lower()}", str(v))
    elif isinstance(obj, list):
        for v in obj[:1000]:
            _add_json(fields, v, prefix, depth + 1)


def _extract_message(text: str, wanted: Wanted) -> Fields:
    fields = Fields()
    stripped = text.lstrip("\ufeff \t\r\n")
    m = _STATUS_RE.match(stripped)
    if m:
        # Several responses in one capture (an RTSP OPTIONS/DESCRIBE exchange, a redirect chain):
        # read each one's status and headers rather than taking the later ones for a body.
        for _ in range(_MAX_MESSAGES):
            fields.add("status", m.group(2))
            head, body = _split(stripped)
            for line in head[1:]:
                name, sep, value = line.partition(":")
                if not sep:
                    continue
                lname = _header_name(name)
                if lname is None:
                    continue
                if lname in _SPECIAL or wanted is None or f"header.{lname}" in wanted:
                    _add_header(fields, name, value.strip(" \t"), wanted)
            stripped = body.lstrip("\r\n")
            m = _STATUS_RE.match(stripped)
            if m is None:
                break
        _add_body(fields, body)
        return fields
    _extract_fragment(fields, stripped)
    return fields


def _extract_fragment(fields: Fields, text: str) -> None:
    """A payload that is not a whole response: say what it most likely is."""
    first = text.strip()
    if not first:
        return
    if _MD5_RE.match(first):
        fields.add("favicon_md5", first.lower())
        return
    lower = first.lower()
    if lower.startswith(_AUTH_SCHEMES):
        _add_auth(fields, first)
        return
    lines = first.splitlines()
    headers = [h for h in (_HEADER_RE.match(line) for line in lines) if h is not None]
    if len(headers) == len(lines) and any(
        "-" in h.group(1) or h.group(1).lower() in _KNOWN_HEADERS for h in headers
    ):
        for h in headers:
            _add_header(fields, h.group(1), h.group(2))
        return
    fields.add("fragment", first)
    if len(lines) == 1 and "<" not in first and first[:1] not in "[{":
        # A bare header value or title: let rules on either field see it.
        fields.add("server", first)
        fields.add("title", first)
    _add_body(fields, first)


def extract_http(text: str, wanted: Wanted = None) -> Fields:
    """Fields of an HTTP response or fragment."""
    return _extract_message(text, wanted)


def extract_rtsp(text: str, wanted: Wanted = None) -> Fields:
    """Fields of an RTSP response or fragment (same shape as HTTP)."""
    return _extract_message(text, wanted)
