"""mDNS / DNS-SD (UDP 5353): answer queries for the device's advertised services.

Answers PTR queries for ``_services._dns-sd._udp.local`` and for each service type (with the
SRV, TXT and A records as additionals), SRV/TXT queries for an instance and A queries for the
host name. Queries from a port other than 5353 are "legacy unicast" (RFC 6762 6.7): the reply
echoes the id and questions and caps TTLs at 10 s. Everything goes back by unicast to the sender
(on loopback nobody else could hear it). Responses, malformed messages and queries for other
names get nothing.
"""

from __future__ import annotations

from camaudit.lab.base import ServiceContext
from camaudit.lab.discovery_spec import MdnsSpec
from camaudit.lab.dns_message import (
    CLASS_IN,
    FLAG_AUTHORITATIVE,
    FLAG_RESPONSE,
    TYPE_A,
    TYPE_ANY,
    TYPE_PTR,
    TYPE_SRV,
    TYPE_TXT,
    DnsParseError,
    Message,
    Question,
    Record,
    a_record,
    encode_message,
    parse_message,
    ptr_record,
    srv_record,
    txt_record,
)
from camaudit.lab.templates import render
from camaudit.lab.udp_base import Address, UdpService

MDNS_PORT = 5353
SERVICES = "_services._dns-sd._udp.local"
TTL = 120
LEGACY_TTL = 10


class MdnsService(UdpService):
    name = "mdns"
    multicast_group = "224.0.0.251"

    def __init__(self, ctx: ServiceContext) -> None:
        super().__init__(ctx)
        spec = ctx.persona.spec("mdns", MdnsSpec)
        base = ctx.context
        self.host = render(spec.hostname, base).replace(".", "-").lower() + ".local"
        self.types: dict[str, str] = {}  # service type name -> instance full name
        self.instances: dict[str, tuple[int, list[str]]] = {}  # instance -> (port, txt)
        self.instance_names: dict[str, str] = {}  # lower-case instance name -> as advertised
        for service in spec.services:
            label = render(service.instance, base).replace(".", "-")
            full = f"{label}.{service.type}.local"
            port_text = render(service.port, base)
            port = int(port_text) if port_text.isdigit() and int(port_text) < 65536 else 0
            self.types[f"{service.type}.local"] = full
            self.instances[full.lower()] = (port, [render(t, base) for t in service.txt])
            self.instance_names[full.lower()] = full

    def _instance_records(self, full: str, ttl: int) -> list[Record]:
        port, txt = self.instances[full.lower()]
        return [srv_record(full, self.host, port, ttl), txt_record(full, txt, ttl)]

    def records_for(self, question: Question, ttl: int) -> tuple[list[Record], list[Record]]:
        """(answers, additionals) for one question."""
        if question.qclass not in (CLASS_IN, TYPE_ANY):
            return [], []
        name, qtype = question.name, question.qtype
        wants = {qtype} if qtype != TYPE_ANY else {TYPE_PTR, TYPE_SRV, TYPE_TXT, TYPE_A}
        if name == SERVICES and TYPE_PTR in wants:
            return [ptr_record(SERVICES, t, ttl) for t in self.types], []
        if name in self.types and TYPE_PTR in wants:
            full = self.types[name]
            extra = [*self._instance_records(full, ttl), a_record(self.host, self.ctx.ip, ttl)]
            return [ptr_record(name, full, ttl)], extra
        if name in self.instances:
            full = self.instance_names[name]
            records = self._instance_records(full, ttl)
            answers = [r for r in records if r.rtype in wants]
            return answers, [a_record(self.host, self.ctx.ip, ttl)] if answers else []
        if name == self.host.lower() and TYPE_A in wants:
            return [a_record(self.host, self.ctx.ip, ttl)], []
        return [], []

    def answer(self, data: bytes, addr: Address) -> list[bytes]:
        try:
            query = parse_message(data)
        except DnsParseError:
            return []
        if query.is_response or (query.flags >> 11) & 0xF or not query.questions:
            return []
        legacy = addr[1] != MDNS_PORT
        ttl = LEGACY_TTL if legacy else TTL
        answers: list[Record] = []
        additionals: list[Record] = []
        for question in query.questions:
            found, extra = self.records_for(question, ttl)
            answers += found
            additionals += [r for r in extra if r not in additionals and r not in answers]
        if not answers:
            return []
        reply = Message(
            id=query.id if legacy else 0,
            flags=FLAG_RESPONSE | FLAG_AUTHORITATIVE,
            questions=query.questions if legacy else (),
            answers=tuple(answers),
            additionals=tuple(additionals),
        )
        return [encode_message(reply)]


async def start(ctx: ServiceContext) -> MdnsService:
    service = MdnsService(ctx)
    await service.start()
    return service
