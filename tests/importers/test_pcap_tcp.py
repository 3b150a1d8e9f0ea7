"""TCP stream reassembly, reply splitting and TLS parsing used by the pcap importer."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from camaudit.importers.pcap_tcp import (
    MAX_STREAM_BYTES,
    Stream,
    StreamTable,
    client_server_name,
    reply_messages,
    server_certificate,
    starts_reply,
)
from camaudit.importers.pcap_udp import dhcp_message, discovery_kind, dns_message, mdns_answer
from tests.importers import capture_builder as cb

KEY = (b"\x0a\x00\x00\x01", 80, b"\x0a\x00\x00\x02", 50000)


def test_out_of_order_and_retransmitted_segments() -> None:
    data = b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789"
    stream = Stream(100, data[:10], 0.0, 1)
    stream.add(120, data[20:])  # ahead: held
    stream.add(100, data[:15])  # overlaps what we have: only the new 5 bytes count
    stream.add(115, data[15:20])  # fills the gap, then the held segment follows
    assert bytes(stream.data) == data


def test_sequence_numbers_wrap_around() -> None:
    stream = Stream(0xFFFFFFF0, b"HTTP/1.1 200 OK\r\n", 0.0, 1)
    stream.add((0xFFFFFFF0 + 17) & 0xFFFFFFFF, b"Server: x\r\n\r\n")
    assert bytes(stream.data) == b"HTTP/1.1 200 OK\r\nServer: x\r\n\r\n"


def test_streams_are_capped_and_evicted() -> None:
    table = StreamTable(max_streams=2)
    assert table.feed(KEY, 1, 0x18, b"not a reply", 0.0, 1) == []
    table.feed(KEY, 1, 0x18, b"HTTP/1.1 200 OK\r\n", 0.0, 1)
    done = table.feed(KEY, 18, 0x18, b"x" * (MAX_STREAM_BYTES * 2), 0.0, 2)
    assert len(done) == 1 and len(done[0][1].data) == MAX_STREAM_BYTES
    keys = [(b"a", n, b"b", 1) for n in range(3)]
    evicted = [table.feed(k, 1, 0x18, b"RTSP/1.0 200 OK\r\n", 0.0, 3) for k in keys]
    assert evicted[2] and evicted[2][0][0] == keys[0]
    assert [k for k, _ in table.drain()] == keys[1:]


def test_reply_messages_split_keep_alive_and_chunked() -> None:
    first = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
    chunked = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nworld\r\n3\r\n!!!\r\n0\r\n\r\n"
    )
    closing = b"HTTP/1.0 404 Not Found\r\nServer: x\r\n\r\n<html>gone</html>"
    messages = reply_messages(first + chunked + closing)
    assert messages == [
        first,
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nworld!!!",
        closing,
    ]
    rtsp = b"RTSP/1.0 200 OK\r\nCSeq: 2\r\n\r\n$\x00\x01\x02rtp"
    assert reply_messages(rtsp) == [b"RTSP/1.0 200 OK\r\nCSeq: 2\r\n\r\n"]


def test_tls_certificate_and_server_name() -> None:
    der = cb.self_signed_der("axis-accc8e4f1a2b", "Axis Communications AB")
    flight = cb.tls12_server_flight(der)
    assert starts_reply(flight)
    assert server_certificate(flight) == (der, False)
    assert server_certificate(cb.tls13_server_flight()) == (None, True)
    assert client_server_name(cb.client_hello("Dev.EzvizLife.com")) == "dev.ezvizlife.com"
    assert client_server_name(flight) is None


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600))
def test_parsers_are_total(data: bytes) -> None:
    reply_messages(b"HTTP/1.1 200 OK\r\n" + data)
    reply_messages(data)
    server_certificate(b"\x16\x03\x03" + data)
    server_certificate(data)
    client_server_name(b"\x16\x03\x01" + data)
    mdns_answer(data)
    dns_message(data)
    dhcp_message(data)
    discovery_kind(37020, 1, data)
    stream = Stream(1, data, 0.0, 1)
    stream.add(len(data) // 2, data)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_decoders_survive_mutated_messages(data: st.DataObject) -> None:
    messages = [
        cb.mdns_axis_answer("P3245-LVE", "ACCC8E4F1A2B", "10.0.0.5"),
        cb.dhcp_discover(b"\x44\x19\xb6\x2a\x10\x3c", "DS-2CD2143G2-I", "udhcp 1.29.3"),
        cb.dns_answer("litedev.ezvizlife.com", "203.0.113.50"),
    ]
    for message in messages:
        cut = data.draw(st.integers(0, len(message)))
        at = data.draw(st.integers(0, len(message) - 1))
        mutated = bytearray(message[:cut] if data.draw(st.booleans()) else message)
        if at < len(mutated):
            mutated[at] = data.draw(st.integers(0, 255))
        mdns_answer(bytes(mutated))
        dns_message(bytes(mutated))
        dhcp_message(bytes(mutated))
