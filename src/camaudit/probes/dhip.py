"""Dahua DHIP discovery probe: ``DHDiscover.search`` behind the 32-byte DHIP header to UDP 37810
(protocols.md §2.1-2.3), unicast per target; the opt-in multicast (239.255.255.251) or broadcast
form is :meth:`DhipProbe.discover`.

Evidence: ``dhip`` — the JSON part of the reply (``client.notifyDevInfo`` with ``deviceInfo``).
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass

from camaudit.models import EvidenceKind
from camaudit.probes.datagram import DatagramProbe

HEADER = struct.Struct("<I4sIIIIII")
MAGIC = b"DHIP"
_MAGICS = (MAGIC, b"PIHD")  # some doorbells answer byte-reversed
SEARCH = {"method": "DHDiscover.search", "params": {"mac": "", "uni": 1}}


@dataclass(frozen=True, slots=True)
class DhipFrame:
    """A parsed DHIP frame: header fields and the JSON text (trailing NULs stripped)."""

    header_size: int
    session: int
    request_id: int
    length: int
    json_text: bytes


def build_frame(body: bytes, session: int = 0, request_id: int = 0) -> bytes:
    """The 32-byte DHIP header (size, magic, session, id, length, 0, length, 0) and ``body``."""
    return HEADER.pack(32, MAGIC, session, request_id, len(body), 0, len(body), 0) + body


def parse_frame(data: bytes) -> DhipFrame | None:
    """Total parser: a DHIP frame with a JSON object after the header, else None.

    The header length varies between firmwares, so the JSON is read from the first ``{`` after
    the header to the last ``}`` (protocols.md §2.2); a frame cut short keeps what it has.
    """
    if len(data) < 8 or data[4:8] not in _MAGICS:
        return None
    if len(data) >= HEADER.size:
        size, _, session, request_id, length, _, _, _ = HEADER.unpack_from(data)
    else:
        size, session, request_id, length = struct.unpack_from("<I", data)[0], 0, 0, 0
    # Start after the declared header when it is plausible (its fields may hold a 0x7B byte),
    # else at the first '{"' after the magic.
    start = data.find(b"{", size) if 8 < size <= min(len(data), 256) else data.find(b'{"', 8)
    if start < 0:
        return None
    end = data.rfind(b"}")
    body = data[start : end + 1] if end > start else data[start:]
    body = body.rstrip(b"\x00")
    return DhipFrame(size, session, request_id, length, body)


def search_request() -> bytes:
    return build_frame(json.dumps(SEARCH, separators=(",", ":")).encode() + b"\n")


class DhipProbe(DatagramProbe):
    """Unicast DHIP ``DHDiscover.search`` → ``client.notifyDevInfo``."""

    name = "dhip"
    default_ports: tuple[int, ...] = (37810,)
    kind = EvidenceKind.DHIP
    request_name = "DHDiscover.search"
    discovery_address = ("239.255.255.251", 37810)

    def payloads(self, ip: str, port: int) -> list[bytes]:
        return [search_request()]

    def evidence_payload(self, data: bytes) -> bytes | None:
        frame = parse_frame(data)
        if frame is None or b"DHDiscover.search" in frame.json_text:
            return None  # not DHIP, or a search request (ours echoed, or another client's)
        return frame.json_text
