"""Server-to-client TCP streams in bounded memory, and what is read from them: HTTP and RTSP
responses, TLS 1.2 server certificates, TLS ClientHello server names.

Only the first :data:`MAX_STREAM_BYTES` of a stream that starts with a server reply are kept; at
most :data:`MAX_STREAMS` streams are open at once (the least recently used one is closed and
read when a new one needs room). Out-of-order segments are held (a few per stream) until the gap
is filled; retransmitted bytes are dropped.

TLS 1.3 encrypts the server certificate, so only TLS 1.2 (and older) handshakes yield one.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Iterator

MAX_STREAM_BYTES = 64 * 1024
MAX_STREAMS = 1024
_MAX_PENDING = 32
_MAX_MESSAGES = 16
_FIN_OR_RST = 0x01 | 0x04
_CONTENT_LENGTH = re.compile(rb"^content-length[ \t]*:[ \t]*(\d{1,12})[ \t]*$", re.I | re.M)
_CHUNKED = re.compile(rb"^transfer-encoding[ \t]*:.*chunked", re.I | re.M)
_STATUS = re.compile(rb"(?:HTTP|RTSP)/\d(?:\.\d)?[ \t]+(\d{3})")

StreamKey = tuple[bytes, int, bytes, int]


def starts_reply(payload: bytes) -> bool:
    """Whether a segment payload begins a server reply worth keeping (HTTP, RTSP, TLS
    ServerHello)."""
    head = payload[:5]
    if head == b"HTTP/" or head == b"RTSP/":
        return True
    return len(payload) > 5 and payload[0] == 22 and payload[1] == 3 and payload[5] == 2


class Stream:
    """The first bytes a server sent on one connection."""

    __slots__ = ("data", "next_seq", "number", "pending", "ts")

    def __init__(self, seq: int, payload: bytes, ts: float, number: int) -> None:
        self.data = bytearray(payload[:MAX_STREAM_BYTES])
        self.next_seq = (seq + len(payload)) & 0xFFFFFFFF
        self.pending: dict[int, bytes] = {}
        self.ts = ts
        self.number = number

    @property
    def full(self) -> bool:
        return len(self.data) >= MAX_STREAM_BYTES

    def add(self, seq: int, payload: bytes) -> None:
        """Add a segment at sequence number ``seq`` (held if ahead, trimmed if repeated)."""
        offset = (seq - self.next_seq) & 0xFFFFFFFF
        if offset >= 0x80000000:  # before next_seq: a retransmission, maybe with new bytes
            overlap = (self.next_seq - seq) & 0xFFFFFFFF
            if overlap >= len(payload):
                return
            payload = payload[overlap:]
            seq = self.next_seq
            offset = 0
        if offset:
            if len(self.pending) < _MAX_PENDING and offset < MAX_STREAM_BYTES:
                self.pending[seq] = payload
            return
        self._append(payload)
        while self.pending and not self.full:
            nxt = self.pending.pop(self.next_seq, None)
            if nxt is None:
                break
            self._append(nxt)

    def _append(self, payload: bytes) -> None:
        room = MAX_STREAM_BYTES - len(self.data)
        self.data += payload[:room]
        self.next_seq = (self.next_seq + len(payload)) & 0xFFFFFFFF


class StreamTable:
    """Open server streams, least recently used first."""

    def __init__(self, max_streams: int = MAX_STREAMS) -> None:
        self.max_streams = max_streams
        self._open: OrderedDict[StreamKey, Stream] = OrderedDict()

    def __len__(self) -> int:
        return len(self._open)

    def feed(
        self, key: StreamKey, seq: int, flags: int, payload: bytes, ts: float, number: int
    ) -> list[tuple[StreamKey, Stream]]:
        """Add a segment (of packet ``number``); returns the streams that are complete (closed,
        full or evicted)."""
        done: list[tuple[StreamKey, Stream]] = []
        stream = self._open.get(key)
        if stream is None:
            if not payload or not starts_reply(payload):
                return done
            stream = Stream(seq, payload, ts, number)
            self._open[key] = stream
            if len(self._open) > self.max_streams:
                done.append(self._open.popitem(last=False))
        else:
            self._open.move_to_end(key)
            if payload:
                stream.add(seq, payload)
        if stream.full or flags & _FIN_OR_RST:
            done.append((key, self._open.pop(key)))
        return done

    def close(self, key: StreamKey) -> Stream | None:
        """Close a stream early (the client closed); returns it if it was open."""
        return self._open.pop(key, None)

    def drain(self) -> Iterator[tuple[StreamKey, Stream]]:
        """Every stream still open (end of capture)."""
        while self._open:
            yield self._open.popitem(last=False)


def reply_messages(data: bytes) -> list[bytes]:
    """The HTTP/RTSP responses at the start of a server stream, split by ``Content-Length``
    (chunked bodies are de-chunked; a body without a length runs to the end of the data)."""
    messages: list[bytes] = []
    pos = 0
    size = len(data)
    while pos < size and len(messages) < _MAX_MESSAGES:
        status = _STATUS.match(data, pos)
        if status is None:
            break
        head_end = data.find(b"\r\n\r\n", pos)
        sep = 4
        if head_end < 0:
            head_end = data.find(b"\n\n", pos)
            sep = 2
        if head_end < 0:
            messages.append(data[pos:])
            break
        head = data[pos:head_end]
        body_start = head_end + sep
        code = int(status.group(1))
        length = _CONTENT_LENGTH.search(head)
        if _CHUNKED.search(head):
            body, end = _dechunk(data, body_start)
            messages.append(head + b"\r\n\r\n" + body)
            pos = end
            continue
        if length is not None:
            end = min(size, body_start + int(length.group(1)))
        elif code < 200 or code in (204, 304) or data.startswith(b"RTSP/", pos):
            end = body_start
        else:
            end = size
        messages.append(data[pos:end])
        pos = end
    return messages


def _dechunk(data: bytes, pos: int) -> tuple[bytes, int]:
    """A chunked body from ``pos``: (body, position after it); stops at damaged framing."""
    body = bytearray()
    size = len(data)
    while pos < size:
        line_end = data.find(b"\r\n", pos, pos + 256)
        if line_end < 0:
            break
        token = data[pos:line_end].split(b";", 1)[0].strip()
        try:
            length = int(token, 16)
        except ValueError:
            break
        pos = line_end + 2
        if length == 0:
            trailer = data.find(b"\r\n", pos)
            return bytes(body), size if trailer < 0 else trailer + 2
        body += data[pos : pos + length]
        pos += length + 2
    return bytes(body), size


def _records(data: bytes) -> bytes:
    """The handshake bytes of the TLS records at the start of ``data`` (until a non-handshake
    record)."""
    out = bytearray()
    pos = 0
    while pos + 5 <= len(data) and data[pos] == 22 and data[pos + 1] == 3:
        length = int.from_bytes(data[pos + 3 : pos + 5], "big")
        out += data[pos + 5 : pos + 5 + length]
        pos += 5 + length
    return bytes(out)


def _handshakes(data: bytes) -> Iterator[tuple[int, bytes]]:
    pos = 0
    while pos + 4 <= len(data):
        kind = data[pos]
        length = int.from_bytes(data[pos + 1 : pos + 4], "big")
        body = data[pos + 4 : pos + 4 + length]
        yield kind, body
        pos += 4 + length


def _is_tls13(server_hello: bytes) -> bool:
    """Whether a ServerHello selects TLS 1.3 (``supported_versions`` = 0x0304)."""
    pos = 34  # legacy_version + random
    if len(server_hello) <= pos:
        return False
    pos += 1 + server_hello[pos]  # session id
    pos += 3  # cipher suite + compression method
    if pos + 2 > len(server_hello):
        return False
    end = min(len(server_hello), pos + 2 + int.from_bytes(server_hello[pos : pos + 2], "big"))
    pos += 2
    while pos + 4 <= end:
        ext = int.from_bytes(server_hello[pos : pos + 2], "big")
        length = int.from_bytes(server_hello[pos + 2 : pos + 4], "big")
        if ext == 0x002B and length == 2:
            return server_hello[pos + 4 : pos + 6] == b"\x03\x04"
        pos += 4 + length
    return False


def server_certificate(data: bytes) -> tuple[bytes | None, bool]:
    """The server's leaf certificate (DER) from the start of a TLS server stream, and whether the
    handshake was TLS 1.3 (whose certificate is encrypted, so None)."""
    for kind, body in _handshakes(_records(data)):
        if kind == 2 and _is_tls13(body):
            return None, True
        if kind == 11 and len(body) >= 6:
            first = int.from_bytes(body[3:6], "big")
            der = body[6 : 6 + first]
            if len(der) == first and der[:1] == b"\x30":
                return der, False
            return None, False
    return None, False


def client_server_name(payload: bytes) -> str | None:
    """The SNI host name of a TLS ClientHello segment, or None."""
    if len(payload) < 43 or payload[0] != 22 or payload[1] != 3 or payload[5] != 1:
        return None
    hello = payload[9:]
    pos = 34
    if len(hello) <= pos:
        return None
    pos += 1 + hello[pos]
    if pos + 2 > len(hello):
        return None
    pos += 2 + int.from_bytes(hello[pos : pos + 2], "big")  # cipher suites
    if pos >= len(hello):
        return None
    pos += 1 + hello[pos]  # compression methods
    if pos + 2 > len(hello):
        return None
    end = min(len(hello), pos + 2 + int.from_bytes(hello[pos : pos + 2], "big"))
    pos += 2
    while pos + 4 <= end:
        ext = int.from_bytes(hello[pos : pos + 2], "big")
        length = int.from_bytes(hello[pos + 2 : pos + 4], "big")
        if ext == 0 and length >= 5:
            name_len = int.from_bytes(hello[pos + 7 : pos + 9], "big")
            name = hello[pos + 9 : pos + 9 + name_len]
            try:
                text = name.decode("ascii")
            except UnicodeDecodeError:
                return None
            return text.lower() if text.isprintable() else None
        pos += 4 + length
    return None
