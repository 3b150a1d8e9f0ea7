"""A small DNS message codec (RFC 1035 wire format, with the mDNS class bits of RFC 6762).

The decoder is total: for any bytes it returns a :class:`Message` or raises
:class:`DnsParseError`, never anything else. It is bounded: at most ``MAX_RECORDS`` entries per
section, names of at most 255 bytes, labels of at most 63, and compression pointers must point
strictly backwards (so they cannot loop). The encoder compresses names.
"""

from __future__ import annotations

import ipaddress
import struct
from dataclasses import dataclass, field

TYPE_A = 1
TYPE_PTR = 12
TYPE_TXT = 16
TYPE_AAAA = 28
TYPE_SRV = 33
TYPE_ANY = 255
CLASS_IN = 1
CLASS_MASK = 0x7FFF  # the top bit is mDNS "unicast response" (questions) / "cache flush" (answers)
FLAG_RESPONSE = 0x8000
FLAG_AUTHORITATIVE = 0x0400
MAX_RECORDS = 64
MAX_NAME = 255
MAX_MESSAGE = 9000


class DnsParseError(ValueError):
    """The bytes are not a DNS message this codec accepts."""


@dataclass(frozen=True, slots=True)
class Question:
    name: str  # dotted, lower case, no trailing dot
    qtype: int
    qclass: int = CLASS_IN
    unicast: bool = False  # mDNS QU bit


@dataclass(frozen=True, slots=True)
class Record:
    """A resource record; ``data`` is its RDATA on the wire (see the ``*_record`` builders)."""

    name: str
    rtype: int
    data: bytes
    ttl: int = 120
    rclass: int = CLASS_IN
    cache_flush: bool = False
    target: str | None = None  # a name inside RDATA (PTR, SRV), compressed when encoded
    prefix: bytes = b""  # RDATA bytes before ``target`` (SRV priority, weight, port)


@dataclass(frozen=True, slots=True)
class Message:
    id: int
    flags: int
    questions: tuple[Question, ...] = ()
    answers: tuple[Record, ...] = ()
    authorities: tuple[Record, ...] = ()
    additionals: tuple[Record, ...] = field(default_factory=tuple)

    @property
    def is_response(self) -> bool:
        return bool(self.flags & FLAG_RESPONSE)


# -- decoding ---------------------------------------------------------------------------------


def _read_name(data: bytes, offset: int) -> tuple[str, int]:
    """The name at ``offset`` and the offset just after it (in the original stream)."""
    labels: list[str] = []
    length_total = 0
    end: int | None = None
    position = offset
    while True:
        if position >= len(data):
            raise DnsParseError("name runs past the end")
        size = data[position]
        if size & 0xC0 == 0xC0:
            if position + 1 >= len(data):
                raise DnsParseError("truncated compression pointer")
            pointer = ((size & 0x3F) << 8) | data[position + 1]
            if pointer >= position:
                raise DnsParseError("compression pointer does not point backwards")
            if end is None:
                end = position + 2
            position = pointer
            continue
        if size & 0xC0:
            raise DnsParseError("reserved label type")
        position += 1
        if size == 0:
            break
        if position + size > len(data):
            raise DnsParseError("label runs past the end")
        length_total += size + 1
        if length_total > MAX_NAME:
            raise DnsParseError("name longer than 255 bytes")
        labels.append(data[position : position + size].decode("latin-1").lower())
        position += size
    return ".".join(labels), end if end is not None else position


def _count(value: int, what: str) -> int:
    if value > MAX_RECORDS:
        raise DnsParseError(f"too many {what}")
    return value


def parse_message(data: bytes) -> Message:
    """Decode a DNS message; DnsParseError for anything malformed or oversized."""
    if len(data) < 12 or len(data) > MAX_MESSAGE:
        raise DnsParseError("message too short or too long")
    ident, flags, qd, an, ns, ar = struct.unpack_from("!6H", data, 0)
    offset = 12
    questions = []
    for _ in range(_count(qd, "questions")):
        name, offset = _read_name(data, offset)
        if offset + 4 > len(data):
            raise DnsParseError("truncated question")
        qtype, qclass = struct.unpack_from("!2H", data, offset)
        offset += 4
        questions.append(Question(name, qtype, qclass & CLASS_MASK, bool(qclass & 0x8000)))
    sections: list[list[Record]] = [[], [], []]
    for section, count in zip(sections, (an, ns, ar), strict=True):
        for _ in range(_count(count, "records")):
            name, offset = _read_name(data, offset)
            if offset + 10 > len(data):
                raise DnsParseError("truncated record")
            rtype, rclass, ttl, size = struct.unpack_from("!2HIH", data, offset)
            offset += 10
            if offset + size > len(data):
                raise DnsParseError("record data runs past the end")
            section.append(
                Record(
                    name,
                    rtype,
                    data[offset : offset + size],
                    ttl,
                    rclass & CLASS_MASK,
                    bool(rclass & 0x8000),
                )
            )
            offset += size
    return Message(ident, flags, tuple(questions), *(tuple(s) for s in sections))


# -- encoding ---------------------------------------------------------------------------------


class _Writer:
    def __init__(self) -> None:
        self.buffer = bytearray()
        self.names: dict[str, int] = {}

    def name(self, name: str) -> None:
        labels = [label for label in name.split(".") if label]
        for i in range(len(labels)):
            suffix = ".".join(labels[i:]).lower()
            known = self.names.get(suffix)
            if known is not None:
                self.buffer += struct.pack("!H", 0xC000 | known)
                return
            if len(self.buffer) < 0x3FFF:
                self.names[suffix] = len(self.buffer)
            raw = labels[i].encode("utf-8")
            if not 0 < len(raw) <= 63:
                raise ValueError(f"bad DNS label {labels[i]!r}")
            self.buffer += bytes([len(raw)]) + raw
        self.buffer += b"\x00"

    def record(self, record: Record) -> None:
        self.name(record.name)
        rclass = record.rclass | (0x8000 if record.cache_flush else 0)
        self.buffer += struct.pack("!2HI", record.rtype, rclass, record.ttl)
        length_at = len(self.buffer)
        self.buffer += b"\x00\x00"
        start = len(self.buffer)
        self.buffer += record.prefix if record.target is not None else record.data
        if record.target is not None:
            self.name(record.target)
        struct.pack_into("!H", self.buffer, length_at, len(self.buffer) - start)


def encode_message(message: Message) -> bytes:
    writer = _Writer()
    writer.buffer += struct.pack(
        "!6H",
        message.id,
        message.flags,
        len(message.questions),
        len(message.answers),
        len(message.authorities),
        len(message.additionals),
    )
    for question in message.questions:
        writer.name(question.name)
        qclass = question.qclass | (0x8000 if question.unicast else 0)
        writer.buffer += struct.pack("!2H", question.qtype, qclass)
    for record in (*message.answers, *message.authorities, *message.additionals):
        writer.record(record)
    return bytes(writer.buffer)


def ptr_record(name: str, target: str, ttl: int) -> Record:
    return Record(name, TYPE_PTR, b"", ttl, target=target)


def srv_record(name: str, target: str, port: int, ttl: int) -> Record:
    return Record(
        name,
        TYPE_SRV,
        b"",
        ttl,
        cache_flush=True,
        target=target,
        prefix=struct.pack("!3H", 0, 0, port),
    )


def txt_record(name: str, entries: list[str], ttl: int) -> Record:
    raw = (
        b"".join(bytes([len(e)]) + e for e in (s.encode("utf-8")[:255] for s in entries)) or b"\x00"
    )
    return Record(name, TYPE_TXT, raw, ttl, cache_flush=True)


def a_record(name: str, address: str, ttl: int) -> Record:
    return Record(name, TYPE_A, ipaddress.IPv4Address(address).packed, ttl, cache_flush=True)


def read_name_at(data: bytes, offset: int = 0) -> str:
    """Decode a (possibly compressed) name from RDATA-like bytes (tests and clients)."""
    return _read_name(data, offset)[0]
