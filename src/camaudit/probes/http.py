"""HTTP(S) probe: ``GET /`` (following one same-host redirect), the favicon's MD5, and a few
vendor paths that answer without authentication; over TLS it also records the certificate.

Evidence: ``http`` (the raw response: status line, headers, de-chunked body up to the byte cap;
the favicon as its MD5 hex), ``banner`` when the port speaks something else, ``tls`` (PEM), and
``isapi``/``dahua_cgi`` when a vendor path answers its document without authentication.
The whole run is bounded by :class:`RunBudget` (three timeouts), however many paths it tries.
"""

from __future__ import annotations

import hashlib
import re
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from camaudit.models import EvidenceKind
from camaudit.probes.base import (
    ProbeContext,
    ProbeResult,
    ProbeStatus,
    RunBudget,
    Timer,
    observed,
)
from camaudit.probes.http_request import (
    Outcome,
    Request,
    client_tls_context,
    dechunk,
    exchange,
)
from camaudit.probes.tls import certificate_pem
from camaudit.probes.tls_raw import record_raw_certificate

__all__ = ["VENDOR_REQUESTS", "HttpProbe", "HttpsProbe", "VendorRequest", "dechunk"]

_FATAL = (ProbeStatus.REFUSED, ProbeStatus.TIMEOUT, ProbeStatus.ERROR, ProbeStatus.OUT_OF_SCOPE)
_STATUS = re.compile(rb"^HTTP/\d(?:\.\d)?\s+(\d{3})")


@dataclass(frozen=True, slots=True)
class VendorRequest:
    """A read-only request one maker's firmware answers distinctively without credentials.

    ``body_kind``: record a 200 body as this evidence kind too when it contains ``marker``.
    """

    vendor: str
    method: str
    target: str
    body: bytes = b""
    content_type: str | None = None
    body_kind: EvidenceKind | None = None
    marker: bytes = b""


#: Non-intrusive identification requests (protocols.md §4.2-4.3, §5.1-5.3, §6.1-6.4). A 401's
#: realm names the maker (Hikvision ``IP Camera(XXXXX)``, Dahua ``Login to <serial>``, Axis
#: ``AXIS_<MAC>``, Hanwha ``iPOLiS``); Axis and Reolink answer their own JSON without a login.
VENDOR_REQUESTS: tuple[VendorRequest, ...] = (
    VendorRequest(
        "Hikvision",
        "GET",
        "/ISAPI/System/deviceInfo",
        body_kind=EvidenceKind.ISAPI,
        marker=b"<DeviceInfo",
    ),
    VendorRequest(
        "Dahua",
        "GET",
        "/cgi-bin/magicBox.cgi?action=getSystemInfo",
        body_kind=EvidenceKind.DAHUA_CGI,
        marker=b"serialNumber=",
    ),
    VendorRequest(
        "Axis",
        "POST",
        "/axis-cgi/basicdeviceinfo.cgi",
        b'{"apiVersion":"1.0","method":"getAllUnrestrictedProperties"}',
        "application/json",
    ),
    VendorRequest("Hanwha", "GET", "/stw-cgi/system.cgi?msubmenu=deviceinfo&action=view"),
    VendorRequest("Uniview", "GET", "/LAPI/V1.0/System/DeviceInfo"),
    VendorRequest("Reolink", "POST", "/cgi-bin/api.cgi", b"", "application/json"),
)
#: Statuses that say nothing about the device beyond what ``GET /`` showed (not recorded).
_UNINFORMATIVE = frozenset({404})


class HttpProbe:
    """Plain HTTP (and HTTPS with ``tls=True``) page, favicon and vendor-path probe."""

    name = "http"
    default_ports: tuple[int, ...] = (80, 8080)

    def __init__(
        self,
        *,
        tls: bool = False,
        paths: tuple[str, ...] = ("/",),
        favicon: bool = True,
        vendor_requests: tuple[VendorRequest, ...] = VENDOR_REQUESTS,
    ) -> None:
        self.tls = tls
        self.paths = paths
        self.favicon = favicon
        self.vendor_requests = vendor_requests
        if tls:
            self.name = "https"
            self.default_ports = (443, 8443)

    def _ssl(self) -> ssl.SSLContext | None:
        return client_tls_context() if self.tls else None

    async def fetch(
        self, ip: str, port: int, path: str, ctx: ProbeContext
    ) -> tuple[ProbeStatus, bytes]:
        """``GET path``: the status and the raw (de-chunked) response or non-HTTP bytes."""
        out = await self._send(ip, port, Request("GET", path, (("Accept", "*/*"),)), ctx, None)
        return out.status, (out.response.raw if out.response else out.data)

    async def _send(
        self,
        ip: str,
        port: int,
        request: Request,
        ctx: ProbeContext,
        budget: RunBudget | None,
    ) -> Outcome:
        deadline = budget.deadline() if budget else Timer().start + ctx.timeout
        return await exchange(ctx, ip, port, request, deadline=deadline, tls=self._ssl())

    async def run(self, ip: str, port: int, ctx: ProbeContext) -> ProbeResult:
        timer = Timer()
        budget = RunBudget(ctx.timeout)
        result = ProbeResult(self.name, ip, port, ProbeStatus.NO_RESPONSE)
        speaks_http = await self._pages(ip, port, ctx, budget, result)
        if self.tls and not result.evidence and result.status is ProbeStatus.PROTOCOL_ERROR:
            # OpenSSL refused the handshake (a malformed or oversized certificate): keep the
            # certificate anyway, read off the wire.
            await record_raw_certificate(self.name, ip, port, ctx, budget.deadline(), result)
        if speaks_http and self.favicon and not budget.exhausted:
            await self._favicon(ip, port, ctx, budget, result)
        if speaks_http:
            for vr in self.vendor_requests:
                if budget.exhausted:
                    result.detail = "run budget exhausted before every vendor path was tried"
                    break
                await self._vendor(ip, port, vr, ctx, budget, result)
        result.elapsed = timer.elapsed
        return result

    def _record_cert(self, out: Outcome, ip: str, port: int, result: ProbeResult) -> None:
        if out.certificate and not any(e.kind is EvidenceKind.TLS for e in result.evidence):
            result.evidence.append(
                observed(
                    EvidenceKind.TLS,
                    certificate_pem(out.certificate),
                    ip,
                    port,
                    f"probe:{self.name} TLS handshake",
                )
            )

    async def _pages(
        self, ip: str, port: int, ctx: ProbeContext, budget: RunBudget, result: ProbeResult
    ) -> bool:
        """``GET`` each path (and one same-host redirect); True if the port speaks HTTP."""
        queue = list(self.paths)
        seen: set[str] = set()
        followed = False
        speaks_http = False
        while queue and not budget.exhausted:
            path = queue.pop(0)
            if path in seen:
                continue
            seen.add(path)
            out = await self._send(
                ip, port, Request("GET", path, (("Accept", "*/*"),)), ctx, budget
            )
            self._record_cert(out, ip, port, result)
            if out.status in _FATAL:
                if not result.evidence:
                    result.status, result.detail = out.status, out.detail
                break
            if out.response is None:
                if out.data:
                    result.evidence.append(
                        observed(
                            EvidenceKind.BANNER,
                            out.data,
                            ip,
                            port,
                            f"probe:{self.name} GET {path}",
                        )
                    )
                    result.status = ProbeStatus.PROTOCOL_ERROR
                elif out.status is ProbeStatus.PROTOCOL_ERROR:
                    result.status, result.detail = out.status, out.detail
                break
            speaks_http = True
            raw = out.response.raw
            nxt = None if followed else _same_host_redirect(raw, ip, port, self.tls)
            if nxt:
                followed = True
                queue.insert(0, nxt)
            result.evidence.append(
                observed(
                    EvidenceKind.HTTP,
                    raw,
                    ip,
                    port,
                    f"probe:{self.name} GET {path}",
                    truncated=out.response.truncated,
                )
            )
            if result.status is not ProbeStatus.SUCCESS:
                result.status = out.status
        return speaks_http

    async def _favicon(
        self, ip: str, port: int, ctx: ProbeContext, budget: RunBudget, result: ProbeResult
    ) -> None:
        out = await self._send(
            ip, port, Request("GET", "/favicon.ico", (("Accept", "image/*"),)), ctx, budget
        )
        resp = out.response
        if resp is None or resp.status != 200 or resp.truncated or not resp.body:
            return
        if resp.body.lstrip()[:1] == b"<":
            return  # an HTML page served for every path, not an icon
        digest = hashlib.md5(resp.body, usedforsecurity=False).hexdigest()
        result.evidence.append(
            observed(
                EvidenceKind.HTTP,
                digest.encode("ascii"),
                ip,
                port,
                f"probe:{self.name} GET /favicon.ico (md5)",
            )
        )

    async def _vendor(
        self,
        ip: str,
        port: int,
        vr: VendorRequest,
        ctx: ProbeContext,
        budget: RunBudget,
        result: ProbeResult,
    ) -> None:
        headers: list[tuple[str, str]] = [("Accept", "*/*")]
        if vr.content_type:
            headers.append(("Content-Type", vr.content_type))
        out = await self._send(
            ip, port, Request(vr.method, vr.target, headers, vr.body), ctx, budget
        )
        resp = out.response
        if resp is None or resp.status in _UNINFORMATIVE:
            return
        source = f"probe:{self.name} {vr.method} {vr.target}"
        cut = resp.truncated
        result.evidence.append(
            observed(EvidenceKind.HTTP, resp.raw, ip, port, source, truncated=cut)
        )
        if vr.body_kind and resp.status == 200 and vr.marker and vr.marker in resp.body:
            result.evidence.append(
                observed(vr.body_kind, resp.body, ip, port, source, truncated=cut)
            )


class HttpsProbe(HttpProbe):
    """The HTTP probe over TLS: the certificate and the landing page.

    The favicon and the vendor paths are asked once per device, over plain HTTP; asking them
    again over TLS would cost a handshake each and rarely add anything.
    """

    name = "https"
    default_ports: tuple[int, ...] = (443, 8443)

    def __init__(
        self,
        *,
        paths: tuple[str, ...] = ("/",),
        favicon: bool = False,
        vendor_requests: tuple[VendorRequest, ...] = (),
    ) -> None:
        super().__init__(tls=True, paths=paths, favicon=favicon, vendor_requests=vendor_requests)


def _same_host_redirect(data: bytes, ip: str, port: int, tls: bool) -> str | None:
    m = _STATUS.match(data)
    if not m or not m.group(1).startswith(b"3"):
        return None
    head = data.split(b"\r\n\r\n", 1)[0]
    loc = re.search(rb"(?im)^location:\s*(\S+)", head)
    if not loc:
        return None
    try:
        target = urlsplit(loc.group(1).decode("latin-1"))
        target_port = target.port
    except ValueError:
        return None
    if target.scheme and target.scheme.lower() != ("https" if tls else "http"):
        return None
    if target.netloc and (target.hostname != ip or target_port not in (None, port)):
        return None
    path = target.path or "/"
    return path + (f"?{target.query}" if target.query else "")
