"""Absurd TLS certificates for the hostile ``tls_cert`` behaviour (built once per process).

* ``huge``: about 66 KB — 40 organisational units with control characters, NUL and a
  right-to-left override, a 4,000-character organisation, 300 subject alternative names
  (plus a ``file:`` URI), the largest serial number RFC 5280 allows (20 octets), validity from
  1950 to 9999, and a 4 KB *critical* extension nobody understands.
* ``ancient``: markup and format strings in the subject (``<script>``, ``%s%n``), a NUL in the
  common name, and a validity of one day in 1950.

* ``oversized`` (about 261 KB, over OpenSSL's limit) and ``bad_version`` (the version field
  says 5): OpenSSL clients abort these handshakes, so they are served as a raw TLS 1.2 server
  flight (ServerHello, Certificate, ServerHelloDone; see :func:`raw_flight`), never completed.

None claims to be any maker's: a scanner must record them without crashing, hanging or
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


#: Variants served as a raw handshake flight instead of by a real TLS server.
RAW_VARIANTS = frozenset({"oversized", "bad_version", "slow"})  # "slow": a plain one, dripped
_RECORD = 16384


def _plain_name(organisation: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "IPC"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
        ]
    )


def raw_certificate_der(variant: str, organisation: str = "Lab Hostile Device") -> bytes:
    """DER bytes of a ``RAW_VARIANTS`` certificate."""
    key = ec.generate_private_key(ec.SECP256R1())
    builder = (
        x509.CertificateBuilder()
        .subject_name(_plain_name(organisation))
        .issuer_name(_plain_name(organisation))
        .public_key(key.public_key())
        .serial_number(0x5EED)
        .not_valid_before(dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
        .not_valid_after(dt.datetime(2040, 1, 1, tzinfo=dt.UTC))
    )
    if variant == "oversized":
        builder = builder.add_extension(
            x509.UnrecognizedExtension(UNKNOWN_EXTENSION, b"\x04\x83\x04\x14\xd8" + b"Z" * 267_480),
            False,
        )
    der = bytearray(builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER))
    if variant == "bad_version":
        at = der.find(bytes([0xA0, 0x03, 0x02, 0x01, 0x02]))
        der[at + 4] = 0x05
    return bytes(der)


def _handshake_message(kind: int, body: bytes) -> bytes:
    return bytes([kind]) + len(body).to_bytes(3, "big") + body


@functools.lru_cache(maxsize=8)
def raw_flight(variant: str, organisation: str = "Lab Hostile Device") -> bytes:
    """A TLS 1.2 server's first flight carrying a ``RAW_VARIANTS`` certificate, in records."""
    der = raw_certificate_der(variant, organisation)
    renegotiation_info = b"\xff\x01\x00\x01\x00"  # RFC 5746: empty, as a first handshake has
    hello = _handshake_message(
        2,
        b"\x03\x03"
        + b"\x11" * 32
        + b"\x00"
        + b"\xc0\x2b"  # ECDHE-ECDSA-AES128-GCM-SHA256: the key is EC
        + b"\x00"
        + len(renegotiation_info).to_bytes(2, "big")
        + renegotiation_info,
    )
    chain = len(der).to_bytes(3, "big") + der
    messages = (
        hello
        + _handshake_message(11, len(chain).to_bytes(3, "big") + chain)
        + _handshake_message(14, b"")
    )
    out = bytearray()
    for start in range(0, len(messages), _RECORD):
        part = messages[start : start + _RECORD]
        out += b"\x16\x03\x03" + len(part).to_bytes(2, "big") + part
    return bytes(out)


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
