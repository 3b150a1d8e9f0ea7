"""Shared shape of the UDP discovery probes (WS-Discovery, SADP, DHIP): one request, replies from
the target kept as evidence; and the opt-in multicast/broadcast form of the same request.

A subclass says what to send (:meth:`DatagramProbe.payloads`) and what a valid reply is
(:meth:`DatagramProbe.evidence_payload`); the run stops at the first valid reply, the timeout,
or the reply/byte caps of :func:`camaudit.net.udp.udp_exchange`.
"""

from __future__ import annotations

from camaudit.errors import ScopeError
from camaudit.models import Evidence, EvidenceKind
from camaudit.net.udp import Datagram, UdpExchange, udp_discover, udp_exchange
from camaudit.probes.base import ProbeContext, ProbeResult, ProbeStatus, Timer, observed

#: Most distinct replies kept as evidence from one target.
MAX_EVIDENCE = 4


def exchange_status(ex: UdpExchange, accepted: int) -> ProbeStatus:
    """Status of a UDP exchange given how many replies were valid for the protocol."""
    if ex.error and not ex.replies:
        return ProbeStatus.ERROR
    if accepted:
        return ProbeStatus.TRUNCATED if ex.truncated else ProbeStatus.SUCCESS
    if ex.replies:
        return ProbeStatus.PROTOCOL_ERROR
    return ProbeStatus.REFUSED if ex.refused else ProbeStatus.NO_RESPONSE


class DatagramProbe:
    """Base for request/response UDP discovery probes."""

    name = "udp"
    default_ports: tuple[int, ...] = ()
    kind: EvidenceKind = EvidenceKind.BANNER
    request_name = "request"
    #: (group or broadcast address, port) for :meth:`discover`.
    discovery_address: tuple[str, int] = ("239.255.255.250", 0)
    gap = 0.0  # pause between payloads when there are several

    def payloads(self, ip: str, port: int) -> list[bytes]:
        raise NotImplementedError

    def evidence_payload(self, data: bytes) -> bytes | None:
        """The evidence bytes in one reply, or None if it is not a reply of this protocol."""
        raise NotImplementedError

    def learn(self, ip: str, payload: bytes, ctx: ProbeContext) -> None:
        """Hook: note what later probes can use (WS-Discovery XAddrs)."""

    def _enough(self, replies: list[Datagram]) -> bool:
        return self.evidence_payload(replies[-1].data) is not None

    def _collect(
        self, ex: UdpExchange, ctx: ProbeContext, port: int | None
    ) -> tuple[list[Evidence], int]:
        evidence: list[Evidence] = []
        seen: set[tuple[str, bytes]] = set()
        per_host: dict[str, int] = {}
        accepted = 0
        for reply in ex.replies:
            payload = self.evidence_payload(reply.data)
            if payload is None:
                continue
            accepted += 1
            host = reply.source[0]
            if (host, payload) in seen or per_host.get(host, 0) >= MAX_EVIDENCE:
                continue
            seen.add((host, payload))
            per_host[host] = per_host.get(host, 0) + 1
            self.learn(host, payload, ctx)
            evidence.append(
                observed(
                    self.kind,
                    payload,
                    host,
                    port if port is not None else reply.source[1],
                    f"probe:{self.name} {self.request_name}",
                )
            )
        return evidence, accepted

    async def run(self, ip: str, port: int, ctx: ProbeContext) -> ProbeResult:
        timer = Timer()
        result = ProbeResult(self.name, ip, port, ProbeStatus.NO_RESPONSE)
        try:
            ex = await udp_exchange(
                ctx.scope,
                ip,
                port,
                self.payloads(ip, port),
                timeout=ctx.timeout,
                max_bytes=ctx.max_bytes,
                limiter=ctx.limiter,
                enough=self._enough,
                gap=self.gap,
            )
        except ScopeError as exc:
            result.status, result.detail = ProbeStatus.OUT_OF_SCOPE, str(exc)
            return result
        evidence, accepted = self._collect(ex, ctx, port)
        result.evidence = evidence
        result.status = exchange_status(ex, accepted)
        result.detail = ex.error
        result.elapsed = timer.elapsed
        return result

    async def discover(
        self,
        ctx: ProbeContext,
        interface: str,
        destination: str | None = None,
        port: int | None = None,
    ) -> list[ProbeResult]:
        """Opt-in: send the request to the protocol's multicast group (or ``destination``, e.g.
        255.255.255.255; ``port`` overrides the protocol's) from local address ``interface``.
        One result per in-scope replier; replies from elsewhere are dropped unread."""
        timer = Timer()
        group, default_port = self.discovery_address
        dest, dport = destination or group, port or default_port
        ex = await udp_discover(
            ctx.scope,
            dest,
            dport,
            self.payloads(dest, dport),
            interface=interface,
            timeout=ctx.timeout,
            max_bytes=ctx.max_bytes,
            limiter=ctx.limiter,
        )
        evidence, _ = self._collect(ex, ctx, dport)
        results: dict[str, ProbeResult] = {}
        for ev in evidence:
            host = ev.ip or ""
            res = results.setdefault(host, ProbeResult(self.name, host, dport, ProbeStatus.SUCCESS))
            res.evidence.append(ev)
            res.elapsed = timer.elapsed
        return list(results.values())
