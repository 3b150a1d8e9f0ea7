"""Dahua ``magicBox.cgi`` inventory with the user's credential (Digest).

Runs only with a credential for this address and ``dahua_http``; otherwise sends nothing and
reports ``SKIPPED``. Each action's ``key=value`` body is ``dahua_cgi`` evidence. The Digest nonce
from the first challenge is re-used for the later actions (one 401 round trip per run).
"""

from __future__ import annotations

from camaudit.models import EvidenceKind
from camaudit.probes.auth_http import authenticated_start
from camaudit.probes.base import ProbeContext, ProbeResult, ProbeStatus, Timer
from camaudit.probes.http_request import Request

#: Read-only magicBox actions (protocols.md §5.1), in the order they are asked.
ACTIONS: tuple[str, ...] = ("getSystemInfo", "getDeviceType", "getSoftwareVersion", "getVendor")
_KV_LINE = b"="


class DahuaHttpProbe:
    """Authenticated Dahua CGI (``/cgi-bin/magicBox.cgi?action=...``)."""

    name = "dahua_http"
    default_ports: tuple[int, ...] = (80,)

    async def run(self, ip: str, port: int, ctx: ProbeContext) -> ProbeResult:
        timer = Timer()
        result, client, budget = authenticated_start(self.name, ip, port, ctx)
        if client is None:
            return result
        for action in ACTIONS:
            if budget.exhausted:
                result.detail = "run budget exhausted before every action was asked"
                break
            target = f"/cgi-bin/magicBox.cgi?action={action}"
            out = await client.request(Request("GET", target, (("Accept", "text/plain, */*"),)))
            resp = out.response
            source = f"probe:{self.name} GET {target}"
            if resp is None:
                if not result.evidence:
                    result.status, result.detail = out.status, out.detail
                break
            if resp.status == 200 and _KV_LINE in resp.body:
                result.evidence.append(client.evidence(EvidenceKind.DAHUA_CGI, resp.body, source))
                if result.status is not ProbeStatus.SUCCESS:
                    result.status = out.status
                continue
            if out.status is ProbeStatus.AUTH_FAILED or client.rejected:
                result.evidence.append(client.evidence(EvidenceKind.HTTP, resp.raw, source))
                result.status, result.detail = ProbeStatus.AUTH_FAILED, out.detail
                break
            if not result.evidence:
                result.evidence.append(client.evidence(EvidenceKind.HTTP, resp.raw, source))
                result.status = ProbeStatus.PROTOCOL_ERROR
                result.detail = f"HTTP {resp.status} to {action}"
            if resp.status == 404:
                break  # no magicBox here: the other actions would not be answered either
        result.elapsed = timer.elapsed
        return result
