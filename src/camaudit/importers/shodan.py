"""Shodan banners: the JSON Lines of ``shodan download`` (gzipped or not) and search exports.

One banner gives one piece of evidence per part that carries device output:

- ``data`` (the raw service reply) as ``http``/``rtsp``/discovery/``banner`` by its content, with
  ``http.html`` appended as the body of an HTTP reply; ``http.redirects`` replies likewise;
- ``http.favicon.data`` as the MD5 of the icon bytes (an ``http`` fragment the extractor reads as
  ``favicon_md5``). Shodan's own ``favicon.hash`` is MurmurHash3 of the base64 text: no extractor
  field reads it, so it is not imported;
- ``ssl.chain[0]`` (PEM) as ``tls``, else the ``ssl.cert`` subject and issuer;
- each address of the ``mac`` object as ``mac``;
- ``product``/``version``/``info``/``devicetype``/``cpe23`` (Shodan's conclusions) as an
  ``asset_row`` claim (see :mod:`camaudit.importers.shapes`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import ipaddress
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from camaudit.errors import EvidenceFormatError
from camaudit.importers.base import (
    JsonDocument,
    asset_row_payload,
    iter_json_documents,
    make_evidence,
    mapping,
    parse_ip,
    parse_mac,
    parse_timestamp,
    source_label,
)
from camaudit.importers.shapes import (
    MAX_BODY,
    dn_from_mapping,
    payload_kind,
    scanner_claim,
    tls_text,
)
from camaudit.models import Evidence, EvidenceKind

_MAX_REDIRECTS = 8
_MAX_FAVICON = 1024 * 1024


class ShodanImporter:
    """Shodan banner JSON Lines (``shodan download``, search exports)."""

    name = "shodan"
    description = "Shodan banners (JSON Lines from `shodan download` or a search export)"

    def read(self, path: Path) -> Iterator[Evidence]:
        """Stream the evidence of every banner."""
        for doc in iter_json_documents(path):
            yield from self._banner(path, doc)

    def _banner(self, path: Path, doc: JsonDocument) -> Iterator[Evidence]:
        rec = doc.value
        where = str(doc.line)
        if not isinstance(rec, dict):
            raise EvidenceFormatError(
                f"record {doc.index} is not a JSON object", line=doc.line, source=str(path)
            )
        ip = _address(rec, path, doc)
        port = _port(rec.get("port"), path, doc)
        ts = parse_timestamp(rec.get("timestamp"))
        base: dict[str, Any] = {"ip": ip, "port": port, "ts": ts}
        http = mapping(rec.get("http"))
        data = rec.get("data")
        html = _text(http.get("html")) or ""
        if isinstance(data, str) and data.strip():
            kind = payload_kind(data)
            if kind is EvidenceKind.HTTP and html:
                data = _with_body(data, html)
            yield make_evidence(kind, data, source_label("shodan", path, where, "data"), **base)
            if not html.strip():
                yield from _http_fragments(http, path, where, base, server=False)
        elif http:
            yield from _http_fragments(http, path, where, base, server=True)
        yield from _redirects(http, path, where, base)
        yield from _favicon(http, path, where, base)
        yield from _tls(rec.get("ssl"), path, where, base)
        yield from _macs(rec.get("mac"), path, doc, ip, ts)
        claim = scanner_claim(
            "shodan",
            product=_text(rec.get("product")),
            version=_text(rec.get("version")),
            info=_text(rec.get("info")),
            device_type=_text(rec.get("devicetype")),
            cpes=_strings(rec.get("cpe23")) or _strings(rec.get("cpe")),
        )
        if claim is not None:
            yield make_evidence(
                EvidenceKind.ASSET_ROW,
                asset_row_payload(claim),
                source_label("shodan", path, where, "product"),
                **base,
            )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value[:16] if isinstance(v, str)]
    return []


def _address(rec: dict[str, Any], path: Path, doc: JsonDocument) -> str:
    for key in ("ip_str", "ipv6"):
        value = rec.get(key)
        if isinstance(value, str):
            ip = parse_ip(value)
            if ip is None:
                raise EvidenceFormatError(
                    f"record {doc.index}: {key} {value[:64]!r} is not an IP address",
                    line=doc.line,
                    source=str(path),
                )
            return ip
    number = rec.get("ip")
    if isinstance(number, int) and not isinstance(number, bool) and 0 <= number < 2**32:
        return str(ipaddress.IPv4Address(number))
    if isinstance(number, str) and parse_ip(number):
        return parse_ip(number) or number
    raise EvidenceFormatError(
        f"record {doc.index} has no ip_str (not a Shodan banner?)", line=doc.line, source=str(path)
    )


def _port(value: object, path: Path, doc: JsonDocument) -> int | None:
    if value is None:
        return None
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 5:
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 65535:
        return value
    raise EvidenceFormatError(
        f"record {doc.index}: bad port {value!r}", line=doc.line, source=str(path)
    )


def _with_body(head: str, html: str) -> str:
    """Shodan's ``data`` holds the response head; ``http.html`` the body."""
    if "\r\n\r\n" not in head and "\n\n" not in head:
        head = head.rstrip("\r\n") + "\r\n\r\n"
    return head + html[:MAX_BODY]


def _http_fragments(
    http: dict[str, Any], path: Path, where: str, base: dict[str, Any], *, server: bool
) -> Iterator[Evidence]:
    """The title (and, when there is no raw reply, the Server value) Shodan parsed out."""
    value = http.get("server")
    if server and isinstance(value, str) and value.strip():
        yield make_evidence(
            EvidenceKind.HTTP,
            f"Server: {value.strip()}",
            source_label("shodan", path, where, "http.server"),
            **base,
        )
    title = http.get("title")
    if isinstance(title, str) and title.strip():
        yield make_evidence(
            EvidenceKind.HTTP,
            f"<title>{title.strip()}</title>",
            source_label("shodan", path, where, "http.title"),
            **base,
        )


def _redirects(
    http: dict[str, Any], path: Path, where: str, base: dict[str, Any]
) -> Iterator[Evidence]:
    redirects = http.get("redirects")
    if not isinstance(redirects, list):
        return
    for n, hop in enumerate(redirects[:_MAX_REDIRECTS]):
        data = hop.get("data") if isinstance(hop, dict) else None
        if isinstance(data, str) and data.startswith(("HTTP/", "http/")):
            yield make_evidence(
                EvidenceKind.HTTP,
                data,
                source_label("shodan", path, where, f"http.redirects[{n}]"),
                **base,
            )


def _favicon(
    http: dict[str, Any], path: Path, where: str, base: dict[str, Any]
) -> Iterator[Evidence]:
    favicon = http.get("favicon")
    if not isinstance(favicon, dict) or not isinstance(favicon.get("data"), str):
        return
    text = favicon["data"]
    if len(text) > _MAX_FAVICON * 2:
        return
    try:
        icon = base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        return
    if icon:
        digest = hashlib.md5(icon, usedforsecurity=False).hexdigest()
        yield make_evidence(
            EvidenceKind.HTTP, digest, source_label("shodan", path, where, "http.favicon"), **base
        )


def _tls(ssl: object, path: Path, where: str, base: dict[str, Any]) -> Iterator[Evidence]:
    if not isinstance(ssl, dict):
        return
    chain = ssl.get("chain")
    pem = chain[0] if isinstance(chain, list) and chain and isinstance(chain[0], str) else None
    cert = mapping(ssl.get("cert"))
    text = tls_text(
        pem=pem,
        subject=dn_from_mapping(cert.get("subject")),
        issuer=dn_from_mapping(cert.get("issuer")),
    )
    if text:
        yield make_evidence(
            EvidenceKind.TLS, text, source_label("shodan", path, where, "ssl"), **base
        )


def _macs(
    macs: object, path: Path, doc: JsonDocument, ip: str, ts: datetime | None
) -> Iterator[Evidence]:
    if not isinstance(macs, dict):
        return
    for key in list(macs)[:16]:
        mac = parse_mac(str(key))
        if mac is None:
            raise EvidenceFormatError(
                f"record {doc.index}: mac {str(key)[:40]!r} is not a MAC address",
                line=doc.line,
                source=str(path),
            )
        yield make_evidence(
            EvidenceKind.MAC,
            mac,
            source_label("shodan", path, str(doc.line), "mac"),
            ip=ip,
            mac=mac,
            ts=ts,
        )
