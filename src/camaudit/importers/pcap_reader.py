"""Streaming readers for libpcap (``.pcap``, micro- and nanosecond, either byte order) and pcapng
files, in bounded memory: one packet at a time, no record larger than :data:`MAX_PACKET`.

A file whose last record is cut short (a capture stopped while writing) ends at the last whole
packet. Anything else that does not follow the formats is an
:class:`~camaudit.errors.EvidenceFormatError` naming the packet or block.
"""

from __future__ import annotations

import gzip
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from camaudit.errors import EvidenceFormatError
from camaudit.importers.base import open_binary

#: Largest captured packet accepted (bytes); real snap lengths are at most 262144.
MAX_PACKET = 256 * 1024
#: Largest pcapng block read into memory; larger non-packet blocks are skipped unread.
MAX_BLOCK = MAX_PACKET + 1024
_PCAP_MAGICS = {
    b"\xd4\xc3\xb2\xa1": ("<", 1e-6),
    b"\xa1\xb2\xc3\xd4": (">", 1e-6),
    b"\x4d\x3c\xb2\xa1": ("<", 1e-9),
    b"\xa1\xb2\x3c\x4d": (">", 1e-9),
}
PCAPNG_MAGIC = b"\x0a\x0d\x0d\x0a"
_BYTE_ORDER_MAGIC = 0x1A2B3C4D

#: ``(packet number, timestamp in seconds, link type, captured bytes)``
Packet = tuple[int, float, int, bytes]


def is_capture(head: bytes) -> bool:
    """Whether ``head`` starts a pcap or pcapng file."""
    return head[:4] in _PCAP_MAGICS or head[:4] == PCAPNG_MAGIC


def iter_packets(path: Path) -> Iterator[Packet]:
    """Every packet of a pcap or pcapng file (optionally gzipped), in file order."""
    try:
        with open_binary(path) as fh:
            magic = fh.read(4)
            if magic in _PCAP_MAGICS:
                yield from _pcap(path, fh, magic)
            elif magic == PCAPNG_MAGIC:
                yield from _pcapng(path, fh, magic)
            else:
                raise EvidenceFormatError(
                    f"not a pcap or pcapng file (starts with {magic.hex() or 'nothing'})",
                    source=str(path),
                )
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise EvidenceFormatError(f"damaged gzip compression ({exc})", source=str(path)) from None


def _pcap(path: Path, fh: IO[bytes], magic: bytes) -> Iterator[Packet]:
    order, scale = _PCAP_MAGICS[magic]
    header = fh.read(20)
    if len(header) < 20:
        raise EvidenceFormatError("pcap file header is cut short", source=str(path))
    major, _minor, _zone, _sigfigs, _snaplen, linktype = struct.unpack(order + "HHiIII", header)
    if major != 2:
        raise EvidenceFormatError(f"unsupported pcap version {major}", source=str(path))
    linktype &= 0x0FFFFFFF  # the upper bits carry FCS flags
    record = struct.Struct(order + "IIII")
    read = fh.read
    number = 0
    while True:
        head = read(16)
        if len(head) < 16:
            return  # end of file, or a record header cut short
        number += 1
        seconds, fraction, caplen, _origlen = record.unpack(head)
        if caplen > MAX_PACKET:
            raise EvidenceFormatError(
                f"packet {number}: captured length {caplen} is larger than {MAX_PACKET} "
                "(damaged file?)",
                source=str(path),
            )
        data = read(caplen)
        if len(data) < caplen:
            return  # the last packet was cut short
        yield number, seconds + fraction * scale, linktype, data


class _Interface:
    __slots__ = ("linktype", "scale")

    def __init__(self, linktype: int, scale: float) -> None:
        self.linktype = linktype
        self.scale = scale


def _tsresol(options: bytes, order: str) -> float:
    """The timestamp unit from an IDB's ``if_tsresol`` option (default microseconds)."""
    pos = 0
    while pos + 4 <= len(options):
        code, length = struct.unpack_from(order + "HH", options, pos)
        pos += 4
        if code == 0:
            break
        if code == 9 and length >= 1 and pos < len(options):
            value = options[pos]
            exponent = value & 0x7F
            if exponent > 60:
                break
            return 2.0**-exponent if value & 0x80 else 10.0**-exponent
        pos += (length + 3) & ~3
    return 1e-6


def _pcapng(path: Path, fh: IO[bytes], magic: bytes) -> Iterator[Packet]:
    order = "<"
    interfaces: list[_Interface] = []
    number = 0
    block_no = 0
    first = magic
    while True:
        head = first + fh.read(8 - len(first)) if first else fh.read(8)
        first = b""
        if len(head) < 8:
            return
        block_no += 1
        block_type = struct.unpack_from(order + "I", head)[0]
        if block_type == 0x0A0D0D0A:
            bom = fh.read(4)
            if len(bom) < 4:
                return
            if struct.unpack("<I", bom)[0] == _BYTE_ORDER_MAGIC:
                order = "<"
            elif struct.unpack(">I", bom)[0] == _BYTE_ORDER_MAGIC:
                order = ">"
            else:
                raise EvidenceFormatError(
                    f"block {block_no}: bad section byte-order magic", source=str(path)
                )
            length = struct.unpack_from(order + "I", head, 4)[0]
            body_left = length - 12
            interfaces = []
        else:
            length = struct.unpack_from(order + "I", head, 4)[0]
            bom = b""
            body_left = length - 8
        if length < 12 or length % 4:
            raise EvidenceFormatError(
                f"block {block_no}: bad block length {length}", source=str(path)
            )
        if length > MAX_BLOCK:
            if block_type in (2, 3, 6):
                raise EvidenceFormatError(
                    f"block {block_no}: packet block of {length} bytes is larger than "
                    f"{MAX_BLOCK} (damaged file?)",
                    source=str(path),
                )
            _skip(fh, body_left)
            continue
        body = fh.read(body_left)
        if len(body) < body_left:
            return  # the last block was cut short
        payload = body[:-4]
        if block_type == 1 and len(payload) >= 8:
            linktype = struct.unpack_from(order + "H", payload)[0]
            interfaces.append(_Interface(linktype, _tsresol(payload[8:], order)))
        elif block_type in (6, 2) and len(payload) >= 20:
            if block_type == 6:
                iface, high, low, caplen = struct.unpack_from(order + "IIII", payload)
            else:
                iface, _drops, high, low, caplen = struct.unpack_from(order + "HHIII", payload)
            number += 1
            if iface >= len(interfaces):
                raise EvidenceFormatError(
                    f"packet {number} (block {block_no}): unknown interface {iface}",
                    source=str(path),
                )
            data = payload[20 : 20 + caplen]
            interface = interfaces[iface]
            yield number, ((high << 32) | low) * interface.scale, interface.linktype, data
        elif block_type == 3 and len(payload) >= 4 and interfaces:
            number += 1
            yield number, 0.0, interfaces[0].linktype, payload[4:]


def _skip(fh: IO[bytes], size: int) -> None:
    while size > 0:
        chunk = fh.read(min(size, 1 << 20))
        if not chunk:
            return
        size -= len(chunk)
