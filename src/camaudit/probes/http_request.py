"""One bounded HTTP/1.1 (or RTSP/1.0) exchange, shared by the HTTP-speaking probes.

Connects through the scope-checked transport after the rate limiter, writes one request, and reads
one response: the head up to a blank line, then the body by ``Content-Length``, chunked coding or
EOF — all under one deadline and one byte cap. A peer that ignores ``Connection: close`` costs no
more than the length it announced.
"""

from __future__ import annotations

import asyncio
import re
import ssl
import time
from collections.abc import Sequence
from dataclasses import dataclass

from camaudit.errors import ScopeError
from camaudit.net.transport import close_quietly, open_connection, read_bounded
from camaudit.probes.base import ProbeContext, ProbeStatus

_STATUS = re.compile(rb"^(?:HTTP|RTSP)/\d(?:\.\d)?\s+(\d{3})")
_MAX_HEAD = 64 * 1024
_MAX_HEADERS = 200


@dataclass(slots=True)
class Response:
    """A parsed response. ``raw`` is head + body with any chunked coding removed."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes
    raw: bytes
    truncated: bool = False

    def header(self, name: str) -> str | None:
        lname = name.lower()
        return next((v for k, v in self.headers if k == lname), None)

    def headers_named(self, name: str) -> list[str]:
        lname = name.lower()
        return [v for k, v in self.headers if k == lname]


@dataclass(slots=True)
class Outcome:
    """Result of one exchange: a status, the response if it was HTTP, else the raw bytes."""

    status: ProbeStatus
    response: Response | None = None
    data: bytes = b""
    detail: str | None = None
    certificate: bytes | None = None  # DER of the peer certificate (TLS only)


@dataclass(slots=True)
class Request:
    """What to send. ``headers`` are extra (Host, User-Agent and Connection are added)."""

    method: str
    target: str
    headers: Sequence[tuple[str, str]] = ()
    body: bytes = b""
    protocol: str = "HTTP/1.1"
    close: bool = True

    def encode(self, ip: str, port: int, user_agent: str) -> bytes:
        host = f"[{ip}]" if ":" in ip else ip
        lines = [f"{self.method} {self.target} {self.protocol}"]
        if self.protocol.startswith("HTTP"):
            lines.append(f"Host: {host}:{port}")
        lines += [f"{k}: {v}" for k, v in self.headers]  # RTSP: CSeq right after the line
        lines.append(f"User-Agent: {user_agent}")
        if self.body or self.method in ("POST", "PUT"):
            lines.append(f"Content-Length: {len(self.body)}")
        if self.close and self.protocol.startswith("HTTP"):
            lines.append("Connection: close")
        head = "\r\n".join(lines) + "\r\n\r\n"
        return head.encode("latin-1", "replace") + self.body


def dechunk(body: bytes) -> bytes:
    """Decode a chunked body leniently (stops at the first malformed chunk; never raises)."""
    out = bytearray()
    pos = 0
    while pos < len(body):
        eol = body.find(b"\r\n", pos)
        if eol < 0:
            break
        size_txt = body[pos:eol].split(b";", 1)[0].strip()
        try:
            size = int(size_txt, 16)
        except ValueError:
            break
        if size <= 0:
            break
        start = eol + 2
        out += body[start : start + size]
        pos = start + size + 2
    return bytes(out)


def parse_head(head: bytes) -> tuple[int, list[tuple[str, str]]] | None:
    """Status code and headers (names lower-cased) of a response head, or None if not HTTP/RTSP."""
    m = _STATUS.match(head)
    if not m:
        return None
    headers: list[tuple[str, str]] = []
    for line in head.splitlines()[1:_MAX_HEADERS]:
        name, sep, value = line.partition(b":")
        if sep and name and not name[:1].isspace():
            headers.append(
                (name.strip().decode("latin-1").lower(), value.strip().decode("latin-1"))
            )
    return int(m.group(1)), headers


def _chunked_complete(body: bytearray) -> bool:
    # Trailers are not looked for: a response with trailers is read to EOF or the deadline.
    return body.endswith(b"\r\n0\r\n\r\n") or body == b"0\r\n\r\n"


def head_end(buf: bytes | bytearray, start: int = 0) -> int:
    """Index just past the blank line ending a message head (CRLF or bare LF), or -1.

    ``start``: where to begin looking (callers that append pass the previous length minus 3).
    """
    start = max(0, start)
    crlf, lf = buf.find(b"\r\n\r\n", start), buf.find(b"\n\n", start)
    ends = [i + n for i, n in ((crlf, 4), (lf, 2)) if i >= 0]
    return min(ends) if ends else -1


async def read_message(
    reader: asyncio.StreamReader, *, deadline: float, max_bytes: int
) -> tuple[bytes, bool, bool]:
    """Read one message: (bytes, truncated, complete). Never reads past ``max_bytes`` or the
    deadline; ``complete`` is false if the peer stopped (or stalled) mid-message."""
    buf = bytearray()
    cap = max_bytes
    head_cap = min(cap, _MAX_HEAD)
    scanned = 0
    while (end := head_end(buf, scanned - 3)) < 0:
        scanned = len(buf)
        ex = await read_bounded(
            reader, max_bytes=head_cap - len(buf), deadline=deadline, until=b"\n"
        )
        buf += ex.data
        if head_end(buf, scanned - 3) >= 0:
            continue
        if ex.truncated or len(buf) >= head_cap:
            return bytes(buf[:cap]), True, False
        if not ex.data or ex.timed_out:
            return bytes(buf), False, False
    head, body = bytes(buf[:end]), bytearray(buf[end:])
    parsed = parse_head(head)
    if parsed is None:
        return bytes(buf), False, True
    status, headers = parsed
    values = dict(headers)
    if status in (204, 304) or 100 <= status < 200:
        return head, False, True
    if head.startswith(b"RTSP/") and "content-length" not in values:
        return head, False, True  # RTSP: no Content-Length means no body (RFC 2326 §12.14)
    length_txt = values.get("content-length")
    chunked = "chunked" in values.get("transfer-encoding", "").lower()
    room = cap - len(head)
    if length_txt is not None and not chunked:
        try:
            length = max(0, int(length_txt))
        except ValueError:
            length = -1
        if length >= 0:
            want = min(length, room)
            while len(body) < want:
                ex = await read_bounded(reader, max_bytes=want - len(body), deadline=deadline)
                body += ex.data
                if not ex.data or ex.timed_out or ex.truncated:
                    break
            return head + bytes(body[:want]), length > room, len(body) >= length
    while len(body) <= room:
        if chunked and _chunked_complete(body):
            return head + bytes(body), False, True
        ex = await read_bounded(
            reader,
            max_bytes=room - len(body),
            deadline=deadline,
            until=b"\r\n" if chunked else None,
        )
        body += ex.data
        if ex.truncated or len(body) >= room:
            return head + bytes(body[:room]), True, False
        if not ex.data or ex.timed_out:
            return head + bytes(body), False, not chunked and not ex.timed_out
    return head + bytes(body[:room]), True, False


def to_response(data: bytes, truncated: bool) -> Response | None:
    """Parse raw bytes into a :class:`Response` (chunked body decoded), or None if not HTTP."""
    idx = head_end(data)
    head, body = (data, b"") if idx < 0 else (data[:idx], data[idx:])
    parsed = parse_head(head)
    if parsed is None:
        return None
    status, headers = parsed
    if any(k == "transfer-encoding" and "chunked" in v.lower() for k, v in headers):
        body = dechunk(body)
    return Response(status, headers, body, head + body, truncated)


def client_tls_context() -> ssl.SSLContext:
    """TLS that completes with old camera firmware: certificates are recorded, never trusted."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    try:
        ctx.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    except (ValueError, ssl.SSLError):  # pragma: no cover - depends on the OpenSSL build
        pass
    return ctx


async def connect(
    ctx: ProbeContext, ip: str, port: int, deadline: float, tls: ssl.SSLContext | None
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | Outcome:
    """Rate-limited, scope-checked connect; an :class:`Outcome` describes a failure."""
    await ctx.limiter.acquire()
    try:
        return await open_connection(
            ctx.scope, ip, port, max(0.01, deadline - time.monotonic()), tls
        )
    except ScopeError as exc:
        return Outcome(ProbeStatus.OUT_OF_SCOPE, detail=str(exc))
    except TimeoutError:
        return Outcome(ProbeStatus.TIMEOUT)
    except (ConnectionRefusedError, ConnectionResetError):
        return Outcome(ProbeStatus.REFUSED)
    except ssl.SSLError as exc:
        return Outcome(ProbeStatus.PROTOCOL_ERROR, detail=f"TLS handshake failed: {exc.reason}")
    except OSError as exc:
        return Outcome(ProbeStatus.ERROR, detail=exc.strerror or str(exc))


def peer_certificate(writer: asyncio.StreamWriter) -> bytes | None:
    """DER bytes of the peer's certificate on a TLS connection (None on plain TCP)."""
    obj = writer.get_extra_info("ssl_object")
    if not isinstance(obj, ssl.SSLObject):
        return None
    try:
        return obj.getpeercert(binary_form=True)
    except (ValueError, ssl.SSLError):
        return None


async def exchange(
    ctx: ProbeContext,
    ip: str,
    port: int,
    request: Request,
    *,
    deadline: float,
    tls: ssl.SSLContext | None = None,
) -> Outcome:
    """Connect, send ``request``, read one response. Never raises."""
    conn = await connect(ctx, ip, port, deadline, tls)
    if isinstance(conn, Outcome):
        return conn
    reader, writer = conn
    cert = peer_certificate(writer) if tls is not None else None
    try:
        writer.write(request.encode(ip, port, ctx.user_agent))
        await asyncio.wait_for(writer.drain(), max(0.01, deadline - time.monotonic()))
        data, truncated, _ = await read_message(reader, deadline=deadline, max_bytes=ctx.max_bytes)
    except (TimeoutError, ConnectionError, OSError, ssl.SSLError):
        return Outcome(ProbeStatus.NO_RESPONSE, certificate=cert)
    finally:
        await close_quietly(writer)
    return classify(data, truncated, cert)


def classify(data: bytes, truncated: bool, cert: bytes | None = None) -> Outcome:
    """Status for what a peer sent: nothing, not HTTP/RTSP, too much, or a response."""
    if not data:
        return Outcome(ProbeStatus.NO_RESPONSE, certificate=cert)
    response = to_response(data, truncated)
    if response is None:
        return Outcome(ProbeStatus.PROTOCOL_ERROR, data=data, certificate=cert)
    status = ProbeStatus.TRUNCATED if truncated else ProbeStatus.SUCCESS
    return Outcome(status, response, data, certificate=cert)
