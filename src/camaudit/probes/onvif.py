"""ONVIF device-service probe: ``GetSystemDateAndTime`` (pre-auth) and ``GetDeviceInformation``.

``GetDeviceInformation`` is tried without credentials first; when the user supplied a credential
for this address and ``onvif``, it is answered with HTTP Digest (on a 401) and, if the device
wants it, a WS-UsernameToken ``PasswordDigest`` whose ``Created`` time follows the device clock.
The service path comes from WS-Discovery ``XAddrs`` for this address and port when a WS-Discovery
probe of the same scan saw them (``ctx.hints``), else ``/onvif/device_service``.

Evidence: ``http`` (the raw SOAP responses: Server header, 401 realm, faults) and
``onvif_devinfo`` (the ``GetDeviceInformationResponse`` envelope).
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from camaudit.models import EvidenceKind
from camaudit.net.credentials import Credential
from camaudit.probes.auth_http import AuthenticatedClient
from camaudit.probes.base import ProbeContext, ProbeResult, ProbeStatus, RunBudget, Timer
from camaudit.probes.http_request import Outcome, Request

DEVICE_SERVICE = "/onvif/device_service"
_DEVICE_NS = "http://www.onvif.org/ver10/device/wsdl"
_WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
_WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
_DIGEST_TYPE = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0"
    "#PasswordDigest"
)
_B64_TYPE = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-soap-message-security-1.0#Base64Binary"
)
_UTC_BLOCK = re.compile(rb"(?s)UTCDateTime\b.{0,2048}?UTCDateTime")
_TIME_PART = {
    name: re.compile(rb"<(?:[\w.-]{1,32}:)?" + name.encode() + rb"\s*>\s*(\d{1,4})\s*<")
    for name in ("Year", "Month", "Day", "Hour", "Minute", "Second")
}
_SOAP = re.compile(rb"(?i)<(?:[\w.-]{1,32}:)?Envelope\b")
_XML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})
_MAX_PATHS = 2


def envelope(operation: str, security: str = "") -> bytes:
    """A SOAP 1.2 request for a device-service operation that takes no arguments."""
    header = f"<s:Header>{security}</s:Header>" if security else ""
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
        f'xmlns:tds="{_DEVICE_NS}">{header}<s:Body><tds:{operation}/></s:Body></s:Envelope>'
    ).encode()


def password_digest(nonce: bytes, created: str, password: str) -> str:
    """WS-UsernameToken ``PasswordDigest``: Base64(SHA-1(nonce ‖ created ‖ password))."""
    raw = hashlib.sha1(nonce + created.encode() + password.encode(), usedforsecurity=False)
    return base64.b64encode(raw.digest()).decode("ascii")


def username_token(username: str, password: str, created: str, nonce: bytes) -> str:
    """The ``wsse:Security`` header with a ``PasswordDigest`` UsernameToken."""
    return (
        f'<wsse:Security s:mustUnderstand="true" xmlns:wsse="{_WSSE}" xmlns:wsu="{_WSU}">'
        "<wsse:UsernameToken>"
        f"<wsse:Username>{username.translate(_XML_ESCAPES)}</wsse:Username>"
        f'<wsse:Password Type="{_DIGEST_TYPE}">{password_digest(nonce, created, password)}'
        "</wsse:Password>"
        f'<wsse:Nonce EncodingType="{_B64_TYPE}">{base64.b64encode(nonce).decode()}</wsse:Nonce>'
        f"<wsu:Created>{created}</wsu:Created>"
        "</wsse:UsernameToken></wsse:Security>"
    )


def device_utc(body: bytes) -> datetime | None:
    """The device's UTC clock from a ``GetSystemDateAndTimeResponse``, or None. Never raises."""
    m = _UTC_BLOCK.search(body[:65536])
    if not m:
        return None
    block = m.group(0)
    parts: dict[str, int] = {}
    for name, rx in _TIME_PART.items():
        found = rx.search(block)
        if not found:
            return None
        parts[name] = int(found.group(1))
    try:
        return datetime(
            parts["Year"],
            parts["Month"],
            parts["Day"],
            parts["Hour"],
            parts["Minute"],
            min(parts["Second"], 59),
            tzinfo=UTC,
        )
    except ValueError:
        return None


def created_stamp(now: datetime) -> str:
    """``wsu:Created`` form: UTC with milliseconds and a ``Z``."""
    return f"{now:%Y-%m-%dT%H:%M:%S}.{now.microsecond // 1000:03d}Z"


def xaddr_paths(xaddrs: list[str], ip: str, port: int) -> list[str]:
    """Service paths of ``http`` XAddrs that point at this very address and port."""
    paths: list[str] = []
    for url in xaddrs:
        try:
            parts = urlsplit(url)
            url_port = parts.port or 80
        except ValueError:
            continue
        if parts.scheme == "http" and parts.hostname == ip and url_port == port:
            path = parts.path or "/"
            if path not in paths:
                paths.append(path)
    return paths


def _action(operation: str) -> tuple[str, str]:
    return (
        "Content-Type",
        f'application/soap+xml; charset=utf-8; action="{_DEVICE_NS}/{operation}"',
    )


class OnvifProbe:
    """ONVIF device service: clock (pre-auth) and device information (credentials if supplied)."""

    name = "onvif"
    default_ports: tuple[int, ...] = (80, 8080, 8899, 2020)
    after_discovery = True  # uses WS-Discovery's XAddrs (ctx.hints) when it saw them

    async def run(self, ip: str, port: int, ctx: ProbeContext) -> ProbeResult:
        timer = Timer()
        budget = RunBudget(ctx.timeout, steps=3.0)
        result = ProbeResult(self.name, ip, port, ProbeStatus.NO_RESPONSE)
        credential = ctx.credential_for(ip, self.name)
        client = AuthenticatedClient(ctx, ip, port, credential, budget)
        paths = xaddr_paths(ctx.hints.xaddrs.get(ip, []), ip, port) or [DEVICE_SERVICE]
        for path in paths[:_MAX_PATHS]:
            speaks_onvif, offset = await self._clock(client, path, result)
            if speaks_onvif:
                await self._device_information(client, path, credential, offset, result)
                break
            if result.status in (
                ProbeStatus.REFUSED,
                ProbeStatus.TIMEOUT,
                ProbeStatus.OUT_OF_SCOPE,
            ):
                break
        result.elapsed = timer.elapsed
        return result

    async def _post(
        self, client: AuthenticatedClient, path: str, operation: str, security: str = ""
    ) -> Outcome:
        request = Request("POST", path, (_action(operation),), envelope(operation, security))
        return await client.request(request)

    async def _clock(
        self, client: AuthenticatedClient, path: str, result: ProbeResult
    ) -> tuple[bool, timedelta | None]:
        """``GetSystemDateAndTime``: whether this path speaks ONVIF, and the device clock's
        offset from ours (None if unknown)."""
        out = await self._post(client, path, "GetSystemDateAndTime")
        resp = out.response
        if resp is None:
            result.status, result.detail = out.status, out.detail
            return False, None
        source = f"probe:{self.name} POST {path} GetSystemDateAndTime"
        result.evidence.append(client.evidence(EvidenceKind.HTTP, resp.raw, source))
        if not _SOAP.search(resp.body[:4096]) and resp.status != 401:
            result.status = ProbeStatus.PROTOCOL_ERROR
            result.detail = f"HTTP {resp.status} without a SOAP envelope at {path}"
            return False, None
        result.status = ProbeStatus.TRUNCATED if resp.truncated else ProbeStatus.SUCCESS
        device_now = device_utc(resp.body)
        return True, None if device_now is None else device_now - datetime.now(UTC)

    async def _device_information(
        self,
        client: AuthenticatedClient,
        path: str,
        credential: Credential | None,
        offset: timedelta | None,
        result: ProbeResult,
    ) -> None:
        source = f"probe:{self.name} POST {path} GetDeviceInformation"
        out = await self._post(client, path, "GetDeviceInformation")
        if self._devinfo(client, out, source, result):
            return
        if out.response is not None:
            result.evidence.append(client.evidence(EvidenceKind.HTTP, out.response.raw, source))
        if credential is None:
            result.detail = "GetDeviceInformation needs credentials (none supplied)"
            return
        if client.rejected:
            result.status, result.detail = ProbeStatus.AUTH_FAILED, out.detail
            return
        if client.basic_only or client.budget.exhausted:
            result.detail = out.detail or "run budget exhausted before WS-UsernameToken"
            return
        # The device wants WS-Security (HTTP 400/500 NotAuthorized fault): one UsernameToken try,
        # with any Digest session still answering the HTTP layer.
        created = created_stamp(datetime.now(UTC) + (offset or timedelta(0)))
        token = username_token(
            credential.username.reveal(),
            credential.password.reveal(),
            created,
            secrets.token_bytes(16),
        )
        out = await self._post(client, path, "GetDeviceInformation", token)
        if self._devinfo(client, out, f"{source} (WS-UsernameToken)", result):
            return
        result.status = ProbeStatus.AUTH_FAILED
        result.detail = "the device rejected the supplied credentials"

    def _devinfo(
        self, client: AuthenticatedClient, out: Outcome, source: str, result: ProbeResult
    ) -> bool:
        resp = out.response
        if resp is None or resp.status != 200 or b"GetDeviceInformationResponse" not in resp.body:
            return False
        result.evidence.append(client.evidence(EvidenceKind.ONVIF_DEVINFO, resp.body, source))
        result.status = ProbeStatus.TRUNCATED if resp.truncated else ProbeStatus.SUCCESS
        return True
