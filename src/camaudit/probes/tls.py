"""TLS probe: complete a handshake and record the server's certificate (PEM) as ``tls`` evidence.

Certificates are recorded, never trusted: verification is off and old protocol versions are
allowed so that old camera firmware still completes the handshake. Nothing is sent after it.
"""

from __future__ import annotations

import ssl

from camaudit.models import EvidenceKind
from camaudit.net.transport import close_quietly
from camaudit.probes.base import ProbeContext, ProbeResult, ProbeStatus, Timer, observed
from camaudit.probes.http_request import Outcome, client_tls_context, connect, peer_certificate
from camaudit.probes.tls_raw import record_raw_certificate


def certificate_pem(der: bytes) -> bytes:
    """PEM text of a DER certificate (the shape the ``tls`` extractor reads)."""
    return ssl.DER_cert_to_PEM_cert(der).encode("ascii")


class TlsProbe:
    """Certificate grab on TLS ports."""

    name = "tls"
    default_ports: tuple[int, ...] = (443, 8443)

    async def run(self, ip: str, port: int, ctx: ProbeContext) -> ProbeResult:
        timer = Timer()
        result = ProbeResult(self.name, ip, port, ProbeStatus.NO_RESPONSE)
        deadline = timer.start + ctx.timeout
        conn = await connect(ctx, ip, port, deadline, client_tls_context())
        if isinstance(conn, Outcome):
            result.status, result.detail = conn.status, conn.detail
            if conn.status is ProbeStatus.PROTOCOL_ERROR:
                await record_raw_certificate(self.name, ip, port, ctx, deadline, result)
        else:
            _, writer = conn
            der = peer_certificate(writer)
            await close_quietly(writer)
            if der:
                result.status = ProbeStatus.SUCCESS
                result.evidence.append(
                    observed(
                        EvidenceKind.TLS,
                        certificate_pem(der),
                        ip,
                        port,
                        f"probe:{self.name} handshake",
                    )
                )
            else:
                result.status = ProbeStatus.PROTOCOL_ERROR
                result.detail = "TLS handshake completed without a certificate"
        result.elapsed = timer.elapsed
        return result
