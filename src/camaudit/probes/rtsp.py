"""RTSP probe: ``OPTIONS`` then ``DESCRIBE`` of the root URL on one connection, no credentials.

Evidence: ``rtsp``, one per response (raw text: status line, headers — ``Server``, the 401
``WWW-Authenticate`` realm — and any SDP body), so the identification engine sees each one.
"""

from __future__ import annotations

import asyncio
import ssl
import time

from camaudit.models import EvidenceKind
from camaudit.net.transport import close_quietly
from camaudit.probes.base import ProbeContext, ProbeResult, ProbeStatus, RunBudget, Timer, observed
from camaudit.probes.http_request import Outcome, Request, classify, connect, read_message


class RtspProbe:
    """Unauthenticated RTSP ``OPTIONS`` + ``DESCRIBE``."""

    name = "rtsp"
    default_ports: tuple[int, ...] = (554,)

    async def run(self, ip: str, port: int, ctx: ProbeContext) -> ProbeResult:
        timer = Timer()
        budget = RunBudget(ctx.timeout, steps=2.0)
        result = ProbeResult(self.name, ip, port, ProbeStatus.NO_RESPONSE)
        conn = await connect(ctx, ip, port, budget.deadline(), None)
        if isinstance(conn, Outcome):
            result.status, result.detail = conn.status, conn.detail
            result.elapsed = timer.elapsed
            return result
        reader, writer = conn
        host = f"[{ip}]" if ":" in ip else ip
        url = f"rtsp://{host}:{port}/"
        requests = (
            Request("OPTIONS", url, (("CSeq", "1"),), protocol="RTSP/1.0", close=False),
            Request(
                "DESCRIBE",
                url,
                (("CSeq", "2"), ("Accept", "application/sdp")),
                protocol="RTSP/1.0",
                close=False,
            ),
        )
        try:
            for request in requests:
                if budget.exhausted:
                    break
                if request.method != "OPTIONS":
                    await ctx.limiter.acquire()
                deadline = budget.deadline()
                writer.write(request.encode(ip, port, ctx.user_agent))
                await asyncio.wait_for(writer.drain(), max(0.01, deadline - time.monotonic()))
                data, truncated, complete = await read_message(
                    reader, deadline=deadline, max_bytes=ctx.max_bytes
                )
                out = classify(data, truncated)
                if out.response is not None and not out.response.raw.startswith(b"RTSP/"):
                    # Another protocol on the RTSP port (an HTTP server answering): not RTSP.
                    result.evidence.append(
                        observed(
                            EvidenceKind.HTTP,
                            out.response.raw,
                            ip,
                            port,
                            f"probe:{self.name} {request.method} (answered in HTTP)",
                        )
                    )
                    result.status = ProbeStatus.PROTOCOL_ERROR
                    break
                if out.response is None:
                    if out.data and not result.evidence:
                        result.evidence.append(
                            observed(
                                EvidenceKind.BANNER,
                                out.data,
                                ip,
                                port,
                                f"probe:{self.name} {request.method}",
                            )
                        )
                        result.status = ProbeStatus.PROTOCOL_ERROR
                    break
                result.evidence.append(
                    observed(
                        EvidenceKind.RTSP,
                        out.response.raw,
                        ip,
                        port,
                        f"probe:{self.name} {request.method} {url}",
                        truncated=out.response.truncated,
                    )
                )
                if result.status is not ProbeStatus.TRUNCATED:
                    result.status = out.status
                if not complete:
                    break  # the peer closed or stalled: a second request would not be answered
        except (TimeoutError, ConnectionError, OSError, ssl.SSLError):
            pass
        finally:
            await close_quietly(writer)
        result.elapsed = timer.elapsed
        return result
