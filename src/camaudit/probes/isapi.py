"""Hikvision ISAPI inventory with the user's credential: ``GET /ISAPI/System/deviceInfo``.

Runs only when the credential store holds a credential for this address and ``isapi``; otherwise
it sends nothing and reports ``SKIPPED``. Evidence: ``isapi`` (the deviceInfo XML body), and the
401 challenge as ``http`` when the device rejects the credential (its realm still identifies it).
"""

from __future__ import annotations

from camaudit.models import EvidenceKind
from camaudit.probes.auth_http import authenticated_start
from camaudit.probes.base import ProbeContext, ProbeResult, ProbeStatus, Timer
from camaudit.probes.http_request import Request

DEVICE_INFO = "/ISAPI/System/deviceInfo"


class IsapiProbe:
    """Authenticated ISAPI ``deviceInfo`` (TLS on 443/8443)."""

    name = "isapi"
    default_ports: tuple[int, ...] = (80,)

    async def run(self, ip: str, port: int, ctx: ProbeContext) -> ProbeResult:
        timer = Timer()
        result, client, _budget = authenticated_start(self.name, ip, port, ctx)
        if client is None:
            return result
        out = await client.request(
            Request("GET", DEVICE_INFO, (("Accept", "application/xml, text/xml, */*"),))
        )
        result.status, result.detail = out.status, out.detail
        resp = out.response
        source = f"probe:{self.name} GET {DEVICE_INFO}"
        if resp is not None and resp.status == 200 and b"<DeviceInfo" in resp.body:
            result.evidence.append(client.evidence(EvidenceKind.ISAPI, resp.body, source))
        elif resp is not None:
            result.evidence.append(client.evidence(EvidenceKind.HTTP, resp.raw, source))
            if resp.status != 401 and out.status is ProbeStatus.SUCCESS:
                result.status = ProbeStatus.PROTOCOL_ERROR
                result.detail = f"HTTP {resp.status} without a deviceInfo document"
        result.elapsed = timer.elapsed
        return result
