"""Absurd TLS certificates for the hostile ``tls_cert`` behaviour (built once per process).

* ``huge``: about 66 KB — 40 organisational units with control characters, NUL and a
  right-to-left override, a 4,000-character organisation, 300 subject alternative names
  (plus a ``file:`` URI), the largest serial number RFC 5280 allows (20 octets), validity from
  1950 to 9999, and a 4 KB *critical* extension nobody understands.
* ``ancient``: markup and format strings in the subject (``<script>``, ``%s%n``), a NUL in the
  common name, and a validity of one day in 1950.

Neither claims to be any maker's: a scanner must record them without crashing, hanging or
identifying a vendor.
"""

from __future__ import annotations

import datetime as dt
import functools
import ssl
import tempfile
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID, ObjectIdentifier

UNKNOWN_EXTENSION = ObjectIdentifier("1.3.6.1.4.1.32473.1.1")  # documentation arc (RFC 5612)


def _huge_name() -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, "h" * 64)]
    attributes += [
        x509.NameAttribute(
            NameOID.ORGANIZATIONAL_UNIT_NAME, f"\u202eunit {i}\x00\x07\x1b[2J " + "\u00fc" * 200
        )
        for i in range(40)
    ]
    attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, "O" * 4000))
    return x509.Name(attributes)


def _ancient_name() -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "<script>alert(1)</script>\x00%s%n"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "'; DROP TABLE devices; --"),
            x509.NameAttribute(
                NameOID.ORGANIZATIONAL_UNIT_NAME, "{{7*7}} ${7*7} \r\nX-Injected: 1"
            ),
        ]
    )


def build_certificate(variant: str) -> tuple[bytes, bytes]:
    """(certificate PEM, key PEM) for ``variant`` (``huge`` or ``ancient``)."""
    key = ec.generate_private_key(ec.SECP256R1())
    if variant == "huge":
        name = _huge_name()
        sans: list[x509.GeneralName] = [
            x509.DNSName(f"h{i}.{'a' * 50}.invalid") for i in range(300)
        ]
        sans.append(x509.UniformResourceIdentifier("file:///etc/passwd"))
        builder = (
            x509.CertificateBuilder()
            .serial_number((1 << 159) - 1)
            .not_valid_before(dt.datetime(1950, 1, 1, tzinfo=dt.UTC))
            .not_valid_after(dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=dt.UTC))
            .add_extension(x509.SubjectAlternativeName(sans), False)
            .add_extension(
                x509.UnrecognizedExtension(UNKNOWN_EXTENSION, b"\x04\x82\x10\x00" + b"Z" * 4096),
                True,
            )
        )
    else:
        name = _ancient_name()
        builder = (
            x509.CertificateBuilder()
            .serial_number(1)
            .not_valid_before(dt.datetime(1950, 1, 1, tzinfo=dt.UTC))
            .not_valid_after(dt.datetime(1950, 1, 2, tzinfo=dt.UTC))
        )
    cert = (
        builder.subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


@functools.lru_cache(maxsize=4)
def server_context(variant: str) -> ssl.SSLContext:
    """A server context presenting the ``variant`` certificate (cached per process)."""
    cert_pem, key_pem = build_certificate(variant)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with tempfile.TemporaryDirectory(prefix="camaudit-lab-hostile-") as folder:
        path = Path(folder) / "chain.pem"  # ssl loads chains from files only
        path.write_bytes(cert_pem + key_pem)
        path.chmod(0o600)
        context.load_cert_chain(path)
    return context
