"""Payloads in the shapes the identification engine reads (docs/kb-format.md), built from what
third-party tools recorded: raw responses, header maps, certificate names, service claims.

Only bytes a device sent become ``http``/``rtsp``/``tls``/``banner`` evidence. A tool's own
conclusion (nmap's ``product``, Shodan's ``product``, Censys' ``software``) is not device output:
it is kept as an ``asset_row`` object (a record someone wrote about the asset, like a register
row) whose ``claimed_by`` names the tool, so an auditor can tell the two apart.
"""

from __future__ import annotations

import base64
import binascii
import re
import textwrap
from collections.abc import Iterable

from camaudit.evidence import guess_kind
from camaudit.models import EvidenceKind

#: Longest body kept from a scanner's record of an HTTP response.
MAX_BODY = 64 * 1024
_PEM_RE = re.compile(r"-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]+?-----END CERTIFICATE-----")

#: X.500 attribute names as tools spell them -> the short names the TLS extractor reads.
DN_SHORT_NAMES = {
    "commonname": "CN",
    "common_name": "CN",
    "cn": "CN",
    "organizationname": "O",
    "organization": "O",
    "o": "O",
    "organizationalunitname": "OU",
    "organizational_unit": "OU",
    "ou": "OU",
    "countryname": "C",
    "country": "C",
    "c": "C",
    "localityname": "L",
    "locality": "L",
    "l": "L",
    "stateorprovincename": "ST",
    "province": "ST",
    "st": "ST",
    "emailaddress": "emailAddress",
    "email_address": "emailAddress",
    "serialnumber": "serialNumber",
    "serial_number": "serialNumber",
}


def payload_kind(data: str) -> EvidenceKind:
    """The evidence kind of a raw service payload (an HTTP or RTSP response, a discovery reply,
    a certificate); anything unrecognised is a ``banner``."""
    kind = guess_kind(data[:4096].encode("utf-8", errors="replace"))
    if kind is None or (kind is EvidenceKind.TLS and "-----begin" not in data[:64].lower()):
        return EvidenceKind.BANNER
    return kind


def http_message(
    status_line: str, headers: Iterable[tuple[str, str]], body: str | None = None
) -> str:
    """An HTTP/RTSP response as text: status line, ``Name: value`` lines, blank line, body."""
    lines = [status_line.strip()]
    for name, value in headers:
        clean = " ".join(str(value).split())
        lines.append(f"{name}: {clean}")
    text = "\r\n".join(lines) + "\r\n\r\n"
    if body:
        text += body[:MAX_BODY]
    return text


def header_name(key: str) -> str:
    """A header name from a tool's key (``www_authenticate`` -> ``Www-Authenticate``)."""
    return "-".join(part.capitalize() for part in re.split(r"[_-]", key) if part)


def dn_from_mapping(mapping: object) -> str | None:
    """``CN=.., O=..`` from a subject/issuer mapping (values may be lists), else None."""
    if not isinstance(mapping, dict):
        return None
    parts: list[str] = []
    for key, value in mapping.items():
        short = DN_SHORT_NAMES.get(str(key).replace(" ", "").lower())
        if short is None:
            continue
        values = value if isinstance(value, list) else [value]
        for item in values:
            if isinstance(item, str | int | float) and str(item).strip():
                parts.append(f"{short}={_dn_escape(str(item).strip())}")
    return ", ".join(parts) or None


def _dn_escape(value: str) -> str:
    return value.replace(",", "\\,")


def normalise_dn(dn: str) -> str:
    """A DN string with long attribute names shortened (``commonName=x/organizationName=y``
    -> ``CN=x, O=y``); other text is kept."""

    def short(m: re.Match[str]) -> str:
        return m.group(1) + DN_SHORT_NAMES.get(m.group(2).lower(), m.group(2)) + "="

    return re.sub(r"(^|[,/;]\s*)([A-Za-z_]{1,32})=", short, dn.strip())


def tls_text(
    *, pem: str | None = None, subject: str | None = None, issuer: str | None = None
) -> str | None:
    """The ``tls`` evidence text: a PEM certificate when there is one, else subject/issuer
    lines (``subject: CN=..`` / ``issuer: CN=..``), else None."""
    if pem:
        m = _PEM_RE.search(pem)
        if m:
            return m.group(0)
    lines = []
    if subject:
        lines.append(f"subject: {normalise_dn(subject)}")
    if issuer:
        lines.append(f"issuer: {normalise_dn(issuer)}")
    return "\n".join(lines) or None


def pem_from_der(der: bytes) -> str:
    """A PEM certificate block from DER bytes."""
    body = "\n".join(textwrap.wrap(base64.b64encode(der).decode("ascii"), 64))
    return f"-----BEGIN CERTIFICATE-----\n{body}\n-----END CERTIFICATE-----\n"


def pem_from_base64(b64: str) -> str | None:
    """A PEM block from base64 DER (as scanners store certificates), or None if not base64."""
    try:
        der = base64.b64decode(b64, validate=True)
    except (binascii.Error, ValueError):
        return None
    return pem_from_der(der) if der.startswith(b"\x30") else None


def scanner_claim(
    tool: str,
    *,
    vendor: str | None = None,
    product: str | None = None,
    version: str | None = None,
    info: str | None = None,
    device_type: str | None = None,
    cpes: Iterable[str] = (),
    os_type: str | None = None,
) -> dict[str, str] | None:
    """A tool's service identification as an ``asset_row`` object, or None when it says nothing
    about the product. The claim text goes in ``description`` (read by the free-text rules at a
    modest weight); the tool and its CPEs are kept alongside."""
    words = [w.strip() for w in (vendor, product, version) if w and w.strip()]
    if vendor and product and vendor.strip().lower() in product.lower():
        words = words[1:]  # "Hikvision" + "Hikvision IP Camera"
    if info and info.strip():
        words.append(f"({info.strip()})")
    if not words:
        return None
    row = {"description": " ".join(words)[:512], "claimed_by": tool}
    cpe_list = [c.strip() for c in cpes if c and c.strip()]
    if cpe_list:
        row["cpe"] = " ".join(cpe_list)[:512]
    if device_type and device_type.strip():
        row["claimed device type"] = device_type.strip()[:64]
    if os_type and os_type.strip():
        row["claimed os"] = os_type.strip()[:64]
    return row
