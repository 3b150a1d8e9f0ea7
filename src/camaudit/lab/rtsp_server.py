"""RTSP/1.0 for the emulated devices: OPTIONS, DESCRIBE (with the persona's SDP), auth per vendor.

No media is ever sent: SETUP answers 461 (unsupported transport) and the session methods 454.
Requests are bounded (head size, header count, body size, requests per connection) and every
wait has a timeout; an unparseable request gets ``400`` and the connection is closed.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
import time
from email.utils import formatdate

from camaudit.lab.base import ListeningService, ServiceContext, tcp_listener
from camaudit.lab.digest import (
    NonceFactory,
    NonceStatus,
    parse_authorization,
    verify_basic,
    verify_digest,
)
from camaudit.lab.http_messages import HttpParseError, is_token, parse_header_lines
from camaudit.lab.rtsp_spec import RtspSpec
from camaudit.lab.spec_parsing import is_enabled
from camaudit.lab.templates import render

logger = logging.getLogger(__name__)
REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Request Entity Too Large",
    454: "Session Not Found",
    461: "Unsupported transport",
    505: "RTSP Version not supported",
}
SESSION_METHODS = frozenset(
    {"PLAY", "PAUSE", "TEARDOWN", "GET_PARAMETER", "SET_PARAMETER", "RECORD"}
)
MAX_BODY = 4096
_URL = re.compile(r"^(?:rtsp://[^/\s]*)?(?P<path>/[^\s?#]*)?(?:\?[^\s#]*)?$", re.IGNORECASE)
_CSEQ = re.compile(r"^\d{1,10}$")


class RtspRequest:
    """One parsed RTSP request."""

    def __init__(self, method: str, url: str, headers: list[tuple[str, str]]) -> None:
        self.method = method
        self.url = url
        self.headers = headers
        match = _URL.match(url)
        self.path = (match.group("path") or "/") if match else ""

    def header(self, name: str) -> str | None:
        lname = name.lower()
        return next((v for k, v in self.headers if k.lower() == lname), None)


def parse_rtsp_head(data: bytes, *, max_headers: int = 64) -> RtspRequest:
    """Parse an RTSP request head; HttpParseError (status 400/505) when unusable."""
    lines = data.decode("latin-1").split("\r\n")
    while lines and lines[-1] == "":
        lines.pop()
    if not lines:
        raise HttpParseError(400, "empty request")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not is_token(parts[0]) or not parts[1].isprintable():
        raise HttpParseError(400, "malformed request line")
    method, url, version = parts
    if version != "RTSP/1.0":
        raise HttpParseError(505 if version.startswith("RTSP/") else 400, "unsupported version")
    if url != "*" and not _URL.match(url):
        raise HttpParseError(400, "malformed request URL")
    return RtspRequest(method, url, parse_header_lines(lines[1:], max_headers=max_headers))


class RtspService(ListeningService):
    """An RTSP listener for one device on one address and port."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        self.spec: RtspSpec = ctx.persona.spec("rtsp", RtspSpec)
        self.base = ctx.context
        self.realm = render(self.spec.realm, self.base)
        lifetime = ctx.settings.nonce_lifetime or 300.0
        self.nonces = NonceFactory(
            ctx.secret, f"{ctx.ip}:{ctx.port}:rtsp", self.spec.nonce_style, lifetime
        )
        self.public = render(self.spec.public, self.base)
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        sock = tcp_listener(self.ctx.ip, self.ctx.port, self.ctx.settings.backlog)
        self._server = await asyncio.start_server(
            self._on_connection, sock=sock, limit=self.ctx.settings.http_max_head
        )

    async def _on_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        task = self.ctx.tracker.add_current()
        try:
            await self._serve(reader, writer)
        except (ConnectionError, TimeoutError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        except Exception:  # a persona bug must not kill the lab
            logger.exception("lab RTSP %s:%s: error while serving", self.ctx.ip, self.ctx.port)
        finally:
            self.ctx.tracker.discard(task)
            writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        settings = self.ctx.settings
        for _ in range(settings.rtsp_max_requests):
            try:
                async with asyncio.timeout(settings.line_timeout):
                    head = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.LimitOverrunError, asyncio.IncompleteReadError, TimeoutError):
                return
            try:
                request = parse_rtsp_head(head, max_headers=settings.http_max_headers)
                length = self._body_length(request)
            except HttpParseError as exc:
                await self._send(writer, self._answer(exc.status, None), settings.write_timeout)
                return
            if length:
                async with asyncio.timeout(settings.line_timeout):
                    await reader.readexactly(length)
            await self._send(writer, self.respond(request), settings.write_timeout)

    @staticmethod
    def _body_length(request: RtspRequest) -> int:
        value = request.header("Content-Length")
        if value is None:
            return 0
        if not value.isdigit() or len(value) > 6:
            raise HttpParseError(400, "bad Content-Length")
        if int(value) > MAX_BODY:
            raise HttpParseError(413, "body too large")
        return int(value)

    @staticmethod
    async def _send(writer: asyncio.StreamWriter, data: bytes, timeout: float) -> None:
        writer.write(data)
        async with asyncio.timeout(timeout):
            await writer.drain()

    # -- protocol -----------------------------------------------------------------------------

    def respond(self, request: RtspRequest) -> bytes:
        """The answer to one request (bytes on the wire)."""
        cseq = request.header("CSeq")
        cseq = cseq if cseq is not None and _CSEQ.match(cseq) else None
        method = request.method
        if method == "OPTIONS":
            if self.spec.options_auth and not self._authorized(request):
                return self._unauthorized(cseq)
            return self._answer(200, cseq, [("Public", self.public)])
        allowed = {m.strip() for m in self.public.split(",")}
        if method not in allowed:
            return self._answer(405, cseq, [("Allow", self.public)])
        status = self._auth_status(request)
        if status is not NonceStatus.VALID:
            return self._unauthorized(cseq, stale=status is NonceStatus.STALE)
        if method == "DESCRIBE":
            return self._describe(request, cseq)
        if method == "SETUP":
            return self._answer(461, cseq)
        if method in SESSION_METHODS:
            return self._answer(454, cseq)
        return self._answer(405, cseq, [("Allow", self.public)])

    def _known_path(self, path: str) -> bool:
        clean = path.rstrip("/") or "/"
        return any(
            clean == p.rstrip("/") or clean.startswith(p.rstrip("/") + "/") for p in self.spec.paths
        )

    def _describe(self, request: RtspRequest, cseq: str | None) -> bytes:
        if not self._known_path(request.path):
            return self._answer(404, cseq)
        url = request.url
        context = {
            **self.base,
            "url": url,
            "path": request.path,
            "session_id": str(secrets.randbelow(10**15) + 10**15),
            "epoch": str(int(time.time())),
        }
        sdp = render(self.spec.sdp, context).replace("\r\n", "\n").replace("\n", "\r\n")
        base = url if url.endswith("/") else url + "/"
        headers = [("Content-Type", "application/sdp"), ("Content-Base", base)]
        return self._answer(200, cseq, headers, sdp.encode("utf-8"))

    def _authorized(self, request: RtspRequest) -> bool:
        return self._auth_status(request) is NonceStatus.VALID

    def _auth_status(self, request: RtspRequest) -> NonceStatus:
        header = request.header("Authorization")
        if not header:
            return NonceStatus.INVALID
        device = self.ctx.device
        scheme, params = parse_authorization(header)
        if scheme == "digest" and self.spec.auth in ("digest", "any") and isinstance(params, dict):
            status = self.nonces.check(params.get("nonce", ""))
            good = status is not NonceStatus.INVALID and verify_digest(
                params,
                method=request.method,
                target=request.url,
                username=device.username,
                password=device.password,
                realm=self.realm,
            )
            return status if good else NonceStatus.INVALID
        if scheme == "basic" and self.spec.auth in ("basic", "any") and isinstance(params, str):
            good = verify_basic(params, username=device.username, password=device.password)
            return NonceStatus.VALID if good else NonceStatus.INVALID
        return NonceStatus.INVALID

    def _unauthorized(self, cseq: str | None, *, stale: bool = False) -> bytes:
        context = {
            **self.base,
            "realm": self.realm,
            "nonce": self.nonces.make(),
            "stale": "TRUE" if stale else "FALSE",
        }
        challenges = [
            render(template, context)
            for _, template, when in self.spec.challenges
            if is_enabled(when, context)
        ]
        headers = [("WWW-Authenticate", c) for c in challenges if c]
        body = render(self.spec.unauthorized_body, context).encode()
        return self._answer(401, cseq, headers, body)

    def _answer(
        self,
        status: int,
        cseq: str | None,
        extra: list[tuple[str, str]] | None = None,
        body: bytes = b"",
    ) -> bytes:
        context = {**self.base, "date_http": formatdate(usegmt=True), "cseq": cseq or ""}
        lines = [f"RTSP/1.0 {status} {REASONS.get(status, 'Error')}"]
        if cseq is not None:
            lines.append(f"CSeq: {cseq}")
        for name, template, when in self.spec.headers:
            value = render(template, context) if is_enabled(when, context) else ""
            if value:
                lines.append(f"{name}: {value}")
        lines += [f"{name}: {value}" for name, value in extra or []]
        if body or status != 200:
            lines.append(f"Content-Length: {len(body)}")
        clean = [line.replace("\r", " ").replace("\n", " ") for line in lines]
        return ("\r\n".join(clean) + "\r\n\r\n").encode("latin-1", errors="replace") + body


async def start(ctx: ServiceContext) -> RtspService:
    """Bind and start the RTSP server for one device endpoint."""
    service = RtspService(ctx)
    await service.start()
    return service
