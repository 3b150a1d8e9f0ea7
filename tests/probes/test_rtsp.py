"""RTSP OPTIONS + DESCRIBE on one connection, no credentials."""

from __future__ import annotations

import asyncio

from camaudit.models import EvidenceKind
from camaudit.probes.base import ProbeStatus
from camaudit.probes.rtsp import RtspProbe
from tests.probes.fakes import HOST, ctx, tcp_server

OPTIONS_REPLY = (
    b"RTSP/1.0 200 OK\r\nCSeq: 1\r\nServer: Rtsp Server/2.0\r\n"
    b"Public: OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN\r\n\r\n"
)
DESCRIBE_REPLY = (
    b"RTSP/1.0 401 Unauthorized\r\nCSeq: 2\r\nServer: Rtsp Server/2.0\r\n"
    b'WWW-Authenticate: Basic realm="DahuaRtsp"\r\nContent-Length: 0\r\n\r\n'
)


def rtsp_device(requests: list[bytes]):
    async def handler(reader, writer):
        try:
            for reply in (OPTIONS_REPLY, DESCRIBE_REPLY):
                requests.append(await reader.readuntil(b"\r\n\r\n"))
                writer.write(reply)
                await writer.drain()
            await asyncio.sleep(2)  # keeps the connection open, as RTSP servers do
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    return handler


def test_options_then_describe_are_recorded():
    requests: list[bytes] = []

    async def main():
        async with tcp_server(rtsp_device(requests)) as port:
            return await RtspProbe().run(HOST, port, ctx(timeout=1.0)), port

    result, port = asyncio.run(main())
    assert result.status is ProbeStatus.SUCCESS
    assert [e.kind for e in result.evidence] == [EvidenceKind.RTSP, EvidenceKind.RTSP]
    assert result.evidence[0].payload == OPTIONS_REPLY
    assert result.evidence[1].payload == DESCRIBE_REPLY
    assert result.evidence[1].source == f"probe:rtsp DESCRIBE rtsp://{HOST}:{port}/"
    assert requests[0].startswith(f"OPTIONS rtsp://{HOST}:{port}/ RTSP/1.0\r\nCSeq: 1".encode())
    assert requests[1].startswith(b"DESCRIBE ") and b"CSeq: 2" in requests[1]
    assert not any(b"Authorization" in r for r in requests)
    assert result.elapsed < 1.0  # Content-Length / blank line ended each message


def test_describe_with_sdp_body():
    sdp = b"v=0\r\na=Media_header:MEDIAINFO=494D4B48010200000400\r\n"
    reply = (
        b"RTSP/1.0 200 OK\r\nCSeq: 2\r\nContent-Type: application/sdp\r\n"
        + f"Content-Length: {len(sdp)}\r\n\r\n".encode()
        + sdp
    )

    async def handler(reader, writer):
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"RTSP/1.0 200 OK\r\nCSeq: 1\r\n\r\n")
        await reader.readuntil(b"\r\n\r\n")
        writer.write(reply)
        await writer.drain()
        await asyncio.sleep(1)

    async def main():
        async with tcp_server(handler) as port:
            return await RtspProbe().run(HOST, port, ctx())

    result = asyncio.run(main())
    assert result.evidence[1].payload.endswith(sdp)


def test_http_on_the_rtsp_port_is_still_recorded_and_non_rtsp_is_a_banner():
    async def handler(reader, writer):
        writer.write(b"220 FTP ready\r\n")
        await writer.drain()
        writer.close()

    async def main():
        async with tcp_server(handler) as port:
            return await RtspProbe().run(HOST, port, ctx())

    result = asyncio.run(main())
    assert result.status is ProbeStatus.PROTOCOL_ERROR
    assert [e.kind for e in result.evidence] == [EvidenceKind.BANNER]


def test_http_server_on_the_rtsp_port_is_not_rtsp():
    import asyncio

    from camaudit.models import EvidenceKind
    from camaudit.net.ratelimit import RateLimiter
    from camaudit.net.scope import Scope
    from camaudit.probes.base import ProbeContext, ProbeStatus
    from camaudit.probes.rtsp import RtspProbe

    async def handler(reader, writer):
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 400 Bad Request\r\nServer: nginx\r\nContent-Length: 0\r\n\r\n")
        await writer.drain()
        writer.close()

    async def main():
        server = await asyncio.start_server(handler, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server:
            ctx = ProbeContext(Scope.parse(["127.0.0.1"]), RateLimiter(0), 1.0)
            return await RtspProbe().run("127.0.0.1", port, ctx)

    result = asyncio.run(main())
    assert result.status is ProbeStatus.PROTOCOL_ERROR
    assert [e.kind for e in result.evidence] == [EvidenceKind.HTTP]
