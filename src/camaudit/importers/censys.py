"""Censys host documents: search exports and hosts API v2 results (JSON Lines, a JSON array, or
API responses wrapping them in ``result``/``hits``).

Per service: ``banner`` (the raw reply, with ``http.response.body`` as its body) or a response
rebuilt from ``http.response`` status and headers; ``http.response.favicons[].md5_hash`` as an
``http`` favicon fragment; the TLS leaf certificate's subject and issuer DNs as ``tls``; and
``software[]``/``hardware[]`` vendor/product/version (Censys' conclusions) as an ``asset_row``
claim.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
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
    parse_timestamp,
    source_label,
)
from camaudit.importers.shapes import (
    MAX_BODY,
    dn_from_mapping,
    http_message,
    payload_kind,
    pem_from_base64,
    scanner_claim,
    tls_text,
)
from camaudit.models import Evidence, EvidenceKind

_MAX_SERVICES = 1024
_MAX_HEADERS = 128
_MD5 = re.compile(r"^[0-9a-fA-F]{32}$")


class CensysImporter:
    """Censys hosts (search export / API v2 host documents)."""

    name = "censys"
    description = "Censys host documents (search export or hosts API v2, JSON Lines or array)"

    def read(self, path: Path) -> Iterator[Evidence]:
        """Stream the evidence of every service of every host document."""
        for doc in iter_json_documents(path):
            for host in _hosts(doc.value):
                yield from self._host(path, doc, host)

    def _host(self, path: Path, doc: JsonDocument, host: object) -> Iterator[Evidence]:
        if not isinstance(host, dict):
            raise EvidenceFormatError(
                f"record {doc.index} is not a JSON object", line=doc.line, source=str(path)
            )
        raw_ip = host.get("ip")
        ip = parse_ip(raw_ip) if isinstance(raw_ip, str) else None
        if ip is None:
            raise EvidenceFormatError(
                f"record {doc.index}: missing or bad 'ip' ({str(raw_ip)[:64]!r}); "
                "not a Censys host document?",
                line=doc.line,
                source=str(path),
            )
        services = host.get("services", [])
        if not isinstance(services, list):
            raise EvidenceFormatError(
                f"record {doc.index}: 'services' is not a list", line=doc.line, source=str(path)
            )
        for n, service in enumerate(services[:_MAX_SERVICES]):
            if not isinstance(service, dict):
                raise EvidenceFormatError(
                    f"record {doc.index}: services[{n}] is not an object",
                    line=doc.line,
                    source=str(path),
                )
            yield from _service(path, doc, ip, n, service)


def _hosts(value: object) -> list[object]:
    """Host documents inside an API envelope (``result``, ``result.hits``) or the value itself."""
    if isinstance(value, dict):
        result = value.get("result")
        if isinstance(result, dict) and "ip" not in value:
            hits = result.get("hits")
            return list(hits) if isinstance(hits, list) else [result]
        for key in ("resource", "host"):
            inner = value.get(key)
            if isinstance(inner, dict) and "ip" in inner and "ip" not in value:
                return [inner]
    return [value]


def _port(value: object, path: Path, doc: JsonDocument, n: int) -> int | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 65535:
        return value
    raise EvidenceFormatError(
        f"record {doc.index}: services[{n}] has a bad port {value!r}",
        line=doc.line,
        source=str(path),
    )


def _service(
    path: Path, doc: JsonDocument, ip: str, n: int, service: dict[str, Any]
) -> Iterator[Evidence]:
    port = _port(service.get("port"), path, doc, n)
    ts = parse_timestamp(service.get("observed_at"))
    base: dict[str, Any] = {"ip": ip, "port": port, "ts": ts}
    where = str(doc.line)

    def label(part: str) -> str:
        return source_label("censys", path, where, f"services[{n}].{part}")

    http = mapping(service.get("http"))
    response = mapping(http.get("response"))
    body = response.get("body") if isinstance(response.get("body"), str) else None
    banner = service.get("banner")
    if isinstance(banner, str) and banner.strip():
        kind = payload_kind(banner)
        if kind is EvidenceKind.HTTP and body:
            banner = banner.rstrip("\r\n") + "\r\n\r\n" + body[:MAX_BODY]
        yield make_evidence(kind, banner, label("banner"), **base)
    elif response:
        text = _rebuilt_response(response, body)
        if text:
            yield make_evidence(EvidenceKind.HTTP, text, label("http.response"), **base)
    favicons = response.get("favicons")
    if isinstance(favicons, list):
        for icon in favicons[:4]:
            digest = icon.get("md5_hash") if isinstance(icon, dict) else None
            if isinstance(digest, str) and _MD5.match(digest):
                yield make_evidence(
                    EvidenceKind.HTTP, digest.lower(), label("http.response.favicons"), **base
                )
    tls_evidence = _tls(service.get("tls"))
    if tls_evidence:
        yield make_evidence(EvidenceKind.TLS, tls_evidence, label("tls"), **base)
    claim = _claim(service)
    if claim is not None:
        yield make_evidence(
            EvidenceKind.ASSET_ROW, asset_row_payload(claim), label("software"), **base
        )


def _rebuilt_response(response: dict[str, Any], body: str | None) -> str | None:
    code = response.get("status_code")
    headers = response.get("headers")
    if not isinstance(code, int) and not isinstance(headers, dict):
        return None
    protocol = response.get("protocol") if isinstance(response.get("protocol"), str) else None
    reason = response.get("status_reason") if isinstance(response.get("status_reason"), str) else ""
    status = f"{protocol or 'HTTP/1.1'} {code if isinstance(code, int) else 200} {reason}"
    pairs: list[tuple[str, str]] = []
    if isinstance(headers, dict):
        for name, values in list(headers.items())[:_MAX_HEADERS]:
            if str(name).startswith("_"):
                continue  # Censys metadata such as "_encoding"
            for value in values if isinstance(values, list) else [values]:
                if isinstance(value, str | int):
                    pairs.append((str(name), str(value)))
    if not pairs and not body:
        title = response.get("html_title")
        return f"<title>{title}</title>" if isinstance(title, str) and title.strip() else None
    return http_message(status, pairs, body)


def _tls(tls: object) -> str | None:
    if not isinstance(tls, dict):
        return None
    certs = mapping(tls.get("certificates"))
    leaf = mapping(certs.get("leaf_data"))
    raw = certs.get("leaf") if isinstance(certs.get("leaf"), str) else None
    pem = pem_from_base64(raw) if raw else None
    subject = leaf.get("subject_dn") if isinstance(leaf.get("subject_dn"), str) else None
    issuer = leaf.get("issuer_dn") if isinstance(leaf.get("issuer_dn"), str) else None
    return tls_text(
        pem=pem,
        subject=subject or dn_from_mapping(leaf.get("subject")),
        issuer=issuer or dn_from_mapping(leaf.get("issuer")),
    )


def _claim(service: dict[str, Any]) -> dict[str, str] | None:
    vendors: list[str] = []
    products: list[str] = []
    versions: list[str] = []
    cpes: list[str] = []
    for key in ("hardware", "software"):
        items = service.get(key)
        if not isinstance(items, list):
            continue
        for item in items[:16]:
            if not isinstance(item, dict):
                continue
            for bucket, field in (
                (vendors, "vendor"),
                (products, "product"),
                (versions, "version"),
                (cpes, "uniform_resource_identifier"),
            ):
                value = item.get(field)
                if isinstance(value, str) and value.strip() and value.strip() not in bucket:
                    bucket.append(value.strip())
    return scanner_claim(
        "censys",
        vendor=" ".join(vendors) or None,
        product=" ".join(products) or None,
        version=" ".join(versions) or None,
        cpes=cpes,
    )
