"""What nmap's XML says a device sent: service fingerprints (``servicefp``) decoded back to the
probe responses, and the output of NSE scripts turned into evidence payloads.

Each function returns ``(kind, payload, detail)`` items; none raises on odd content (script
output is free text written by the device and reformatted by nmap).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from xml.etree.ElementTree import Element

from camaudit.importers.shapes import dn_from_mapping, payload_kind, tls_text
from camaudit.models import EvidenceKind

Item = tuple[EvidenceKind, bytes, str]

#: ``r(Probe,hexlen,"escaped bytes")``; the last one may be cut short (no closing ``")``).
_PROBE_RE = re.compile(
    rb'r\(([A-Za-z0-9_-]{1,64}),([0-9A-Fa-f]{1,6}),"((?:[^"\\]|\\.){0,200000})(?:"\)|\\?$)',
    re.DOTALL,
)
_ESCAPE_RE = re.compile(rb"\\(x[0-9A-Fa-f]{2}|.)", re.DOTALL)
_SIMPLE_ESCAPES = {b"r": b"\r", b"n": b"\n", b"t": b"\t", b"0": b"\x00"}
_HEADER_LINE = re.compile(r"^\s{0,8}([A-Za-z][A-Za-z0-9_-]{0,63}):[ \t]*(.*)$")
_MD5_RE = re.compile(r"\b([0-9A-Fa-f]{32})\b")
_UPNP_FIELDS = {
    "manufacturer": "manufacturer",
    "name": "friendlyName",
    "model descr": "modelDescription",
    "model name": "modelName",
    "model version": "modelNumber",
    "model number": "modelNumber",
    "serial number": "serialNumber",
    "webserver": "server",
    "server": "server",
}


def _unescape(match: re.Match[bytes]) -> bytes:
    code = match.group(1)
    if code[:1] == b"x" and len(code) == 3:
        return bytes([int(code[1:], 16)])
    return _SIMPLE_ESCAPES.get(code, code)


def unwrap_servicefp(fingerprint: str) -> str:
    """A ``servicefp`` as one line: nmap escapes every whitespace byte of a reply, so raw
    whitespace is only its line wrapping (``\\n`` then ``SF:`` at each continuation line; an
    XML reader may have turned those newlines into spaces)."""
    pieces = fingerprint.split()
    return "".join(p[3:] if p.startswith("SF:") else p for p in pieces)


def servicefp_responses(fingerprint: str) -> Iterator[tuple[str, bytes]]:
    """``(probe name, response bytes)`` for each ``r(Probe,len,"...")`` of a ``servicefp``:
    ``\\xNN``, ``\\0``, ``\\r``, ``\\n``, ``\\t`` and ``\\<char>`` (``\\"``, ``\\\\``,
    ``\\.``) unescaped. Never raises: what is not a probe reply is skipped."""
    data = unwrap_servicefp(fingerprint).encode("latin-1", errors="replace")
    for m in _PROBE_RE.finditer(data):
        yield m.group(1).decode("ascii"), _ESCAPE_RE.sub(_unescape, m.group(3))


def servicefp_items(fingerprint: str) -> Iterator[Item]:
    """Evidence for each reply of a service fingerprint that adds something: nmap sends one port
    several probes and the server repeats its headers in every reply, which is one observation,
    not several (a weak hint such as a bare ``Server: Webs`` must not add up to a maker). Later
    HTTP/RTSP replies keep their status line, the headers no earlier reply had and a body not
    seen before; a reply left with nothing new is dropped."""
    seen: set[bytes] = set()
    names: set[bytes] = set()
    bodies: set[bytes] = set()
    for probe, response in servicefp_responses(fingerprint):
        if not response.strip() or response in seen:
            continue
        seen.add(response)
        reply = _new_part(response, names, bodies)
        if reply is None:
            continue
        kind = payload_kind(reply[:4096].decode("utf-8", errors="replace"))
        yield kind, reply, f"servicefp {probe}"


_STATUS_LINE = re.compile(rb"^(?:HTTP|RTSP)/\d")
_HEAD_END = re.compile(rb"\r?\n\r?\n")


def _new_part(response: bytes, names: set[bytes], bodies: set[bytes]) -> bytes | None:
    """``response`` less the header names and the body earlier replies of the port had (both
    recorded in ``names`` and ``bodies``); None when nothing is left but the status line. Replies
    that are not HTTP/RTSP are kept whole."""
    if not _STATUS_LINE.match(response):
        return response
    end = _HEAD_END.search(response)
    head, body = (response[: end.start()], response[end.end() :]) if end else (response, b"")
    status, *lines = re.split(rb"\r?\n", head)
    fresh = [line for line in lines if _name(line) not in names]
    names.update(_name(line) for line in lines)
    has_body = bool(body.strip())
    new_body = has_body and body not in bodies
    if has_body:
        bodies.add(body)
    if len(fresh) == len(lines) and (new_body or not has_body):
        return response  # nothing repeated: the reply as it came
    if not fresh and not new_body:
        return None
    return b"\r\n".join([status, *fresh]) + b"\r\n\r\n" + (body if new_body else b"")


def _name(line: bytes) -> bytes:
    return line.split(b":", 1)[0].strip().lower()


def _elems(script: Element) -> dict[str, str]:
    """Top-level ``<elem key=..>`` values of a script (first of each key)."""
    out: dict[str, str] = {}
    for elem in script.findall("elem"):
        key = elem.get("key", "")
        if key not in out and elem.text:
            out[key] = elem.text
    return out


def _table(parent: Element, key: str) -> Element | None:
    for table in parent.findall("table"):
        if table.get("key") == key:
            return table
    return None


def script_items(script: Element) -> Iterator[Item]:
    """Evidence payloads from one NSE ``<script>`` element."""
    sid = script.get("id", "")
    output = script.get("output", "") or ""
    handler = _HANDLERS.get(sid)
    if handler is not None:
        yield from handler(script, output)


def _encode(text: str) -> bytes:
    return text.encode("utf-8", errors="replace")


def _http_title(script: Element, output: str) -> Iterator[Item]:
    title = _elems(script).get("title", "").strip()
    if title:
        yield (
            EvidenceKind.HTTP,
            _encode(f"<title>{html.escape(title, quote=False)}</title>"),
            "http-title",
        )


def _http_server_header(script: Element, output: str) -> Iterator[Item]:
    values = [e.text.strip() for e in script.findall("elem") if e.text and e.text.strip()]
    if not values and output.strip():
        values = [output.strip().splitlines()[0]]
    for value in dict.fromkeys(values):
        yield EvidenceKind.HTTP, _encode(f"Server: {value}"), "http-server-header"


def _http_headers(script: Element, output: str) -> Iterator[Item]:
    lines = []
    for line in output.splitlines():
        m = _HEADER_LINE.match(line)
        if m:
            lines.append(f"{m.group(1)}: {m.group(2).strip()}")
        elif lines and not line.strip():
            break
    if lines:
        yield EvidenceKind.HTTP, _encode("\r\n".join(lines)), "http-headers"


def _http_auth(script: Element, output: str) -> Iterator[Item]:
    for table in script.findall("table"):
        scheme = _elems(table).get("scheme", "").strip()
        params = _table(table, "params")
        realm = _elems(params).get("realm") if params is not None else None
        if scheme and realm is not None:
            header = f'WWW-Authenticate: {scheme} realm="{realm}"'
            yield EvidenceKind.HTTP, _encode(header), "http-auth"


def _http_favicon(script: Element, output: str) -> Iterator[Item]:
    m = _MD5_RE.search(output)
    if m:
        yield EvidenceKind.HTTP, _encode(m.group(1).lower()), "http-favicon"


def _rtsp_methods(script: Element, output: str) -> Iterator[Item]:
    methods = output.strip()
    if methods:
        yield EvidenceKind.RTSP, _encode(f"Public: {' '.join(methods.split())}"), "rtsp-methods"


def _rtsp_url_brute(script: Element, output: str) -> Iterator[Item]:
    table = _table(script, "discovered")
    urls = [e.text.strip() for e in table.iter("elem") if e.text] if table is not None else []
    if urls:
        yield EvidenceKind.RTSP, _encode("\n".join(urls[:64])), "rtsp-url-brute"


def _dn(table: Element | None) -> str | None:
    if table is None:
        return None
    return dn_from_mapping({e.get("key", ""): e.text or "" for e in table.findall("elem")})


def _ssl_cert(script: Element, output: str) -> Iterator[Item]:
    text = tls_text(
        pem=_elems(script).get("pem"),
        subject=_dn(_table(script, "subject")),
        issuer=_dn(_table(script, "issuer")),
    )
    if text:
        yield EvidenceKind.TLS, _encode(text), "ssl-cert"


def upnp_document(output: str) -> str | None:
    """UPnP description leaves from ``upnp-info`` output (``Manufacturer: ..`` lines), re-encoded
    as the XML elements they were read from, so the ``upnp`` extractor sees the same fields."""
    leaves: list[str] = []
    for line in output.splitlines():
        key, sep, value = line.strip().partition(":")
        element = _UPNP_FIELDS.get(key.strip().lower()) if sep else None
        if element and value.strip():
            leaves.append(f"<{element}>{html.escape(value.strip(), quote=False)}</{element}>")
    if not leaves:
        return None
    return "<root><device>" + "".join(leaves) + "</device></root>"


def split_by_address(output: str) -> Iterator[tuple[str, str]]:
    """``(ip, text)`` per device of a broadcast script's output (a line holding only an address
    starts a device; the indented lines after it describe it)."""
    current: str | None = None
    lines: list[str] = []
    for line in output.splitlines():
        stripped = line.strip()
        if re.match(r"^[0-9a-fA-F.:]{3,45}$", stripped) and any(c in stripped for c in ".:"):
            if current is not None:
                yield current, "\n".join(lines)
            current, lines = stripped, []
        elif current is not None:
            lines.append(line)
    if current is not None:
        yield current, "\n".join(lines)


def _upnp_info(script: Element, output: str) -> Iterator[Item]:
    doc = upnp_document(output)
    if doc:
        yield EvidenceKind.UPNP, _encode(doc), script.get("id", "upnp-info")


def wsdd_document(text: str) -> str | None:
    """A ProbeMatch-shaped document (XAddrs, Types) from one device's ``wsdd-discover`` lines."""
    addresses: list[str] = []
    types: list[str] = []
    for line in text.splitlines():
        key, sep, value = line.strip().partition(": ")
        if sep and key == "Address":
            addresses.append(value.strip())
        elif sep and key == "Type":
            types.append(value.strip())
    if not addresses and not types:
        return None
    parts = [f"<d:XAddrs>{html.escape(' '.join(addresses))}</d:XAddrs>"] if addresses else []
    if types:
        parts.append(f"<d:Types>{html.escape(' '.join(types))}</d:Types>")
    return "<d:ProbeMatch>" + "".join(parts) + "</d:ProbeMatch>"


def _wsdd(script: Element, output: str) -> Iterator[Item]:
    doc = wsdd_document(output)
    if doc:
        yield EvidenceKind.WSD_PROBEMATCH, _encode(doc), script.get("id", "wsdd-discover")


def broadcast_items(script: Element) -> Iterator[tuple[str, Item]]:
    """``(ip, item)`` for the devices a broadcast discovery script (pre-scan) listed."""
    sid = script.get("id", "")
    output = script.get("output", "") or ""
    for ip, text in split_by_address(output):
        if sid == "broadcast-wsdd-discover":
            doc = wsdd_document(text)
            if doc:
                yield ip, (EvidenceKind.WSD_PROBEMATCH, _encode(doc), sid)
        elif sid == "broadcast-upnp-info":
            doc = upnp_document(text)
            if doc:
                yield ip, (EvidenceKind.UPNP, _encode(doc), sid)


def _banner(script: Element, output: str) -> Iterator[Item]:
    text = output.strip()
    if text:
        raw = _ESCAPE_RE.sub(_unescape, _encode(text))
        yield payload_kind(raw[:4096].decode("utf-8", "replace")), raw, "banner"


_HANDLERS = {
    "http-title": _http_title,
    "http-server-header": _http_server_header,
    "http-headers": _http_headers,
    "http-auth": _http_auth,
    "http-favicon": _http_favicon,
    "rtsp-methods": _rtsp_methods,
    "rtsp-url-brute": _rtsp_url_brute,
    "ssl-cert": _ssl_cert,
    "upnp-info": _upnp_info,
    "wsdd-discover": _wsdd,
    "banner": _banner,
}
