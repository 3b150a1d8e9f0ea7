"""The TCP connect sweep and the TLS certificate grab."""

from __future__ import annotations

import asyncio
import ssl

from camaudit.models import EvidenceKind
from camaudit.probes.base import ProbeStatus
from camaudit.probes.tcp import TcpProbe
from camaudit.probes.tls import TlsProbe
from tests.probes.fakes import HOST, ctx, garbage, server_tls_context, tcp_server


def test_tcp_open_closed_and_out_of_scope():
    hits: list[int] = []

    async def handler(reader, writer):
        hits.append(1)
        writer.close()

    async def main():
        async with tcp_server(handler) as port:
            open_ = await TcpProbe().run(HOST, port, ctx())
            outside = await TcpProbe().run(HOST, port, ctx(scope="127.0.0.2"))
        closed = await TcpProbe().run(HOST, port, ctx())
        return open_, outside, closed

    open_, outside, closed = asyncio.run(main())
    assert open_.status is ProbeStatus.SUCCESS and open_.evidence == []
    assert closed.status is ProbeStatus.REFUSED
    assert outside.status is ProbeStatus.OUT_OF_SCOPE
    assert len(hits) <= 1


def test_tls_certificate_is_recorded_as_pem(tmp_path):
    tls, der = server_tls_context(
        str(tmp_path), {"C": "CN", "O": "Zhejiang Dahua Technology Co.,Ltd.", "CN": "127.0.0.1"}
    )

    async def handler(reader, writer):
        await asyncio.sleep(0.5)
        writer.close()

    async def main():
        async with tcp_server(handler, tls=tls) as port:
            return await TlsProbe().run(HOST, port, ctx())

    result = asyncio.run(main())
    assert result.status is ProbeStatus.SUCCESS
    (ev,) = result.evidence
    assert ev.kind is EvidenceKind.TLS and ev.source == "probe:tls handshake"
    assert ssl.PEM_cert_to_DER_cert(ev.payload.decode()) == der


def test_tls_against_plain_tcp_is_a_protocol_error():
    async def main():
        async with tcp_server(garbage) as port:
            return await TlsProbe().run(HOST, port, ctx())

    result = asyncio.run(main())
    assert result.status in (ProbeStatus.PROTOCOL_ERROR, ProbeStatus.REFUSED, ProbeStatus.ERROR)
    assert result.evidence == []
