"""The HTTP probe against small servers on loopback, including hostile ones."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import pytest

from camaudit.net.ratelimit import RateLimiter
from camaudit.net.scope import Scope
from camaudit.probes.base import ProbeContext, ProbeStatus
from camaudit.probes.http import HttpProbe, dechunk

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
HOST = "127.0.0.1"


async def serve(handler: Handler) -> tuple[asyncio.Server, int]:
    server = await asyncio.start_server(handler, HOST, 0)
    return server, server.sockets[0].getsockname()[1]


def ctx(timeout: float = 1.0, max_bytes: int = 65536, scope: str = HOST) -> ProbeContext:
    return ProbeContext(Scope.parse([scope]), RateLimiter(0), timeout, max_bytes)


async def _read_request(reader: asyncio.StreamReader) -> bytes:
    return await reader.readuntil(b"\r\n\r\n")


def run(coro):
    return asyncio.run(coro)


def test_plain_response_and_same_host_redirect():
    async def handler(reader, writer):
        req = await _read_request(reader)
        if req.startswith(b"GET / "):
            writer.write(
                b"HTTP/1.1 302 Found\r\nLocation: /doc/login.html\r\nContent-Length: 0\r\n\r\n"
            )
        else:
            writer.write(
                b"HTTP/1.1 200 OK\r\nServer: test\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n<tit\r\n9\r\nle>X</tit\r\n3\r\nle>\r\n0\r\n\r\n"
            )
        await writer.drain()
        writer.close()

    async def main():
        server, port = await serve(handler)
        async with server:
            return await HttpProbe().run(HOST, port, ctx())

    result = run(main())
    assert result.status is ProbeStatus.SUCCESS
    assert len(result.evidence) == 2
    assert result.evidence[1].source.endswith("GET /doc/login.html")
    assert result.evidence[1].payload.endswith(b"<title>X</title>")


def test_tarpit_costs_at_most_the_timeout():
    async def handler(reader, writer):
        await asyncio.sleep(30)

    async def main():
        server, port = await serve(handler)
        async with server:
            t0 = time.monotonic()
            r = await HttpProbe().run(HOST, port, ctx(timeout=0.3))
            return r, time.monotonic() - t0

    result, elapsed = run(main())
    assert result.status is ProbeStatus.NO_RESPONSE
    assert elapsed < 2.0


def test_endless_body_is_capped():
    async def handler(reader, writer):
        await _read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\n\r\n")
        try:
            while True:
                writer.write(b"A" * 65536)
                await writer.drain()
        except (ConnectionError, OSError):
            pass

    async def main():
        server, port = await serve(handler)
        async with server:
            return await HttpProbe().run(HOST, port, ctx(timeout=2.0, max_bytes=100_000))

    result = run(main())
    assert result.status is ProbeStatus.TRUNCATED
    assert len(result.evidence[0].payload) == 100_000


def test_wrong_protocol_is_kept_as_banner():
    async def handler(reader, writer):
        writer.write(b"SSH-2.0-dropbear\r\n")
        await writer.drain()
        writer.close()

    async def main():
        server, port = await serve(handler)
        async with server:
            return await HttpProbe().run(HOST, port, ctx())

    result = run(main())
    assert result.status is ProbeStatus.PROTOCOL_ERROR
    assert result.evidence[0].kind.value == "banner"


def test_refused_port():
    async def main():
        server, port = await serve(lambda r, w: asyncio.sleep(0))
        server.close()
        await server.wait_closed()
        return await HttpProbe().run(HOST, port, ctx())

    assert run(main()).status is ProbeStatus.REFUSED


def test_out_of_scope_address_is_never_contacted():
    hits = []

    async def handler(reader, writer):
        hits.append(1)
        writer.close()

    async def main():
        server, port = await serve(handler)
        async with server:
            return await HttpProbe().run(HOST, port, ctx(scope="127.0.0.2"))

    result = run(main())
    assert result.status is ProbeStatus.OUT_OF_SCOPE
    assert "outside the scan scope" in (result.detail or "")
    assert hits == []


@pytest.mark.parametrize(
    "body, expect",
    [(b"3\r\nabc\r\n0\r\n\r\n", b"abc"), (b"zz\r\nabc", b""), (b"5\r\nab", b"ab"), (b"", b"")],
)
def test_dechunk_is_lenient(body, expect):
    assert dechunk(body) == expect
