"""masscan JSON output (``-oJ``, a loosely comma-separated array with one record per line) and
NDJSON (``-oD``), with banners (``--banners``).

Only records with a banner become evidence (an open port alone says nothing about the maker):
``http`` replies as ``http``, ``http.server`` as a Server fragment, ``title`` as a title fragment,
``X509`` (base64 DER) as a ``tls`` certificate, other greetings (ssh, ftp, telnet ...) as
``banner``. masscan's ``ssl`` summary (cipher and version) is not identifying and is skipped.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from camaudit.errors import EvidenceFormatError
from camaudit.importers.base import (
    iter_raw_lines,
    make_evidence,
    parse_ip,
    parse_timestamp,
    source_label,
)
from camaudit.importers.shapes import payload_kind, pem_from_base64
from camaudit.models import Evidence, EvidenceKind

_LITERAL_HEX = re.compile(rb"\\x([0-9a-fA-F]{2})")
_SKIPPED_SERVICES = frozenset({"ssl", "unknown"})


class MasscanImporter:
    """masscan ``-oJ`` / ``-oD`` output with banners."""

    name = "masscan"
    description = "masscan JSON (-oJ) or NDJSON (-oD) output with --banners"

    def read(self, path: Path) -> Iterator[Evidence]:
        """Stream the evidence of every banner record."""
        for number, raw in iter_raw_lines(path):
            text = raw.decode("utf-8", errors="replace").strip().strip(",").strip()
            if text in ("", "[", "]") or text.replace(" ", "") == "{finished:1}":
                continue
            try:
                rec = json.loads(text)
            except (ValueError, RecursionError):
                raise EvidenceFormatError(
                    "invalid JSON (not masscan -oJ/-oD output?)", line=number, source=str(path)
                ) from None
            yield from self._record(path, number, rec)

    def _record(self, path: Path, number: int, rec: object) -> Iterator[Evidence]:
        if not isinstance(rec, dict):
            raise EvidenceFormatError("record is not a JSON object", line=number, source=str(path))
        if "finished" in rec and "ip" not in rec:
            return
        raw_ip = rec.get("ip")
        ip = parse_ip(raw_ip) if isinstance(raw_ip, str) else None
        if ip is None:
            raise EvidenceFormatError(
                f"missing or bad 'ip' ({str(raw_ip)[:64]!r})", line=number, source=str(path)
            )
        ports = rec.get("ports", [])
        if isinstance(ports, dict):
            ports = [ports]
        if not isinstance(ports, list):
            raise EvidenceFormatError("'ports' is not a list", line=number, source=str(path))
        ts = parse_timestamp(rec.get("timestamp"))
        for entry in ports[:64]:
            if not isinstance(entry, dict):
                raise EvidenceFormatError(
                    "a 'ports' entry is not an object", line=number, source=str(path)
                )
            port = entry.get("port")
            if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
                raise EvidenceFormatError(f"bad port {port!r}", line=number, source=str(path))
            service = entry.get("service")
            if isinstance(service, dict):
                evidence = _service_evidence(service, path, number, ip, port, ts)
                if evidence is not None:
                    yield evidence


def _unescape(banner: str) -> bytes:
    """The banner's bytes; older masscan wrote control bytes as literal ``\\xNN``."""
    data = banner.encode("utf-8", errors="replace")
    if b"\\x" in data and "\n" not in banner:
        return _LITERAL_HEX.sub(lambda m: bytes([int(m.group(1), 16)]), data)
    return data


def _service_evidence(
    service: dict[str, Any], path: Path, number: int, ip: str, port: int, ts: Any
) -> Evidence | None:
    name = str(service.get("name", "")).lower()
    banner = service.get("banner")
    if not isinstance(banner, str) or not banner.strip() or name in _SKIPPED_SERVICES:
        return None
    raw = _unescape(banner)
    source = source_label("masscan", path, str(number), name or "banner")
    base = {"ip": ip, "port": port, "ts": ts}
    if name == "title":
        return make_evidence(EvidenceKind.HTTP, f"<title>{banner.strip()}</title>", source, **base)
    if name in ("http.server", "http-server"):
        return make_evidence(EvidenceKind.HTTP, f"Server: {banner.strip()}", source, **base)
    if name == "x509":
        pem = pem_from_base64(banner.strip())
        return make_evidence(EvidenceKind.TLS, pem, source, **base) if pem else None
    return make_evidence(payload_kind(raw.decode("latin-1")), raw, source, **base)
