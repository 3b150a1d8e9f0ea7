"""FTP and Telnet greetings: read-only, Telnet negotiation refused, prompts end the read."""

from __future__ import annotations

import asyncio

from hypothesis import given, settings
from hypothesis import strategies as st

from camaudit.probes.banner import DO, DONT, IAC, SB, SE, WILL, WONT, BannerProbe, TelnetFilter
from camaudit.probes.base import ProbeStatus
from tests.probes.fakes import HOST, ctx, tcp_server


def test_ftp_multiline_greeting(monkeypatch):
    greeting = b"220-Welcome\r\n220 AXIS P1346 Network Camera 5.40.9 (2012) ready.\r\n"
    received: list[bytes] = []

    async def handler(reader, writer):
        writer.write(greeting)
        await writer.drain()
        try:
            received.append(await asyncio.wait_for(reader.read(100), 1.0))
        except TimeoutError:
            received.append(b"<nothing>")
        writer.close()

    monkeypatch.setattr(BannerProbe, "telnet_ports", frozenset())

    async def main():
        async with tcp_server(handler) as port:
            return await BannerProbe().run(HOST, port, ctx(timeout=2.0))

    result = asyncio.run(main())
    assert result.status is ProbeStatus.SUCCESS
    assert result.evidence[0].payload == greeting.strip()
    assert result.elapsed < 1.0  # the final "220 " line ends the read
    assert received in ([b""], [b"<nothing>"])  # we sent nothing (closed or silent)


def test_telnet_negotiation_is_refused_and_prompt_ends_the_read(monkeypatch):
    received = bytearray()

    async def handler(reader, writer):
        writer.write(bytes((IAC, DO, 24, IAC, WILL, 1, IAC, DO, 24)))
        await writer.drain()
        received.extend(await asyncio.wait_for(reader.read(100), 1.0))
        writer.write(b"\r\n192.0.0.64 login: ")
        await writer.drain()
        await asyncio.sleep(2)

    monkeypatch.setattr(BannerProbe, "telnet_ports", frozenset({0}) | {0})

    async def main():
        async with tcp_server(handler) as port:
            monkeypatch.setattr(BannerProbe, "telnet_ports", frozenset({port}))
            return await BannerProbe().run(HOST, port, ctx(timeout=2.0))

    result = asyncio.run(main())
    assert bytes(received) == bytes((IAC, WONT, 24, IAC, DONT, 1))
    assert result.evidence[0].payload == b"192.0.0.64 login:"
    assert result.evidence[0].source == "probe:banner telnet greeting"
    assert result.elapsed < 1.5


def test_telnet_filter_handles_split_commands_and_subnegotiation():
    f = TelnetFilter()
    out = f.feed(bytes((ord("a"), IAC)))
    out += f.feed(bytes((DO,)))
    out += f.feed(bytes((3, IAC, SB, 24, 1, 2, IAC, SE, ord("b"), IAC, IAC)))
    assert out == bytes((IAC, WONT, 3))
    assert bytes(f.text) == b"ab\xff"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=64), max_size=20))
def test_telnet_filter_is_total_and_bounded(chunks):
    f = TelnetFilter()
    replies = b"".join(f.feed(c) for c in chunks)
    assert len(replies) <= 3 * 32
    assert len(f.text) <= sum(len(c) for c in chunks)
