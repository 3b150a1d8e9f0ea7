"""Small fake devices on loopback for the probe tests: TCP handlers, UDP responders, hostiles."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

from camaudit.net.credentials import CredentialStore
from camaudit.net.ratelimit import RateLimiter
from camaudit.net.scope import Scope
from camaudit.probes.base import ProbeContext

HOST = "127.0.0.1"
Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
UdpReply = Callable[[bytes, tuple[str, int]], list[bytes]]


def ctx(
    timeout: float = 1.0,
    max_bytes: int = 65536,
    scope: str = HOST,
    credentials: CredentialStore | None = None,
) -> ProbeContext:
    return ProbeContext(
        Scope.parse([scope]), RateLimiter(0), timeout, max_bytes, credentials=credentials
    )


@contextlib.asynccontextmanager
async def tcp_server(
    handler: Handler, host: str = HOST, tls: object | None = None
) -> AsyncIterator[int]:
    server = await asyncio.start_server(handler, host, 0, ssl=tls)  # type: ignore[arg-type]
    async with server:
        yield server.sockets[0].getsockname()[1]
        server.close()


async def read_head(reader: asyncio.StreamReader) -> bytes:
    """The request head (up to the blank line), plus a Content-Length body if any."""
    head = await reader.readuntil(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            n = int(line.split(b":", 1)[1])
            if n:
                head += await reader.readexactly(n)
    return head


def http_responder(routes: Callable[[bytes], bytes], seen: list[bytes] | None = None) -> Handler:
    """A handler answering each request (one per connection) with ``routes(request)``."""

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            req = await read_head(reader)
            if seen is not None:
                seen.append(req)
            writer.write(routes(req))
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    return handler


def response(status: str, headers: dict[str, str] | None = None, body: bytes = b"") -> bytes:
    lines = [f"HTTP/1.1 {status}"] + [f"{k}: {v}" for k, v in (headers or {}).items()]
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


# --------------------------------------------------------------------------------------- hostile
async def tarpit(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Accepts, never answers."""
    with contextlib.suppress(Exception):
        await asyncio.sleep(30)


async def endless(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Answers with an endless stream (header-shaped first, then filler)."""
    with contextlib.suppress(Exception):
        writer.write(b"HTTP/1.1 200 OK\r\nServer: endless\r\n\r\n")
        while True:
            writer.write(b"A" * 65536)
            await writer.drain()


async def endless_header(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """A head that never ends."""
    with contextlib.suppress(Exception):
        writer.write(b"RTSP/1.0 200 OK\r\n")
        while True:
            writer.write(b"X-Filler: " + b"B" * 1000 + b"\r\n")
            await writer.drain()


async def garbage(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(Exception):
        writer.write(bytes(range(256)) * 8)
        await writer.drain()
        writer.close()


async def reset(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Closes with a RST (SO_LINGER 0)."""
    import socket
    import struct

    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


async def slow_drip(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """One byte every 20 ms, forever."""
    with contextlib.suppress(Exception):
        while True:
            writer.write(b"x")
            await writer.drain()
            await asyncio.sleep(0.02)


HOSTILE_TCP: dict[str, Handler] = {
    "tarpit": tarpit,
    "endless": endless,
    "endless_header": endless_header,
    "garbage": garbage,
    "reset": reset,
    "slow_drip": slow_drip,
}


# ------------------------------------------------------------------------------------------- UDP
@dataclass
class UdpFake(asyncio.DatagramProtocol):
    """A UDP responder: ``reply(data, addr)`` gives the datagrams to send back."""

    reply: UdpReply
    received: list[bytes] = field(default_factory=list)
    transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.received.append(data)
        assert self.transport is not None
        for out in self.reply(data, addr):
            with contextlib.suppress(OSError):
                self.transport.sendto(out, addr)


@contextlib.asynccontextmanager
async def udp_server(reply: UdpReply, host: str = HOST) -> AsyncIterator[tuple[int, UdpFake]]:
    loop = asyncio.get_running_loop()
    transport, proto = await loop.create_datagram_endpoint(
        lambda: UdpFake(reply), local_addr=(host, 0)
    )
    try:
        yield transport.get_extra_info("sockname")[1], proto
    finally:
        transport.close()


def udp_flood(data: bytes, addr: tuple[str, int]) -> list[bytes]:
    """5000 replies per request."""
    return [b"flood" * 100] * 5000


def udp_huge(data: bytes, addr: tuple[str, int]) -> list[bytes]:
    return [b"Z" * 65000]


def udp_garbage(data: bytes, addr: tuple[str, int]) -> list[bytes]:
    return [bytes(range(256)) * 4, b"\xff" * 3, b""]


def udp_silent(data: bytes, addr: tuple[str, int]) -> list[bytes]:
    return []


HOSTILE_UDP: dict[str, UdpReply] = {
    "flood": udp_flood,
    "huge": udp_huge,
    "garbage": udp_garbage,
    "silent": udp_silent,
}


# ------------------------------------------------------------------------------------------- TLS
def server_tls_context(tmp_dir: str, subject: dict[str, str]) -> tuple[object, bytes]:
    """An ``ssl.SSLContext`` serving a fresh self-signed certificate with ``subject``; and its DER."""
    import datetime
    import ssl
    from pathlib import Path

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    oids = {
        "C": NameOID.COUNTRY_NAME,
        "ST": NameOID.STATE_OR_PROVINCE_NAME,
        "L": NameOID.LOCALITY_NAME,
        "O": NameOID.ORGANIZATION_NAME,
        "OU": NameOID.ORGANIZATIONAL_UNIT_NAME,
        "CN": NameOID.COMMON_NAME,
    }
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(oids[k], v) for k, v in subject.items()])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = Path(tmp_dir) / "cert.pem", Path(tmp_dir) / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert_path, key_path)
    return ctx, cert.public_bytes(serialization.Encoding.DER)


# ---------------------------------------------------------------------------------- Digest gate
@dataclass
class DigestGate:
    """Server-side Digest check (the lab's independent verifier) with a fixed nonce."""

    username: str
    password: str
    realm: str = "IP Camera(C2189)"
    algorithm: str | None = None
    nonce: str = "4e5a4e5a4e5a4e5a"
    attempts: list[bytes] = field(default_factory=list)

    def challenge(self, stale: bool = False) -> str:
        alg = f", algorithm={self.algorithm}" if self.algorithm else ""
        extra = ', stale="TRUE"' if stale else ""
        return f'Digest qop="auth", realm="{self.realm}", nonce="{self.nonce}"{alg}{extra}'

    def authorised(self, request: bytes) -> bool:
        from camaudit.lab.digest import parse_authorization, verify_digest

        head = request.split(b"\r\n\r\n", 1)[0].decode("latin-1")
        lines = head.split("\r\n")
        method, target, _ = lines[0].split(" ", 2)
        auth = next(
            (h.split(":", 1)[1].strip() for h in lines if h.lower().startswith("authorization:")),
            None,
        )
        if auth is None:
            return False
        self.attempts.append(request)
        scheme, params = parse_authorization(auth)
        if scheme != "digest" or not isinstance(params, dict) or params.get("nonce") != self.nonce:
            return False
        return verify_digest(
            params,
            method=method,
            target=target,
            username=self.username,
            password=self.password,
            realm=self.realm,
        )


# ------------------------------------------------------------------------------------- multicast
@contextlib.asynccontextmanager
async def multicast_group(
    group: str, reply: UdpReply, repliers: tuple[str, ...]
) -> AsyncIterator[tuple[int, list[bytes]]]:
    """A member of ``group`` on loopback; each datagram is answered from every ``repliers``
    address. Yields (port, received); skips the test where loopback multicast is unavailable."""
    import socket

    import pytest

    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    senders: list[socket.socket] = []
    try:
        receiver.bind(("", 0))
        mreq = socket.inet_aton(group) + socket.inet_aton(HOST)
        receiver.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
    except OSError:
        receiver.close()
        pytest.skip("loopback multicast is not available here")
    receiver.setblocking(False)
    for ip in repliers:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((ip, 0))
        senders.append(s)
    received: list[bytes] = []

    async def serve() -> None:
        loop = asyncio.get_running_loop()
        while True:
            data, addr = await loop.sock_recvfrom(receiver, 65535)
            received.append(data)
            for s in senders:
                for out in reply(data, addr):
                    s.sendto(out, addr)

    task = asyncio.create_task(serve())
    try:
        yield receiver.getsockname()[1], received
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        for s in (receiver, *senders):
            s.close()


_subnet_counter = iter(range(1, 1 << 30))


def own_subnet() -> str:
    """A /24 for a lab fleet that other test processes running at the same time will not pick:
    127.(200 + xdist worker).(pid and a counter).0/24."""
    import os

    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").lstrip("gw") or "0"
    third = (os.getpid() * 7 + next(_subnet_counter)) % 250 + 1
    return f"127.{200 + int(worker) % 50}.{third}.0/24"
