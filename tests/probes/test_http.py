"""The HTTP(S) probe against small servers on loopback, including hostile ones."""

from __future__ import annotations

import asyncio
import hashlib
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from camaudit.models import EvidenceKind
from camaudit.probes.base import ProbeStatus
from camaudit.probes.http import VENDOR_REQUESTS, HttpProbe, HttpsProbe, dechunk
from camaudit.probes.http_request import read_message, to_response
from tests.probes.fakes import (
    HOST,
    ctx,
    http_responder,
    read_head,
    response,
    server_tls_context,
    tcp_server,
)

PAGE_ONLY = HttpProbe(favicon=False, vendor_requests=())


def run(coro):
    return asyncio.run(coro)


def test_plain_response_and_same_host_redirect():
    async def handler(reader, writer):
        req = await read_head(reader)
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
        async with tcp_server(handler) as port:
            return await PAGE_ONLY.run(HOST, port, ctx())

    result = run(main())
    assert result.status is ProbeStatus.SUCCESS
    assert len(result.evidence) == 2
    assert result.evidence[1].source.endswith("GET /doc/login.html")
    assert result.evidence[1].payload.endswith(b"<title>X</title>")


def test_redirect_to_another_host_or_scheme_is_not_followed():
    seen: list[bytes] = []

    def routes(req: bytes) -> bytes:
        return response("302 Found", {"Location": "https://127.0.0.1/x"})

    async def main():
        async with tcp_server(http_responder(routes, seen)) as port:
            return await PAGE_ONLY.run(HOST, port, ctx())

    result = run(main())
    assert len(seen) == 1 and len(result.evidence) == 1


def test_favicon_md5_and_vendor_paths():
    icon = b"\x00\x00\x01\x00" + bytes(range(200))
    seen: list[bytes] = []

    def routes(req: bytes) -> bytes:
        line = req.split(b"\r\n", 1)[0]
        if line.startswith(b"GET / "):
            return response("200 OK", {"Server": "App-webs/"}, b"<html><title>x</title></html>")
        if b"/favicon.ico" in line:
            return response("200 OK", {"Content-Type": "image/x-icon"}, icon)
        if b"/ISAPI/System/deviceInfo" in line:
            return response(
                "401 Unauthorized",
                {"WWW-Authenticate": 'Digest qop="auth", realm="IP Camera(FG513)", nonce="ab"'},
            )
        if b"basicdeviceinfo" in line:
            return response("200 OK", {"Content-Type": "application/json"}, b'{"apiVersion":"1.0"}')
        return response("404 Not Found")

    async def main():
        async with tcp_server(http_responder(routes, seen)) as port:
            return await HttpProbe().run(HOST, port, ctx())

    result = run(main())
    assert result.status is ProbeStatus.SUCCESS
    assert len(seen) == 2 + len(VENDOR_REQUESTS)
    sources = [e.source for e in result.evidence]
    assert "probe:http GET /favicon.ico (md5)" in sources
    favicon = next(e for e in result.evidence if e.source.endswith("(md5)"))
    assert favicon.payload == hashlib.md5(icon).hexdigest().encode()
    assert "probe:http GET /ISAPI/System/deviceInfo" in sources
    assert "probe:http POST /axis-cgi/basicdeviceinfo.cgi" in sources
    assert not any("LAPI" in s for s in sources)  # 404s are not recorded
    axis = next(r for r in seen if b"basicdeviceinfo" in r)
    assert axis.endswith(b'{"apiVersion":"1.0","method":"getAllUnrestrictedProperties"}')


def test_unauthenticated_vendor_document_is_recorded_in_its_own_kind():
    info = b'<?xml version="1.0"?><DeviceInfo><model>DS-2CD2143G2-I</model></DeviceInfo>'

    def routes(req: bytes) -> bytes:
        if b"/ISAPI/System/deviceInfo" in req.split(b"\r\n", 1)[0]:
            return response("200 OK", {"Content-Type": "application/xml"}, info)
        return response("200 OK", body=b"<html></html>")

    async def main():
        async with tcp_server(http_responder(routes)) as port:
            return await HttpProbe(favicon=False).run(HOST, port, ctx())

    result = run(main())
    isapi = [e for e in result.evidence if e.kind is EvidenceKind.ISAPI]
    assert [e.payload for e in isapi] == [info]


def test_html_favicon_is_not_hashed():
    def routes(req: bytes) -> bytes:
        return response("200 OK", body=b"  <html>same page for every path</html>")

    async def main():
        async with tcp_server(http_responder(routes)) as port:
            return await HttpProbe(vendor_requests=()).run(HOST, port, ctx())

    result = run(main())
    assert not any("(md5)" in (e.source or "") for e in result.evidence)


def test_https_records_the_certificate(tmp_path):
    tls, der = server_tls_context(
        str(tmp_path), {"C": "CN", "O": "HIKVISION", "OU": "DVRNVR", "CN": "www.hikvision.com"}
    )

    async def main():
        async with tcp_server(
            http_responder(lambda r: response("200 OK", body=b"hi")), tls=tls
        ) as port:
            return await HttpsProbe(favicon=False, vendor_requests=()).run(HOST, port, ctx())

    result = run(main())
    assert result.probe == "https" and result.status is ProbeStatus.SUCCESS
    kinds = [e.kind for e in result.evidence]
    assert kinds.count(EvidenceKind.TLS) == 1 and EvidenceKind.HTTP in kinds
    pem = next(e for e in result.evidence if e.kind is EvidenceKind.TLS).payload
    assert pem.startswith(b"-----BEGIN CERTIFICATE-----")
    import ssl

    assert ssl.PEM_cert_to_DER_cert(pem.decode()) == der


def test_endless_body_is_capped():
    async def handler(reader, writer):
        await read_head(reader)
        writer.write(b"HTTP/1.1 200 OK\r\n\r\n")
        try:
            while True:
                writer.write(b"A" * 65536)
                await writer.drain()
        except (ConnectionError, OSError):
            pass

    async def main():
        async with tcp_server(handler) as port:
            return await PAGE_ONLY.run(HOST, port, ctx(timeout=2.0, max_bytes=100_000))

    result = run(main())
    assert result.status is ProbeStatus.TRUNCATED
    assert len(result.evidence[0].payload) == 100_000


def test_content_length_is_honoured_when_the_peer_keeps_the_connection_open():
    async def handler(reader, writer):
        await read_head(reader)
        writer.write(response("200 OK", body=b"short"))
        await writer.drain()
        await asyncio.sleep(5)  # ignores Connection: close

    async def main():
        async with tcp_server(handler) as port:
            t0 = time.monotonic()
            r = await PAGE_ONLY.run(HOST, port, ctx(timeout=2.0))
            return r, time.monotonic() - t0

    result, elapsed = run(main())
    assert result.status is ProbeStatus.SUCCESS and result.evidence[0].payload.endswith(b"short")
    assert elapsed < 1.0


def test_wrong_protocol_is_kept_as_banner():
    async def handler(reader, writer):
        writer.write(b"SSH-2.0-dropbear\r\n")
        await writer.drain()
        writer.close()

    async def main():
        async with tcp_server(handler) as port:
            return await HttpProbe().run(HOST, port, ctx())

    result = run(main())
    assert result.status is ProbeStatus.PROTOCOL_ERROR
    assert [e.kind for e in result.evidence] == [EvidenceKind.BANNER]


def test_refused_port():
    async def main():
        async with tcp_server(lambda r, w: asyncio.sleep(0)) as port:
            pass
        return await HttpProbe().run(HOST, port, ctx())

    assert run(main()).status is ProbeStatus.REFUSED


def test_out_of_scope_address_is_never_contacted():
    hits = []

    async def handler(reader, writer):
        hits.append(1)
        writer.close()

    async def main():
        async with tcp_server(handler) as port:
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


# ----------------------------------------------------------------- parsers of untrusted bytes

_HTTPISH = st.one_of(
    st.binary(max_size=3000),
    st.builds(
        lambda status, headers, body: status + headers + b"\r\n\r\n" + body,
        st.sampled_from([b"HTTP/1.1 200 OK\r\n", b"RTSP/1.0 401 X\r\n", b"HTTP/1.0 999\n"]),
        st.lists(
            st.sampled_from(
                [
                    b"Content-Length: 5\r\n",
                    b"Content-Length: -1\r\n",
                    b"Content-Length: zz\r\n",
                    b"Transfer-Encoding: chunked\r\n",
                    b"X: y\r\n",
                    b": \r\n",
                    b"\x00\xff\r\n",
                ]
            ),
            max_size=5,
        ).map(b"".join),
        st.binary(max_size=500),
    ),
)


@settings(max_examples=400, deadline=None)
@given(_HTTPISH, st.integers(1, 4000))
def test_read_message_and_parse_are_total_and_capped(data, cap):
    async def main():
        reader = asyncio.StreamReader()
        reader.feed_data(data)
        reader.feed_eof()
        return await read_message(reader, deadline=time.monotonic() + 1.0, max_bytes=cap)

    raw, truncated, _ = asyncio.run(main())
    assert len(raw) <= cap and raw == data[: len(raw)]
    parsed = to_response(raw, truncated)
    if parsed is not None:
        assert 0 <= parsed.status <= 999 and len(parsed.body) <= len(raw)
