"""Unicast mDNS / DNS-SD probe: DNS queries sent straight to UDP 5353 of the target (RFC 6762
§6.7 "legacy unicast": the responder answers to our port), never to the multicast group.

The first query asks for the service list (``_services._dns-sd._udp.local``) and a few camera
service types at once; one follow-up asks for the instances, SRV and TXT records still missing.
Evidence: ``mdns`` — ``key=value`` lines per instance (``service=``, ``instance=``, ``hostname=``,
``port=``, ``txt.<key>=``), and one record listing service types that had no instance.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field

from camaudit.errors import ScopeError
from camaudit.models import EvidenceKind
from camaudit.net.udp import Datagram, UdpExchange, udp_exchange
from camaudit.probes.base import ProbeContext, ProbeResult, ProbeStatus, RunBudget, Timer, observed
from camaudit.probes.datagram import exchange_status
from camaudit.probes.dnswire import (
    TYPE_PTR,
    TYPE_SRV,
    TYPE_TXT,
    Message,
    Name,
    decode_message,
    encode_query,
    name_labels,
    name_text,
)

SERVICES_META = name_labels("_services._dns-sd._udp.local")
#: Service types asked for directly (protocols.md §7.2), besides the service list.
KNOWN_SERVICES: tuple[Name, ...] = tuple(
    name_labels(s)
    for s in (
        "_axis-video._tcp.local",
        "_axis-nvr._tcp.local",
        "_http._tcp.local",
        "_rtsp._tcp.local",
        "_arec._tcp.local",
    )
)
_MAX_FOLLOW_UP = 6
_MAX_TXT = 32
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def clean(text: str, limit: int = 256) -> str:
    """One safe line: control characters (newlines included) become spaces."""
    return _CONTROL.sub(" ", text)[:limit].strip()


@dataclass(slots=True)
class Findings:
    """What the answers said, by instance."""

    services: list[Name] = field(default_factory=list)
    instances: dict[Name, Name] = field(default_factory=dict)  # instance → service type
    srv: dict[Name, tuple[int, Name]] = field(default_factory=dict)  # instance → (port, host)
    txt: dict[Name, list[str]] = field(default_factory=dict)

    def add(self, msg: Message) -> None:
        for rec in msg.records:
            if rec.rtype == TYPE_PTR and isinstance(rec.value, tuple):
                target: Name = rec.value
                if rec.name == SERVICES_META:
                    if target not in self.services and len(self.services) < 64:
                        self.services.append(target)
                elif target[1:] == rec.name and len(target) > 1 and len(self.instances) < 64:
                    self.instances.setdefault(target, rec.name)
            elif rec.rtype == TYPE_SRV and isinstance(rec.value, tuple):
                _, _, port, host = rec.value
                self.srv.setdefault(rec.name, (int(port), host))
            elif rec.rtype == TYPE_TXT and isinstance(rec.value, list):
                self.txt.setdefault(rec.name, [str(v) for v in rec.value][:_MAX_TXT])

    def follow_up(self, asked: set[Name]) -> list[tuple[Name, int]]:
        questions: list[tuple[Name, int]] = []
        for service in self.services:
            if service not in asked and len(questions) < _MAX_FOLLOW_UP:
                questions.append((service, TYPE_PTR))
        for instance in list(self.instances)[:_MAX_FOLLOW_UP]:
            if instance not in self.srv:
                questions.append((instance, TYPE_SRV))
            if instance not in self.txt:
                questions.append((instance, TYPE_TXT))
        return questions

    def records(self) -> list[bytes]:
        """The evidence payloads: one per instance, then one for bare service types."""
        out: list[bytes] = []
        described: set[Name] = set()
        for instance, service in self.instances.items():
            described.add(service)
            lines = [f"service={clean(name_text(service))}", f"instance={clean(instance[0])}"]
            if instance in self.srv:
                port, host = self.srv[instance]
                lines += [f"hostname={clean(name_text(host))}", f"port={port}"]
            for item in self.txt.get(instance, []):
                key, sep, value = item.partition("=")
                if key.strip():
                    lines.append(f"txt.{clean(key, 64).lower()}={clean(value) if sep else ''}")
            out.append(("\n".join(lines) + "\n").encode("utf-8"))
        bare = [s for s in self.services if s not in described]
        if bare:
            out.append(("".join(f"service={clean(name_text(s))}\n" for s in bare)).encode())
        return out


class MdnsProbe:
    """DNS-SD over unicast to port 5353."""

    name = "mdns"
    default_ports: tuple[int, ...] = (5353,)

    async def _ask(
        self, ip: str, port: int, questions: list[tuple[Name, int]], ctx: ProbeContext, wait: float
    ) -> tuple[UdpExchange, Message | None]:
        query_id = secrets.randbelow(0xFFFF) + 1

        def answer(data: bytes) -> Message | None:
            msg = decode_message(data)
            ok = msg is not None and msg.is_response and msg.query_id in (query_id, 0)
            return msg if ok else None

        def enough(replies: list[Datagram]) -> bool:
            return answer(replies[-1].data) is not None

        ex = await udp_exchange(
            ctx.scope,
            ip,
            port,
            [encode_query(query_id, questions)],
            timeout=wait,
            max_bytes=ctx.max_bytes,
            limiter=ctx.limiter,
            enough=enough,
        )
        found = next((m for m in (answer(r.data) for r in ex.replies) if m is not None), None)
        return ex, found

    async def run(self, ip: str, port: int, ctx: ProbeContext) -> ProbeResult:
        timer = Timer()
        budget = RunBudget(ctx.timeout, steps=2.0)
        result = ProbeResult(self.name, ip, port, ProbeStatus.NO_RESPONSE)
        first = [(SERVICES_META, TYPE_PTR)] + [(s, TYPE_PTR) for s in KNOWN_SERVICES]
        try:
            ex, msg = await self._ask(ip, port, first, ctx, ctx.timeout)
        except ScopeError as exc:
            result.status, result.detail = ProbeStatus.OUT_OF_SCOPE, str(exc)
            return result
        result.status = exchange_status(ex, 1 if msg is not None else 0)
        result.detail = ex.error
        if msg is None:
            result.elapsed = timer.elapsed
            return result
        findings = Findings()
        findings.add(msg)
        more = findings.follow_up({q for q, _ in first})
        if more and not budget.exhausted:
            ex2, msg2 = await self._ask(ip, port, more, ctx, min(ctx.timeout, budget.remaining()))
            if msg2 is not None:
                findings.add(msg2)
                if ex2.truncated:
                    result.status = ProbeStatus.TRUNCATED
        for payload in findings.records():
            result.evidence.append(
                observed(EvidenceKind.MDNS, payload, ip, port, f"probe:{self.name} DNS-SD query")
            )
        result.elapsed = timer.elapsed
        return result
