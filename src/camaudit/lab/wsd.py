"""WS-Discovery (UDP 3702): answer a Probe with a ProbeMatch naming the device's ONVIF service.

Follows the 2005/04 draft namespaces ONVIF uses (protocols.md 3.1): a probe matches when every
type it asks for is one of the device's types (compared by local name) and every scope it
lists matches a device scope by the RFC 3986 rule (whole path segments) or, with
``MatchBy=.../strcmp0``, exactly. The reply goes by unicast to the sender. Multicast group:
239.255.255.250 (joined only on non-loopback addresses, see :mod:`camaudit.lab.udp_base`).
"""

from __future__ import annotations

import re
import uuid
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element
from xml.sax.saxutils import escape

from camaudit.lab.base import ServiceContext
from camaudit.lab.onvif_soap import SOAP12, parse_xml
from camaudit.lab.onvif_spec import OnvifSpec
from camaudit.lab.templates import render
from camaudit.lab.udp_base import Address, UdpService

WSA = "http://schemas.xmlsoap.org/ws/2004/08/addressing"
DISCOVERY = "http://schemas.xmlsoap.org/ws/2005/04/discovery"
PROBE_ACTION = f"{DISCOVERY}/Probe"
RFC3986 = f"{DISCOVERY}/rfc3986"
STRCMP0 = f"{DISCOVERY}/strcmp0"
_MESSAGE_ID = re.compile(r"^[\x21-\x7e]{1,256}$")
MAX_TERMS = 32


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _find(parent: Element | None, local: str) -> Element | None:
    if parent is None:
        return None
    return next((child for child in parent if _local(child.tag) == local), None)


def scope_matches(wanted: str, offered: str, match_by: str = RFC3986) -> bool:
    """Does a probe scope match a device scope (WS-Discovery 2005/04 rules)?"""
    if match_by == STRCMP0:
        return wanted == offered
    a, b = urlsplit(wanted), urlsplit(offered)
    if a.scheme.lower() != b.scheme.lower() or a.netloc.lower() != b.netloc.lower():
        return False
    want = [s for s in a.path.split("/") if s]
    have = [s for s in b.path.split("/") if s]
    return want == have[: len(want)]


class Probe:
    """The parts of a Probe that matter: its message id, asked types and scopes."""

    def __init__(self, message_id: str, types: list[str], scopes: list[str], match_by: str) -> None:
        self.message_id = message_id
        self.types = types
        self.scopes = scopes
        self.match_by = match_by


def parse_probe(data: bytes) -> Probe | None:
    """A well-formed WS-Discovery Probe, or None."""
    root = parse_xml(data)
    if root is None or root.tag != f"{{{SOAP12}}}Envelope":
        return None
    header, body = _find(root, "Header"), _find(root, "Body")
    action = _find(header, "Action")
    probe = _find(body, "Probe")
    if action is None or (action.text or "").strip() != PROBE_ACTION or probe is None:
        return None
    id_el = _find(header, "MessageID")
    message_id = ((id_el.text or "") if id_el is not None else "").strip()
    if message_id and not _MESSAGE_ID.match(message_id):
        return None
    types_el, scopes_el = _find(probe, "Types"), _find(probe, "Scopes")
    types = [
        t.rpartition(":")[2]
        for t in ((types_el.text or "") if types_el is not None else "").split()
    ]
    scopes = ((scopes_el.text or "") if scopes_el is not None else "").split()
    match_by = (scopes_el.get("MatchBy") if scopes_el is not None else None) or RFC3986
    if len(types) > MAX_TERMS or len(scopes) > MAX_TERMS:
        return None
    return Probe(message_id, types, scopes, match_by)


class WsdService(UdpService):
    name = "wsd"
    multicast_group = "239.255.255.250"

    def __init__(self, ctx: ServiceContext) -> None:
        super().__init__(ctx)
        spec = ctx.persona.spec("onvif", OnvifSpec)
        base = ctx.context
        self.types = render(spec.types, base)
        self.type_names = {t.rpartition(":")[2] for t in self.types.split()}
        self.scopes = [render(s, base) for s in spec.scopes]
        self.endpoint = render(spec.endpoint, base)
        onvif_port = ctx.device.ports.get("onvif", ctx.device.ports.get("http", 80))
        host = ctx.ip if onvif_port == 80 else f"{ctx.ip}:{onvif_port}"
        self.xaddrs = f"http://{host}/onvif/device_service"
        self.instance_id = str(int(ctx.resources.boot_time))
        self.message_number = 0

    def matches(self, probe: Probe) -> bool:
        if probe.match_by not in (RFC3986, STRCMP0):
            return False
        if not set(probe.types) <= self.type_names:
            return False
        return all(
            any(scope_matches(w, o, probe.match_by) for o in self.scopes) for w in probe.scopes
        )

    def answer(self, data: bytes, addr: Address) -> list[bytes]:
        probe = parse_probe(data)
        if probe is None or not self.matches(probe):
            return []
        self.message_number += 1
        relates = (
            f"<wsa:RelatesTo>{escape(probe.message_id)}</wsa:RelatesTo>" if probe.message_id else ""
        )
        reply = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<env:Envelope xmlns:env="{SOAP12}" xmlns:wsa="{WSA}" xmlns:d="{DISCOVERY}" '
            'xmlns:dn="http://www.onvif.org/ver10/network/wsdl" '
            'xmlns:tds="http://www.onvif.org/ver10/device/wsdl">'
            f"<env:Header><wsa:MessageID>urn:uuid:{uuid.uuid4()}</wsa:MessageID>{relates}"
            f"<wsa:To>{WSA}/role/anonymous</wsa:To>"
            f"<wsa:Action>{DISCOVERY}/ProbeMatches</wsa:Action>"
            f'<d:AppSequence InstanceId="{self.instance_id}" MessageNumber="{self.message_number}"/>'
            "</env:Header><env:Body><d:ProbeMatches><d:ProbeMatch>"
            f"<wsa:EndpointReference><wsa:Address>{escape(self.endpoint)}</wsa:Address>"
            f"</wsa:EndpointReference><d:Types>{escape(self.types)}</d:Types>"
            f"<d:Scopes>{escape(' '.join(self.scopes))}</d:Scopes>"
            f"<d:XAddrs>{escape(self.xaddrs)}</d:XAddrs><d:MetadataVersion>1</d:MetadataVersion>"
            "</d:ProbeMatch></d:ProbeMatches></env:Body></env:Envelope>\n"
        )
        return [reply.encode()]


async def start(ctx: ServiceContext) -> WsdService:
    service = WsdService(ctx)
    await service.start()
    return service
