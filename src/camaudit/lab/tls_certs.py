"""Vendor-style TLS certificates for the lab, built with ``cryptography`` when first needed.

Costs measured on the 2-core build machine: an RSA-2048 key takes ~80 ms, signing one
certificate ~0.3 ms, loading it into an ``ssl.SSLContext`` ~1 ms and ~20 KB. So the lab makes
one key per persona (and one per persona issuer, for CA-signed styles such as Dahua's), one
certificate per device on its first TLS handshake (cached as PEM, about 1 KB), and keeps only
the ``tls_contexts`` most recently used contexts; an evicted context is rebuilt from the cached
PEM. Keys live only in memory for the life of the lab: certificates change between runs, their
subjects and issuers do not.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import ipaddress
import shutil
import ssl
import tempfile
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from camaudit.errors import LabError
from camaudit.lab.templates import render
from camaudit.lab.tls_spec import TlsSpec, is_date

if TYPE_CHECKING:
    from camaudit.lab.base import ServiceContext

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
_OIDS = {
    "CN": NameOID.COMMON_NAME,
    "OU": NameOID.ORGANIZATIONAL_UNIT_NAME,
    "O": NameOID.ORGANIZATION_NAME,
    "L": NameOID.LOCALITY_NAME,
    "ST": NameOID.STATE_OR_PROVINCE_NAME,
    "C": NameOID.COUNTRY_NAME,
    "emailAddress": NameOID.EMAIL_ADDRESS,
    "serialNumber": NameOID.SERIAL_NUMBER,
}


def generate_key(kind: str) -> PrivateKey:
    if kind == "ec256":
        return ec.generate_private_key(ec.SECP256R1())
    return rsa.generate_private_key(
        public_exponent=65537, key_size=1024 if kind == "rsa1024" else 2048
    )


def build_name(entries: tuple[tuple[str, str], ...], context: dict[str, str]) -> x509.Name:
    """An X.509 name from display-order entries (``CN`` first), encoded most general first."""
    attributes = []
    for attr, template in reversed(entries):
        value = render(template, context)
        if attr == "C" and len(value) != 2:
            raise LabError(f"certificate country must have 2 letters, got {value!r}")
        attributes.append(x509.NameAttribute(_OIDS[attr], value))
    return x509.Name(attributes)


def build_certificate(
    spec: TlsSpec,
    context: dict[str, str],
    key: PrivateKey,
    issuer_key: PrivateKey | None = None,
) -> x509.Certificate:
    """The device certificate: subject and issuer per the persona, signed by ``issuer_key``
    (or self-signed)."""
    subject = build_name(spec.subject, context)
    issuer = subject if spec.issuer is None else build_name(spec.issuer, context)
    start_text = render(spec.not_before, context)
    if not is_date(start_text):
        raise LabError(f"certificate not_before renders to {start_text!r}, not YYYY-MM-DD")
    start = dt.datetime.strptime(start_text, "%Y-%m-%d").replace(tzinfo=dt.UTC)
    seed = f"{context.get('serial', '')}|{context.get('mac', '')}".encode()
    serial = int.from_bytes(hashlib.sha256(seed).digest()[:8], "big") >> 1 or 1
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=spec.valid_days))
        .add_extension(x509.BasicConstraints(ca=spec.issuer is None, path_length=None), True)
    )
    if spec.san_ip and context.get("ip"):
        address = ipaddress.ip_address(context["ip"])
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(address)]), False
        )
    return builder.sign(issuer_key or key, hashes.SHA256())


class TlsStore:
    """Keys per persona, certificate PEM per device, a bounded cache of server contexts."""

    def __init__(self, max_contexts: int = 256) -> None:
        self.max_contexts = max_contexts
        self._keys: dict[str, PrivateKey] = {}
        self._key_locks: dict[str, asyncio.Lock] = {}
        self._pem: dict[str, bytes] = {}
        self._contexts: OrderedDict[str, ssl.SSLContext] = OrderedDict()
        self._dir: Path | None = None

    @property
    def cached_contexts(self) -> int:
        return len(self._contexts)

    async def _key(self, name: str, kind: str) -> PrivateKey:
        key = self._keys.get(name)
        if key is not None:
            return key
        lock = self._key_locks.setdefault(name, asyncio.Lock())
        async with lock:
            if name not in self._keys:
                loop = asyncio.get_running_loop()
                self._keys[name] = await loop.run_in_executor(None, generate_key, kind)
        return self._keys[name]

    async def certificate_pem(self, ctx: ServiceContext, spec: TlsSpec) -> bytes:
        """The device's certificate (PEM), built once per device."""
        pem = self._pem.get(ctx.ip)
        if pem is None:
            key = await self._key(ctx.persona.id, spec.key)
            issuer_key = None
            if spec.issuer is not None:
                issuer_key = await self._key(f"{ctx.persona.id}#issuer", spec.key)
            cert = build_certificate(spec, ctx.context, key, issuer_key)
            pem = cert.public_bytes(serialization.Encoding.PEM)
            self._pem[ctx.ip] = pem
        return pem

    async def server_context(self, ctx: ServiceContext, spec: TlsSpec) -> ssl.SSLContext:
        """A server-side context presenting the device's certificate (LRU-cached)."""
        cached = self._contexts.get(ctx.ip)
        if cached is not None:
            self._contexts.move_to_end(ctx.ip)
            return cached
        cert_pem = await self.certificate_pem(ctx, spec)
        key = await self._key(ctx.persona.id, spec.key)
        key_pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        if self._dir is None:
            self._dir = Path(tempfile.mkdtemp(prefix="camaudit-lab-tls-"))
        path = self._dir / f"{ctx.ip}.pem"  # ssl loads chains from files only; removed at once
        try:
            path.write_bytes(cert_pem + key_pem)
            path.chmod(0o600)
            context.load_cert_chain(path)
        finally:
            path.unlink(missing_ok=True)
        self._contexts[ctx.ip] = context
        while len(self._contexts) > self.max_contexts:
            self._contexts.popitem(last=False)
        return context

    def close(self) -> None:
        self._contexts.clear()
        if self._dir is not None:
            with contextlib.suppress(OSError):
                shutil.rmtree(self._dir)
            self._dir = None
