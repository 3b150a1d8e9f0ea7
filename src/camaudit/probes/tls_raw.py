"""The server certificate read straight off a TLS 1.2 handshake, for when OpenSSL refuses it.

OpenSSL aborts handshakes whose certificate is malformed (an invalid version) or larger than its
limit (about 100 KB), and then Python's ``ssl`` gives no certificate at all. The certificate is
still the best evidence of who made the device, so this sends one ordinary TLS 1.2 ClientHello,
reads the server's first flight within the probe's byte cap and deadline, and takes the first
certificate of the (plaintext, in TLS ≤ 1.2) Certificate message — cut at the cap if need be,
and then flagged as truncated. Nothing is sent after the ClientHello.
"""

from __future__ import annotations

import os
import ssl
import struct
from dataclasses import dataclass

from camaudit.models import EvidenceKind
from camaudit.net.transport import close_quietly, read_bounded
from camaudit.probes.base import ProbeContext, ProbeResult, ProbeStatus, observed
from camaudit.probes.http_request import Outcome, connect

_HANDSHAKE = 22
_CERTIFICATE = 11
_SERVER_HELLO_DONE = 14
# Common TLS 1.2 suites (ECDHE/RSA, AES-GCM/CBC): enough for any server to pick one.
_SUITES = (0xC02F, 0xC030, 0xC02B, 0xC02C, 0xC013, 0xC014, 0x009C, 0x009D, 0x002F, 0x0035)


@dataclass(frozen=True, slots=True)
class RawCertificate:
    der: bytes
    truncated: bool


def _extension(kind: int, body: bytes) -> bytes:
    return struct.pack("!HH", kind, len(body)) + body


def client_hello() -> bytes:
    """One TLS 1.2 ClientHello record (no SNI: we address devices by IP)."""
    suites = b"".join(struct.pack("!H", s) for s in _SUITES)
    groups = b"".join(struct.pack("!H", g) for g in (0x0017, 0x0018, 0x001D))
    sigalgs = b"".join(struct.pack("!H", a) for a in (0x0401, 0x0501, 0x0403, 0x0804, 0x0201))
    extensions = (
        _extension(0x000A, struct.pack("!H", len(groups)) + groups)
        + _extension(0x000B, b"\x01\x00")
        + _extension(0x000D, struct.pack("!H", len(sigalgs)) + sigalgs)
    )
    body = (
        b"\x03\x03"
        + os.urandom(32)
        + b"\x00"
        + struct.pack("!H", len(suites))
        + suites
        + b"\x01\x00"
        + struct.pack("!H", len(extensions))
        + extensions
    )
    handshake = b"\x01" + len(body).to_bytes(3, "big") + body
    return struct.pack("!BHH", _HANDSHAKE, 0x0301, len(handshake)) + handshake


def handshake_bytes(flight: bytes) -> bytes:
    """The handshake-protocol bytes of a server's records, up to the first other record (an
    alert, or a change of cipher: encrypted from there) or the end of what was read."""
    out = bytearray()
    pos = 0
    while pos + 5 <= len(flight):
        ctype, _version, length = struct.unpack_from("!BHH", flight, pos)
        if ctype != _HANDSHAKE:
            break
        out += flight[pos + 5 : pos + 5 + length]
        pos += 5 + length
    return bytes(out)


def first_certificate(handshakes: bytes) -> RawCertificate | None:
    """The first certificate of a Certificate handshake message (possibly cut short)."""
    pos = 0
    while pos + 4 <= len(handshakes):
        kind = handshakes[pos]
        length = int.from_bytes(handshakes[pos + 1 : pos + 4], "big")
        body = handshakes[pos + 4 : pos + 4 + length]
        if kind == _CERTIFICATE:
            if len(body) < 6:
                return None
            cert_len = int.from_bytes(body[3:6], "big")
            der = body[6 : 6 + cert_len]
            if not der:
                return None
            return RawCertificate(bytes(der), len(der) < cert_len)
        if kind == _SERVER_HELLO_DONE:
            return None
        pos += 4 + length
    return None


async def read_certificate(
    ctx: ProbeContext, ip: str, port: int, deadline: float
) -> RawCertificate | Outcome:
    """Connect in plain TCP, send a ClientHello, and read the server's certificate (never
    raises; an :class:`Outcome` says why there is none)."""
    conn = await connect(ctx, ip, port, deadline, None)
    if isinstance(conn, Outcome):
        return conn
    reader, writer = conn
    try:
        writer.write(client_hello())
        ex = await read_bounded(
            reader,
            max_bytes=ctx.max_bytes,
            deadline=deadline,
            until=b"\x0e\x00\x00\x00",  # ServerHelloDone: the flight is over
        )
    except (ConnectionError, OSError):
        return Outcome(ProbeStatus.PROTOCOL_ERROR, detail="connection lost during TLS handshake")
    finally:
        await close_quietly(writer)
    cert = first_certificate(handshake_bytes(ex.data))
    if cert is None:
        return Outcome(ProbeStatus.PROTOCOL_ERROR, detail="no certificate in the server's flight")
    return cert


async def record_raw_certificate(
    probe: str, ip: str, port: int, ctx: ProbeContext, deadline: float, result: ProbeResult
) -> None:
    """After OpenSSL refused a handshake: add the certificate read off the wire to ``result``
    as ``tls`` evidence (flagged truncated when the byte cap cut it)."""
    raw = await read_certificate(ctx, ip, port, deadline)
    if isinstance(raw, Outcome):
        return
    result.status = ProbeStatus.TRUNCATED if raw.truncated else ProbeStatus.SUCCESS
    result.detail = f"{result.detail}; certificate read from the raw TLS 1.2 handshake"
    result.evidence.append(
        observed(
            EvidenceKind.TLS,
            ssl.DER_cert_to_PEM_cert(raw.der).encode("ascii"),
            ip,
            port,
            f"probe:{probe} raw TLS 1.2 handshake"
            + (f" (cut at {len(raw.der)} bytes)" if raw.truncated else ""),
            truncated=raw.truncated,
        )
    )
