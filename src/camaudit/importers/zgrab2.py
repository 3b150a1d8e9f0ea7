"""ZGrab2 JSON Lines (one host per line, ``data`` keyed by module name).

Modules read: ``http`` (the final response and each response of the redirect chain, rebuilt from
status and headers with the body; a TLS certificate seen on the way), ``tls`` (the server
certificate, base64 DER), and any module whose result carries a greeting (``banner``, ``ftp``,
``telnet``, ``ssh`` server id ...) as ``banner``. Failed scans (``status`` not success) with no
result are skipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from camaudit.errors import EvidenceFormatError
from camaudit.importers.base import (
    JsonDocument,
    iter_json_documents,
    make_evidence,
    mapping,
    parse_ip,
    parse_timestamp,
    source_label,
)
from camaudit.importers.shapes import (
    header_name,
    http_message,
    payload_kind,
    pem_from_base64,
    tls_text,
)
from camaudit.models import Evidence, EvidenceKind

_DEFAULT_PORTS = {"http": 80, "https": 443, "tls": 443, "ssh": 22, "ftp": 21, "telnet": 23}
_MAX_CHAIN = 8
_MAX_HEADERS = 128


class Zgrab2Importer:
    """ZGrab2 JSON Lines (http, tls and banner-like modules)."""

    name = "zgrab2"
    description = "ZGrab2 JSON Lines (http, tls, banner, ftp, telnet, ssh modules)"

    def read(self, path: Path) -> Iterator[Evidence]:
        """Stream the evidence of every host's module results."""
        for doc in iter_json_documents(path):
            yield from self._host(path, doc)

    def _host(self, path: Path, doc: JsonDocument) -> Iterator[Evidence]:
        rec = doc.value
        if not isinstance(rec, dict):
            raise EvidenceFormatError(
                f"record {doc.index} is not a JSON object", line=doc.line, source=str(path)
            )
        raw_ip = rec.get("ip")
        ip = parse_ip(raw_ip) if isinstance(raw_ip, str) else None
        data = rec.get("data")
        if ip is None or not isinstance(data, dict):
            raise EvidenceFormatError(
                f"record {doc.index}: needs an 'ip' address and a 'data' object "
                "(not ZGrab2 output?)",
                line=doc.line,
                source=str(path),
            )
        for module, scan in list(data.items())[:64]:
            if not isinstance(scan, dict):
                continue
            result = scan.get("result")
            if not isinstance(result, dict):
                continue
            ts = parse_timestamp(scan.get("timestamp"))
            protocol = str(scan.get("protocol") or module).lower()
            context = _Context(path, doc, ip, str(module), ts)
            if protocol == "http" or isinstance(result.get("response"), dict):
                yield from _http(context, result)
            elif protocol == "tls" or isinstance(result.get("handshake_log"), dict):
                yield from _certificate(context, result.get("handshake_log"), _DEFAULT_PORTS["tls"])
            else:
                yield from _banner(context, protocol, result)


class _Context:
    __slots__ = ("doc", "ip", "module", "path", "ts")

    def __init__(self, path: Path, doc: JsonDocument, ip: str, module: str, ts: Any) -> None:
        self.path = path
        self.doc = doc
        self.ip = ip
        self.module = module
        self.ts = ts

    def evidence(self, kind: EvidenceKind, payload: str, part: str, port: int | None) -> Evidence:
        source = source_label("zgrab2", self.path, str(self.doc.line), f"{self.module}.{part}")
        return make_evidence(kind, payload, source, ip=self.ip, port=port, ts=self.ts)


def _port_of(response: dict[str, Any], default: int) -> int:
    request = mapping(response.get("request"))
    url = mapping(request.get("url"))
    host = url.get("host")
    scheme = str(url.get("scheme") or "http").lower()
    if isinstance(host, str) and host:
        try:
            port = urlsplit(f"//{host}").port
        except ValueError:
            port = None
        if port is not None:
            return port
    return _DEFAULT_PORTS.get(scheme, default)


def _http(context: _Context, result: dict[str, Any]) -> Iterator[Evidence]:
    chain = result.get("redirect_response_chain")
    responses = (
        [r for r in chain[:_MAX_CHAIN] if isinstance(r, dict)] if isinstance(chain, list) else []
    )
    final = result.get("response")
    if isinstance(final, dict):
        responses.append(final)
    for n, response in enumerate(responses):
        port = _port_of(response, 80)
        text = _response_text(response)
        part = "response" if response is final else f"redirect_response_chain[{n}]"
        if text:
            yield context.evidence(EvidenceKind.HTTP, text, part, port)
        request = mapping(response.get("request"))
        tls_log = mapping(request.get("tls_log"))
        yield from _certificate(context, tls_log.get("handshake_log"), port)


def _response_text(response: dict[str, Any]) -> str | None:
    code = response.get("status_code")
    status_line = response.get("status_line")
    protocol = mapping(response.get("protocol"))
    version = protocol.get("name") if isinstance(protocol.get("name"), str) else "HTTP/1.1"
    if isinstance(status_line, str) and status_line.strip():
        status = f"{version} {status_line.strip()}"
    elif isinstance(code, int):
        status = f"{version} {code}"
    else:
        return None
    pairs: list[tuple[str, str]] = []
    headers = response.get("headers")
    if isinstance(headers, dict):
        for key, values in list(headers.items())[:_MAX_HEADERS]:
            if key == "unknown" and isinstance(values, list):
                for item in values[:_MAX_HEADERS]:
                    if isinstance(item, dict) and isinstance(item.get("key"), str):
                        for value in _values(item.get("value")):
                            pairs.append((item["key"], value))
                continue
            for value in _values(values):
                pairs.append((header_name(str(key)), value))
    body = response.get("body") if isinstance(response.get("body"), str) else None
    return http_message(status, pairs, body)


def _values(value: object) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [str(v) for v in items[:16] if isinstance(v, str | int | float)]


def _certificate(context: _Context, handshake: object, port: int) -> Iterator[Evidence]:
    if not isinstance(handshake, dict):
        return
    certs = handshake.get("server_certificates")
    cert = certs.get("certificate") if isinstance(certs, dict) else None
    if not isinstance(cert, dict):
        return
    raw = cert.get("raw")
    parsed = mapping(cert.get("parsed"))
    subject = parsed.get("subject_dn")
    issuer = parsed.get("issuer_dn")
    text = tls_text(
        pem=pem_from_base64(raw) if isinstance(raw, str) else None,
        subject=subject if isinstance(subject, str) else None,
        issuer=issuer if isinstance(issuer, str) else None,
    )
    if text:
        yield context.evidence(EvidenceKind.TLS, text, "certificate", port)


def _banner(context: _Context, protocol: str, result: dict[str, Any]) -> Iterator[Evidence]:
    text = result.get("banner")
    if not isinstance(text, str):
        server_id = result.get("server_id")
        text = server_id.get("raw") if isinstance(server_id, dict) else None
    if isinstance(text, str) and text.strip():
        port = _DEFAULT_PORTS.get(protocol)
        yield context.evidence(payload_kind(text), text, "banner", port)
