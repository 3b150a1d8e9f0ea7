"""TLS certificates: a PEM certificate, or a subject/issuer distinguished-name string."""

from __future__ import annotations

import base64
import binascii
import contextlib
import re

from camaudit.identify.extract.der import rdn_string, read_names
from camaudit.identify.extract.fields import Fields, Wanted

_PEM_RE = re.compile(r"-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]+?-----END CERTIFICATE-----")
_PEM_START = "-----BEGIN CERTIFICATE-----"
_B64_RUN = re.compile(r"[A-Za-z0-9+/=\s]*")
_RDN_RE = re.compile(r"(?:^|[,/;]\s*)([A-Za-z]{1,24})\s*=\s*((?:\\.|[^,/;])*)")
_ISSUER_RE = re.compile(r"issuer\s*[:=]\s*(.*)", re.IGNORECASE)
_SUBJECT_RE = re.compile(r"subject\s*[:=]\s*(.*)", re.IGNORECASE)


def _rdns(dn: str) -> list[tuple[str, str]]:
    return [
        (m.group(1).lower(), m.group(2).strip().replace("\\,", ",")) for m in _RDN_RE.finditer(dn)
    ]


def _add_dn(fields: Fields, dn: str, prefix: str) -> None:
    for key, value in _rdns(dn):
        if key in ("cn", "o", "ou", "c", "l", "st", "emailaddress", "serialnumber"):
            fields.add(f"{prefix}{key}", value)


def _from_pem(pem: str, fields: Fields) -> bool:
    """Read a PEM certificate strictly; False when ``cryptography`` refuses it (any error)."""
    from cryptography import x509

    try:
        cert = x509.load_pem_x509_certificate(pem.encode("ascii"))
        subject = cert.subject.rfc4514_string()
        issuer = cert.issuer.rfc4514_string()
        serial = format(cert.serial_number, "x")
    except Exception:  # invalid version, bad encodings...: the tolerant reader takes over
        return False
    fields.add("subject", subject)
    fields.add("issuer", issuer)
    _add_dn(fields, subject, "")
    _add_dn(fields, issuer, "issuer_")
    with contextlib.suppress(Exception):  # a malformed extension costs only the SANs
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
        for name in san.value:
            fields.add("san", str(getattr(name, "value", name)))
    fields.add("cert_serial", serial)
    return True


def _pem_der(text: str) -> bytes | None:
    """DER bytes after a PEM header, even without its footer (a capture cut by a byte cap)."""
    start = text.find(_PEM_START)
    if start < 0:
        return None
    m = _B64_RUN.match(text, start + len(_PEM_START))
    body = "".join(m.group(0).split()).split("=", 1)[0] if m else ""
    body = body[: len(body) - len(body) % 4]
    try:
        return base64.b64decode(body)
    except (binascii.Error, ValueError):
        return None


def _from_der_tolerant(der: bytes, fields: Fields) -> bool:
    names = read_names(der)
    if names is None:
        return False
    subject, issuer = names
    if not subject and not issuer:
        return False
    fields.notes.append("certificate not valid X.509 (or cut short): names read tolerantly")
    fields.add("subject", rdn_string(subject))
    fields.add("issuer", rdn_string(issuer))
    for key, value in subject:
        fields.add(key, value)
    for key, value in issuer:
        fields.add(f"issuer_{key}", value)
    return True


def extract_tls(text: str, wanted: Wanted = None) -> Fields:
    fields = Fields()
    m = _PEM_RE.search(text)
    if m and _from_pem(m.group(0), fields):
        return fields
    der = _pem_der(text) if _PEM_START in text else None
    if der is not None:
        if _from_der_tolerant(der, fields):
            return fields
        fields.notes.append("certificate unreadable: neither X.509 nor a recognisable name")
        return fields
    issuer_m = _ISSUER_RE.search(text)
    subject_m = _SUBJECT_RE.search(text)
    if subject_m or issuer_m:
        if subject_m:
            subject = subject_m.group(1).strip()
            fields.add("subject", subject)
            _add_dn(fields, subject, "")
        if issuer_m:
            issuer = issuer_m.group(1).strip()
            fields.add("issuer", issuer)
            _add_dn(fields, issuer, "issuer_")
        return fields
    subject = text.strip().splitlines()[0] if text.strip() else ""
    fields.add("subject", subject)
    _add_dn(fields, subject, "")
    return fields
