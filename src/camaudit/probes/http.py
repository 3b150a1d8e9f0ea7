"""HTTP probe: ``GET /`` (following one same-host redirect), with bounded reads.

Evidence: the raw response (status line, headers, de-chunked body up to the byte cap).
"""

from __future__ import annotations

import asyncio
import re
import ssl
import time
from urllib.parse import urlsplit

from camaudit.errors import ScopeError
from camaudit.models import Evidence, EvidenceKind, utcnow
from camaudit.net.transport import close_quietly, open_connection, read_bounded
from camaudit.probes.base import ProbeContext, ProbeResult, ProbeStatus, Timer

_STATUS = re.compile(rb"^HTTP/\d(?:\.\d)?\s+(\d{3})")
_FATAL = (ProbeStatus.REFUSED, ProbeStatus.TIMEOUT, ProbeStatus.ERROR, ProbeStatus.OUT_OF_SCOPE)


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
        if size == 0:
            break
        start = eol + 2
        out += body[start : start + size]
        pos = start + size + 2
    return bytes(out)


def normalise_response(raw: bytes) -> bytes:
    """Head + body with chunked transfer coding removed (so titles and JSON parse)."""
    idx = raw.find(b"\r\n\r\n")
    if idx < 0:
        return raw
    head, body = raw[: idx + 4], raw[idx + 4 :]
    if re.search(rb"(?im)^transfer-encoding:\s*chunked", head):
        return head + dechunk(body)
    return raw


class HttpProbe:
    """Plain HTTP (and HTTPS with ``tls=True``) banner-and-page probe."""

    name = "http"
    default_ports: tuple[int, ...] = (80, 8080)

    def __init__(self, *, tls: bool = False, paths: tuple[str, ...] = ("/",)) -> None:
        self.tls = tls
        self.paths = paths
        if tls:
            self.name = "https"
            self.default_ports = (443,)

    def _ssl(self) -> ssl.SSLContext | None:
        if not self.tls:
            return None
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE  # we record certificates; we do not trust them
        return ctx

    async def fetch(
        self, ip: str, port: int, path: str, ctx: ProbeContext
    ) -> tuple[ProbeStatus, bytes]:
        await ctx.limiter.acquire()
        deadline = time.monotonic() + ctx.timeout
        try:
            reader, writer = await open_connection(ctx.scope, ip, port, ctx.timeout, self._ssl())
        except ScopeError as exc:
            return ProbeStatus.OUT_OF_SCOPE, str(exc).encode()
        except TimeoutError:
            return ProbeStatus.TIMEOUT, b""
        except (ConnectionRefusedError, ConnectionResetError):
            return ProbeStatus.REFUSED, b""
        except (OSError, ssl.SSLError) as exc:
            return ProbeStatus.ERROR, str(exc).encode()
        try:
            host = ip if ":" not in ip else f"[{ip}]"
            request = (
                f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUser-Agent: {ctx.user_agent}\r\n"
                "Accept: */*\r\nConnection: close\r\n\r\n"
            ).encode("ascii", "replace")
            writer.write(request)
            await asyncio.wait_for(writer.drain(), max(0.01, deadline - time.monotonic()))
            ex = await read_bounded(reader, max_bytes=ctx.max_bytes, deadline=deadline)
        except (TimeoutError, ConnectionError, OSError, ssl.SSLError):
            return ProbeStatus.NO_RESPONSE, b""
        finally:
            await close_quietly(writer)
        if not ex.data:
            return ProbeStatus.NO_RESPONSE, b""
        if not _STATUS.match(ex.data):
            return ProbeStatus.PROTOCOL_ERROR, ex.data
        if ex.truncated:
            return ProbeStatus.TRUNCATED, ex.data
        return ProbeStatus.SUCCESS, ex.data

    async def run(self, ip: str, port: int, ctx: ProbeContext) -> ProbeResult:
        timer = Timer()
        result = ProbeResult(self.name, ip, port, ProbeStatus.NO_RESPONSE)
        queue = list(self.paths)
        seen: set[str] = set()
        followed = False
        while queue:
            path = queue.pop(0)
            if path in seen:
                continue
            seen.add(path)
            status, data = await self.fetch(ip, port, path, ctx)
            if status in _FATAL:
                if not result.evidence:
                    result.status, result.detail = status, data.decode("utf-8", "replace") or None
                break
            if not data:
                continue
            kind = (
                EvidenceKind.BANNER if status is ProbeStatus.PROTOCOL_ERROR else EvidenceKind.HTTP
            )
            if kind is EvidenceKind.HTTP:
                data = normalise_response(data)
                nxt = None if followed else _same_host_redirect(data, ip, port)
                if nxt:
                    followed = True
                    queue.insert(0, nxt)
            result.evidence.append(
                Evidence(
                    kind,
                    data,
                    ip=ip,
                    port=port,
                    ts=utcnow(),
                    source=f"probe:{self.name} GET {path}",
                )
            )
            if result.status is not ProbeStatus.SUCCESS:
                result.status = status
        result.elapsed = timer.elapsed
        return result


def _same_host_redirect(data: bytes, ip: str, port: int) -> str | None:
    m = _STATUS.match(data)
    if not m or not m.group(1).startswith(b"3"):
        return None
    head = data.split(b"\r\n\r\n", 1)[0]
    loc = re.search(rb"(?im)^location:\s*(\S+)", head)
    if not loc:
        return None
    target = urlsplit(loc.group(1).decode("latin-1"))
    if target.netloc and (target.hostname != ip or target.port not in (None, port)):
        return None
    path = target.path or "/"
    return path + (f"?{target.query}" if target.query else "")
