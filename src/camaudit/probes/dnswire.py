"""A small DNS message encoder and a total, bounded decoder (for unicast mDNS / DNS-SD).

:func:`decode_message` never raises and never loops: compression pointers must point backwards
and are followed at most :data:`MAX_POINTERS` times per name, names are capped at 255 bytes,
sections at :data:`MAX_RECORDS` records. Malformed input gives ``None`` (or the records read
before the damage, with ``complete=False``). Names are kept as label tuples because DNS-SD
instance labels may contain dots and spaces.
"""

from __future__ import annotations

import ipaddress
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field

TYPE_A, TYPE_PTR, TYPE_TXT, TYPE_AAAA, TYPE_SRV, TYPE_ANY = 1, 12, 16, 28, 33, 255
CLASS_IN = 1
MAX_RECORDS = 256
MAX_POINTERS = 32
MAX_NAME = 255
_HEADER = struct.Struct("!HHHHHH")
_RR = struct.Struct("!HHIH")

Name = tuple[str, ...]


def name_labels(text: str) -> Name:
    """``"_http._tcp.local"`` → ``("_http", "_tcp", "local")`` (no escapes: DNS-SD types only)."""
    return tuple(label for label in text.rstrip(".").split(".") if label)


def name_text(name: Name) -> str:
    """Dotted form for display (labels containing dots stay as they are)."""
    return ".".join(name)


def encode_name(name: Name) -> bytes:
    out = bytearray()
    for label in name:
        raw = label.encode("utf-8")
        if not 0 < len(raw) < 64:
            raise ValueError("DNS label must be 1-63 bytes")
        out += bytes((len(raw),)) + raw
    out += b"\x00"
    if len(out) > MAX_NAME:
        raise ValueError("DNS name longer than 255 bytes")
    return bytes(out)


def encode_query(query_id: int, questions: Sequence[tuple[Name, int]]) -> bytes:
    """A standard query with the given (name, type) questions, class IN."""
    body = b"".join(encode_name(n) + struct.pack("!HH", t, CLASS_IN) for n, t in questions)
    return _HEADER.pack(query_id & 0xFFFF, 0, len(questions), 0, 0, 0) + body


@dataclass(frozen=True, slots=True)
class Record:
    """One resource record. ``value`` is decoded for A/AAAA (address), PTR (name),
    SRV ((priority, weight, port, target)) and TXT (list of strings)."""

    name: Name
    rtype: int
    rclass: int
    ttl: int
    rdata: bytes
    value: object = None


@dataclass(slots=True)
class Message:
    query_id: int
    flags: int
    questions: list[tuple[Name, int]] = field(default_factory=list)
    records: list[Record] = field(default_factory=list)  # answer + authority + additional
    complete: bool = True

    @property
    def is_response(self) -> bool:
        return bool(self.flags & 0x8000)


def _read_name(data: bytes, pos: int) -> tuple[Name, int] | None:
    """The name at ``pos`` and the position after it (in the original stream), or None."""
    labels: list[str] = []
    total = 0
    jumps = 0
    end: int | None = None
    while True:
        if pos >= len(data):
            return None
        length = data[pos]
        if length == 0:
            return tuple(labels), (end if end is not None else pos + 1)
        if length & 0xC0 == 0xC0:
            if pos + 1 >= len(data) or jumps >= MAX_POINTERS:
                return None
            target = ((length & 0x3F) << 8) | data[pos + 1]
            if target >= pos:  # pointers must go backwards: no loops
                return None
            if end is None:
                end = pos + 2
            pos = target
            jumps += 1
            continue
        if length & 0xC0:
            return None  # reserved label types
        label = data[pos + 1 : pos + 1 + length]
        if len(label) < length:
            return None
        total += length + 1
        if total > MAX_NAME:
            return None
        labels.append(label.decode("utf-8", "replace"))
        pos += 1 + length


def _txt(rdata: bytes) -> list[str]:
    items: list[str] = []
    pos = 0
    while pos < len(rdata):
        n = rdata[pos]
        items.append(rdata[pos + 1 : pos + 1 + n].decode("utf-8", "replace"))
        pos += 1 + n
    return [i for i in items if i]


def _value(data: bytes, rtype: int, start: int, rdata: bytes) -> object:
    if rtype == TYPE_A and len(rdata) == 4:
        return str(ipaddress.IPv4Address(rdata))
    if rtype == TYPE_AAAA and len(rdata) == 16:
        return str(ipaddress.IPv6Address(rdata))
    if rtype == TYPE_PTR:
        got = _read_name(data, start)
        return got[0] if got else None
    if rtype == TYPE_SRV and len(rdata) >= 7:
        priority, weight, port = struct.unpack_from("!HHH", rdata)
        got = _read_name(data, start + 6)
        return (priority, weight, port, got[0]) if got else None
    if rtype == TYPE_TXT:
        return _txt(rdata)
    return None


def decode_message(data: bytes) -> Message | None:
    """Parse a DNS message; None if even the header or the questions are unreadable."""
    if len(data) < _HEADER.size:
        return None
    qid, flags, qd, an, ns, ar = _HEADER.unpack_from(data)
    msg = Message(qid, flags)
    pos = _HEADER.size
    for _ in range(min(qd, MAX_RECORDS)):
        got = _read_name(data, pos)
        if got is None or got[1] + 4 > len(data):
            return None
        qtype, _qclass = struct.unpack_from("!HH", data, got[1])
        msg.questions.append((got[0], qtype))
        pos = got[1] + 4
    for _ in range(min(an + ns + ar, MAX_RECORDS)):
        got = _read_name(data, pos)
        if got is None or got[1] + _RR.size > len(data):
            msg.complete = False
            break
        rtype, rclass, ttl, rdlen = _RR.unpack_from(data, got[1])
        start = got[1] + _RR.size
        rdata = data[start : start + rdlen]
        if len(rdata) < rdlen:
            msg.complete = False
            break
        msg.records.append(
            Record(got[0], rtype, rclass & 0x7FFF, ttl, rdata, _value(data, rtype, start, rdata))
        )
        pos = start + rdlen
    if an + ns + ar > MAX_RECORDS:
        msg.complete = False
    return msg
