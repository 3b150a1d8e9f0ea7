"""WS-Discovery probe (ONVIF): a unicast ``Probe`` to UDP 3702 of each target; the opt-in
multicast form goes to 239.255.255.250:3702 (:meth:`WsdProbe.discover`).

Two Probes are sent, ``tds:Device`` (every conformant ONVIF device) then
``dn:NetworkVideoTransmitter`` (older cameras), and the run stops at the first ``ProbeMatches``.
Evidence: ``wsd_probematch`` (the SOAP envelope). ``XAddrs`` go to ``ctx.hints`` for the ONVIF probe.
"""

from __future__ import annotations

import re
import uuid

from camaudit.models import EvidenceKind
from camaudit.probes.base import ProbeContext
from camaudit.probes.datagram import DatagramProbe

_TYPES = (
    ("tds", "http://www.onvif.org/ver10/device/wsdl", "Device"),
    ("dn", "http://www.onvif.org/ver10/network/wsdl", "NetworkVideoTransmitter"),
)
_MATCH = re.compile(rb"<(?:[\w.-]{1,32}:)?ProbeMatches\b")
_XADDRS = re.compile(rb"<(?:[\w.-]{1,32}:)?XAddrs\s*>([^<]{0,4096})<")


def probe_message(prefix: str, namespace: str, type_name: str, message_id: str) -> bytes:
    """A WS-Discovery (2005/04) Probe for one type, SOAP 1.2."""
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
        'xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" '
        'xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" '
        f'xmlns:{prefix}="{namespace}">'
        "<s:Header>"
        f"<a:MessageID>urn:uuid:{message_id}</a:MessageID>"
        "<a:To>urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To>"
        "<a:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</a:Action>"
        "</s:Header>"
        f"<s:Body><d:Probe><d:Types>{prefix}:{type_name}</d:Types></d:Probe></s:Body>"
        "</s:Envelope>"
    ).encode()


def xaddrs(payload: bytes) -> list[str]:
    """Service URLs in a ProbeMatch (bounded scan)."""
    urls: list[str] = []
    for m in _XADDRS.finditer(payload[:65536]):
        urls += m.group(1).decode("utf-8", "replace").split()
    return urls[:16]


class WsdProbe(DatagramProbe):
    """Unicast WS-Discovery Probe → ProbeMatch."""

    name = "wsd"
    default_ports: tuple[int, ...] = (3702,)
    kind = EvidenceKind.WSD_PROBEMATCH
    request_name = "Probe"
    discovery_address = ("239.255.255.250", 3702)
    gap = 0.05

    def payloads(self, ip: str, port: int) -> list[bytes]:
        return [probe_message(p, ns, t, str(uuid.uuid4())) for p, ns, t in _TYPES]

    def evidence_payload(self, data: bytes) -> bytes | None:
        return data if _MATCH.search(data[:65536]) else None

    def learn(self, ip: str, payload: bytes, ctx: ProbeContext) -> None:
        urls = xaddrs(payload)
        if urls:
            ctx.hints.add_xaddrs(ip, urls)
