"""TCP connect probe: is the port open? Status only, no evidence (used to skip closed ports)."""

from __future__ import annotations

from camaudit.net.transport import close_quietly
from camaudit.probes.base import ProbeContext, ProbeResult, ProbeStatus, Timer
from camaudit.probes.http_request import Outcome, connect

#: Ports cameras, recorders and their TCP probes use (web, RTSP, vendor SDKs, FTP/Telnet, ONVIF).
CAMERA_TCP_PORTS: tuple[int, ...] = (
    21, 23, 80, 443, 554, 2020, 5000, 8000, 8080, 8443, 8899, 9000, 37777,
)  # fmt: skip


class TcpProbe:
    """Connect and close. ``SUCCESS`` = open, ``REFUSED`` = closed, ``TIMEOUT`` = filtered."""

    name = "tcp"
    default_ports: tuple[int, ...] = CAMERA_TCP_PORTS

    async def run(self, ip: str, port: int, ctx: ProbeContext) -> ProbeResult:
        timer = Timer()
        conn = await connect(ctx, ip, port, timer.start + ctx.timeout, None)
        if isinstance(conn, Outcome):
            result = ProbeResult(self.name, ip, port, conn.status, detail=conn.detail)
        else:
            await close_quietly(conn[1])
            result = ProbeResult(self.name, ip, port, ProbeStatus.SUCCESS)
        result.elapsed = timer.elapsed
        return result
