"""TLS certificates: a PEM certificate, or a subject/issuer distinguished-name string."""

from __future__ import annotations

import re

from camaudit.identify.extract.fields import Fields, Wanted

_PEM_RE = re.compile(r"-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]+?-----END CERTIFICATE-----")
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
    try:
        from cryptography import x509
    except ImportError:  # pragma: no cover - cryptography is a dependency
        return False
    try:
        cert = x509.load_pem_x509_certificate(pem.encode("ascii"))
    except ValueError:
        return False
    subject = cert.subject.rfc4514_string()
    issuer = cert.issuer.rfc4514_string()
    fields.add("subject", subject)
    fields.add("issuer", issuer)
    _add_dn(fields, subject, "")
    _add_dn(fields, issuer, "issuer_")
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
        for name in san.value:
            fields.add("san", str(getattr(name, "value", name)))
    except (x509.ExtensionNotFound, ValueError):
        pass
    fields.add("cert_serial", format(cert.serial_number, "x"))
    return True


def extract_tls(text: str, wanted: Wanted = None) -> Fields:
    fields = Fields()
    m = _PEM_RE.search(text)
    if m and _from_pem(m.group(0), fields):
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
