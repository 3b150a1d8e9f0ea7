"""HTTP/1.1 messages for the lab: request parsing (strict, bounded) and response bytes.

Parsing is deliberately strict: the lab must survive hostile probes, not be liberal with them.
Anything odd raises :class:`HttpParseError` with the status the server should answer with.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from http import HTTPStatus
from urllib.parse import parse_qsl, urlsplit

_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
_VERSION = re.compile(r"^HTTP/1\.[01]$")
_TARGET_OK = re.compile(r"^[\x21-\x7e]+$")


class HttpParseError(Exception):
    """The request cannot be served; ``status`` is the answer (400, 413, 431, 501...)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(slots=True)
class HttpRequest:
    """One parsed request. Header names keep their case; lookups ignore it."""

    method: str
    target: str
    version: str
    headers: list[tuple[str, str]]
    path: str = ""
    query: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    peer: str = ""

    def header(self, name: str) -> str | None:
        """First value of header ``name`` (case-insensitive), or None."""
        lname = name.lower()
        for key, value in self.headers:
            if key.lower() == lname:
                return value
        return None

    def header_values(self, name: str) -> list[str]:
        lname = name.lower()
        return [value for key, value in self.headers if key.lower() == lname]

    @property
    def keep_alive(self) -> bool:
        tokens = {t.strip().lower() for t in (self.header("Connection") or "").split(",")}
        if self.version == "HTTP/1.0":
            return "keep-alive" in tokens
        return "close" not in tokens


@dataclass(slots=True)
class HttpResponse:
    """A response to send. ``stream`` (if set) is written after the head, then the socket closes."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    reason: str | None = None
    close: bool = False
    stream: AsyncIterator[bytes] | None = None
    version: str | None = None  # status-line version; None means HTTP/1.1

    def header(self, name: str) -> str | None:
        lname = name.lower()
        for key, value in self.headers:
            if key.lower() == lname:
                return value
        return None

    @property
    def wants_close(self) -> bool:
        """The response itself says the connection ends (flag or a Connection: close header)."""
        return self.close or "close" in (self.header("Connection") or "").lower()


def reason_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def parse_head(data: bytes, *, max_headers: int = 100) -> HttpRequest:
    """Parse a request line and header block (terminated by an empty line, which may be absent)."""
    try:
        text = data.decode("latin-1")
    except UnicodeDecodeError as exc:  # pragma: no cover - latin-1 decodes every byte
        raise HttpParseError(400, "undecodable request head") from exc
    lines = text.split("\r\n")
    while lines and lines[-1] == "":
        lines.pop()
    if not lines:
        raise HttpParseError(400, "empty request")
    parts = lines[0].split(" ")
    if len(parts) != 3:
        raise HttpParseError(400, "malformed request line")
    method, target, version = parts
    if not _TOKEN.match(method):
        raise HttpParseError(400, "malformed method")
    if not _VERSION.match(version):
        if version.startswith("HTTP/"):
            raise HttpParseError(505, "unsupported HTTP version")
        raise HttpParseError(400, "malformed HTTP version")
    if not _TARGET_OK.match(target):
        raise HttpParseError(400, "malformed request target")
    headers = parse_header_lines(lines[1:], max_headers=max_headers)
    request = HttpRequest(method=method, target=target, version=version, headers=headers)
    _split_target(request)
    return request


def parse_header_lines(lines: list[str], *, max_headers: int) -> list[tuple[str, str]]:
    """``Name: value`` lines (HTTP and RTSP share the syntax); HttpParseError when malformed."""
    headers: list[tuple[str, str]] = []
    for line in lines:
        if len(headers) >= max_headers:
            raise HttpParseError(431, "too many header fields")
        if line[:1] in (" ", "\t"):
            raise HttpParseError(400, "obsolete header line folding")
        name, sep, value = line.partition(":")
        if not sep or not _TOKEN.match(name):
            raise HttpParseError(400, "malformed header field")
        if "\n" in value or "\r" in value or "\x00" in value:
            raise HttpParseError(400, "control character in header value")
        headers.append((name, value.strip(" \t")))
    return headers


def is_token(value: str) -> bool:
    return bool(_TOKEN.match(value))


def _split_target(request: HttpRequest) -> None:
    target = request.target
    if target == "*":
        request.path = "*"
        return
    if target.startswith("/"):
        path, _, query = target.partition("?")
    elif target.lower().startswith(("http://", "https://")):
        parts = urlsplit(target)
        path, query = parts.path or "/", parts.query
    else:
        raise HttpParseError(400, "unsupported request-target form")
    request.path = path.partition("#")[0]
    request.query = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        request.query.setdefault(key, value)


def body_length(request: HttpRequest, *, max_body: int) -> int:
    """How many body bytes follow the head; raise HttpParseError if unusable or too big."""
    if request.header("Transfer-Encoding") is not None:
        raise HttpParseError(501, "Transfer-Encoding in requests is not supported")
    values = request.header_values("Content-Length")
    if not values:
        return 0
    if len(set(values)) != 1 or not values[0].isdigit() or len(values[0]) > 12:
        raise HttpParseError(400, "invalid Content-Length")
    length = int(values[0])
    if length > max_body:
        raise HttpParseError(413, "request body too large")
    return length


def _clean(value: str) -> str:
    """Header values never carry CR, LF or NUL (no response splitting from templates)."""
    return value.replace("\r", " ").replace("\n", " ").replace("\x00", "")


def serialize_head(
    response: HttpResponse, *, content_length: int | None, keep_alive: bool
) -> bytes:
    """Status line and headers, adding Content-Length and Connection when not already set.

    A ``Content-Length: auto`` header gets the real length in place (personas use it to put
    the header where, and spelled as, the real device does)."""
    reason = response.reason if response.reason is not None else reason_phrase(response.status)
    lines = [f"{response.version or 'HTTP/1.1'} {response.status} {_clean(reason)}"]
    names = set()
    for name, value in response.headers:
        lname = name.lower()
        if lname == "content-length" and value == "auto":
            if content_length is None:
                continue
            value = str(content_length)
        names.add(lname)
        lines.append(f"{name}: {_clean(value)}")
    if content_length is not None and "content-length" not in names:
        lines.append(f"Content-Length: {content_length}")
    if "connection" not in names:
        lines.append("Connection: keep-alive" if keep_alive else "Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", errors="replace")


def error_response(status: int, message: str) -> HttpResponse:
    """A generic, persona-independent error answer (used only for unparseable requests)."""
    phrase = reason_phrase(status)
    body = (
        f"<html><head><title>{status} {phrase}</title></head>"
        f"<body><h1>{status} {phrase}</h1><p>{message}</p></body></html>\n"
    ).encode("ascii", errors="replace")
    return HttpResponse(
        status=status,
        headers=[("Content-Type", "text/html")],
        body=body,
        close=True,
    )
