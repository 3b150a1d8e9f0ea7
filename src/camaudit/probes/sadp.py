"""Hikvision SADP probe: the XML ``inquiry`` to UDP 37020 (protocols.md §1.2), unicast per
target; the opt-in multicast form goes to 239.255.255.250:37020 (:meth:`SadpProbe.discover`).

Only the read-only ``inquiry`` is ever sent (never activate/reset/getcode). Evidence: ``sadp``
(the ProbeMatch XML: model, serial, MAC, firmware).
"""

from __future__ import annotations

import re
import uuid

from camaudit.models import EvidenceKind
from camaudit.probes.datagram import DatagramProbe

_MATCH = re.compile(rb"<ProbeMatch\b")


def inquiry(message_id: str) -> bytes:
    """The SADP inquiry: a bare XML document with an upper-case UUID."""
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        f"<Probe><Uuid>{message_id.upper()}</Uuid><Types>inquiry</Types></Probe>"
    ).encode()


class SadpProbe(DatagramProbe):
    """Unicast SADP inquiry → ProbeMatch."""

    name = "sadp"
    default_ports: tuple[int, ...] = (37020,)
    kind = EvidenceKind.SADP
    request_name = "inquiry"
    discovery_address = ("239.255.255.250", 37020)

    def payloads(self, ip: str, port: int) -> list[bytes]:
        return [inquiry(str(uuid.uuid4()))]

    def evidence_payload(self, data: bytes) -> bytes | None:
        return data if _MATCH.search(data[:4096]) else None
