"""The ONVIF device service of one emulated device (``POST /onvif/device_service``).

Served inside the device's web server (most makers answer ONVIF on port 80) or on a port of its
own (the ``onvif`` protocol module). Operations in ONVIF's PRE_AUTH access class answer without
credentials; the others need HTTP Digest or a WS-UsernameToken PasswordDigest (protocols.md 3.3):
HTTP credentials are checked first when both are sent. Calls without credentials get the
persona's ``unauthorized`` style: HTTP 401 with a Digest challenge (and a SOAP fault body), or
HTTP 400 with an ``env:Sender / ter:NotAuthorized`` fault.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from email.utils import formatdate
from xml.sax.saxutils import escape

from camaudit.lab.base import ServiceContext
from camaudit.lab.digest import NonceFactory, NonceStatus, parse_authorization, verify_digest
from camaudit.lab.http_messages import HttpRequest, HttpResponse
from camaudit.lab.onvif_soap import SoapRequest, envelope, fault, parse_request, verify_token
from camaudit.lab.onvif_spec import OnvifSpec
from camaudit.lab.spec_parsing import is_enabled
from camaudit.lab.templates import render

SOAP_TYPE = "application/soap+xml; charset=utf-8"
DEVICE_PATH = "/onvif/device_service"
_HOST = re.compile(r"^[A-Za-z0-9.-]{1,253}(?::\d{1,5})?$")
_TZ = re.compile(r"^[A-Za-z]{3,}(?P<sign>[+-]?)(?P<h>\d{1,2})(?::(?P<m>\d{2}))?(?::(?P<s>\d{2}))?")
BaseHeaders = Callable[[dict[str, str]], list[tuple[str, str]]]


def tz_offset(posix_tz: str) -> dt.timedelta:
    """UTC offset of a POSIX TZ string such as ``CST-8:00:00`` (the sign is inverted)."""
    match = _TZ.match(posix_tz.strip())
    if match is None:
        return dt.timedelta(0)
    seconds = int(match["h"]) * 3600 + int(match["m"] or 0) * 60 + int(match["s"] or 0)
    return dt.timedelta(seconds=seconds if match["sign"] == "-" else -seconds)


def _date_time(tag: str, moment: dt.datetime) -> str:
    return (
        f"<tt:{tag}><tt:Time><tt:Hour>{moment.hour}</tt:Hour><tt:Minute>{moment.minute}"
        f"</tt:Minute><tt:Second>{moment.second}</tt:Second></tt:Time><tt:Date><tt:Year>"
        f"{moment.year}</tt:Year><tt:Month>{moment.month}</tt:Month><tt:Day>{moment.day}"
        f"</tt:Day></tt:Date></tt:{tag}>"
    )


class OnvifApp:
    """Answers ONVIF device-service requests for one endpoint; no network code here."""

    def __init__(self, ctx: ServiceContext, base_headers: BaseHeaders | None = None) -> None:
        self.spec: OnvifSpec = ctx.persona.spec("onvif", OnvifSpec)
        self.ctx = ctx
        self.device = ctx.device
        self.scheme = "https" if ctx.protocol == "https" else "http"
        self.base: dict[str, str] = ctx.context
        self.values = {
            name: render(getattr(self.spec, name), self.base)
            for name in ("manufacturer", "model", "firmware", "serial", "hardware_id")
        }
        self.realm = render(self.spec.realm, self.base)
        self.hostname = render(self.spec.hostname, self.base)
        self.timezone = render(self.spec.timezone, self.base)
        self.scopes = [render(scope, self.base) for scope in self.spec.scopes]
        self.endpoint = render(self.spec.endpoint, self.base)
        lifetime = ctx.settings.nonce_lifetime or 300.0
        binding = f"{ctx.ip}:{ctx.port}:onvif"
        self.nonces = NonceFactory(ctx.secret, binding, self.spec.nonce_style, lifetime)
        self._base_headers = base_headers
        self._operations: dict[str, Callable[[str], str]] = {
            "GetSystemDateAndTime": self._system_date_and_time,
            "GetDeviceInformation": self._device_information,
            "GetCapabilities": self._capabilities,
            "GetServices": self._services,
            "GetServiceCapabilities": self._service_capabilities,
            "GetHostname": self._hostname,
            "GetScopes": self._get_scopes,
            "GetEndpointReference": self._endpoint_reference,
            "GetWsdlUrl": self._wsdl_url,
        }

    # -- HTTP ---------------------------------------------------------------------------------

    async def handle(self, request: HttpRequest) -> HttpResponse:
        """Answer a request for any path (only ``/onvif/`` paths exist here)."""
        if not request.path.startswith("/onvif/"):
            return self._response(404, b"", content_type="text/html")
        if request.method != "POST":
            response = self._soap(405, fault(self.spec.prefix, "Sender", None, "HTTP POST only"))
            response.headers.append(("Allow", "POST"))
            return response
        soap = parse_request(request.body)
        if soap is None:
            return self._soap(400, fault(self.spec.prefix, "Sender", "ter:WellFormed", "Bad XML"))
        operation = self._operations.get(soap.operation)
        if operation is None or request.path != DEVICE_PATH:
            reason = f"{soap.operation} is not supported"
            return self._soap(
                500, fault(self.spec.prefix, "Receiver", "ter:ActionNotSupported", reason)
            )
        if soap.operation not in self.spec.pre_auth:
            denied = self._authorize(request, soap)
            if denied is not None:
                return denied
        host = request.header("Host") or ""
        if not _HOST.match(host):
            host = self._default_host()
        return self._soap(200, envelope(self.spec.prefix, operation(host)))

    def _default_host(self) -> str:
        default_port = 443 if self.scheme == "https" else 80
        return self.ctx.ip if self.ctx.port == default_port else f"{self.ctx.ip}:{self.ctx.port}"

    def _authorize(self, request: HttpRequest, soap: SoapRequest) -> HttpResponse | None:
        """None if the caller may proceed, else the answer refusing it."""
        header = request.header("Authorization")
        if header and "digest" in self.spec.auth:
            scheme, params = parse_authorization(header)
            if scheme == "digest" and isinstance(params, dict):
                status = self.nonces.check(params.get("nonce", ""))
                good = status is not NonceStatus.INVALID and verify_digest(
                    params,
                    method=request.method,
                    target=request.target,
                    username=self.device.username,
                    password=self.device.password,
                    realm=self.realm,
                )
                if good and status is NonceStatus.VALID:
                    return None
                return self._challenge(stale=good)
            return self._challenge(stale=False)
        if soap.token is not None and "wsse" in self.spec.auth:
            good = verify_token(
                soap.token,
                username=self.device.username,
                password=self.device.password,
                now=dt.datetime.now(dt.UTC),
                max_age=self.ctx.settings.wsse_max_age,
            )
            if good:
                return None
            return self._not_authorized(400)
        if self.spec.unauthorized == "digest401":
            return self._challenge(stale=False)
        return self._not_authorized(400)

    def _not_authorized(self, status: int) -> HttpResponse:
        subcode = self.spec.fault_subcode or None
        body = fault(self.spec.prefix, "Sender", subcode, self.spec.fault_reason)
        return self._soap(status, body)

    def _challenge(self, *, stale: bool) -> HttpResponse:
        response = self._not_authorized(401)
        context = {
            **self.base,
            "realm": self.realm,
            "nonce": self.nonces.make(),
            "stale": "TRUE" if stale else "FALSE",
        }
        challenges = [render(c, context) for c in self.spec.challenges]
        response.headers[:0] = [("WWW-Authenticate", value) for value in challenges if value]
        return response

    def _soap(self, status: int, body: bytes) -> HttpResponse:
        return self._response(status, body, content_type=SOAP_TYPE)

    def _response(self, status: int, body: bytes, *, content_type: str) -> HttpResponse:
        """Headers from the persona's ``onvif.headers`` (else the web server's), then the type."""
        context = {**self.base, "date_http": formatdate(usegmt=True)}
        headers: list[tuple[str, str]] = []
        if self.spec.headers is not None:
            for name, template, when in self.spec.headers:
                value = render(template, context) if is_enabled(when, context) else ""
                if value:
                    headers.append((name, value))
        elif self._base_headers is not None:
            headers = self._base_headers(context)
        headers = [h for h in headers if h[0].lower() != "content-type"]
        headers.append(("Content-Type", content_type))
        return HttpResponse(status=status, headers=headers, body=body)

    # -- operations ---------------------------------------------------------------------------

    def _xaddr(self, host: str, path: str) -> str:
        return escape(f"{self.scheme}://{host}{path}")

    def _system_date_and_time(self, host: str) -> str:
        now = dt.datetime.now(dt.UTC)
        local = now + tz_offset(self.timezone)
        return (
            "<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime>"
            f"<tt:DateTimeType>{self.spec.datetime_type}</tt:DateTimeType>"
            "<tt:DaylightSavings>false</tt:DaylightSavings>"
            f"<tt:TimeZone><tt:TZ>{escape(self.timezone)}</tt:TZ></tt:TimeZone>"
            f"{_date_time('UTCDateTime', now)}{_date_time('LocalDateTime', local)}"
            "</tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>"
        )

    def _device_information(self, host: str) -> str:
        v = {k: escape(value) for k, value in self.values.items()}
        return (
            "<tds:GetDeviceInformationResponse>"
            f"<tds:Manufacturer>{v['manufacturer']}</tds:Manufacturer>"
            f"<tds:Model>{v['model']}</tds:Model>"
            f"<tds:FirmwareVersion>{v['firmware']}</tds:FirmwareVersion>"
            f"<tds:SerialNumber>{v['serial']}</tds:SerialNumber>"
            f"<tds:HardwareId>{v['hardware_id']}</tds:HardwareId>"
            "</tds:GetDeviceInformationResponse>"
        )

    def _capabilities(self, host: str) -> str:
        major, minor = self.spec.version
        return (
            "<tds:GetCapabilitiesResponse><tds:Capabilities>"
            f"<tt:Device><tt:XAddr>{self._xaddr(host, DEVICE_PATH)}</tt:XAddr>"
            "<tt:Network><tt:IPFilter>false</tt:IPFilter><tt:ZeroConfiguration>false"
            "</tt:ZeroConfiguration><tt:IPVersion6>false</tt:IPVersion6><tt:DynDNS>false"
            "</tt:DynDNS></tt:Network><tt:System><tt:DiscoveryResolve>false</tt:DiscoveryResolve>"
            "<tt:DiscoveryBye>true</tt:DiscoveryBye><tt:RemoteDiscovery>false</tt:RemoteDiscovery>"
            "<tt:SystemBackup>false</tt:SystemBackup><tt:SystemLogging>false</tt:SystemLogging>"
            "<tt:FirmwareUpgrade>false</tt:FirmwareUpgrade><tt:SupportedVersions>"
            f"<tt:Major>{major}</tt:Major><tt:Minor>{minor}</tt:Minor></tt:SupportedVersions>"
            "</tt:System></tt:Device>"
            f"<tt:Events><tt:XAddr>{self._xaddr(host, '/onvif/Events')}</tt:XAddr>"
            "<tt:WSSubscriptionPolicySupport>false</tt:WSSubscriptionPolicySupport>"
            "<tt:WSPullPointSupport>true</tt:WSPullPointSupport>"
            "<tt:WSPausableSubscriptionManagerInterfaceSupport>false"
            "</tt:WSPausableSubscriptionManagerInterfaceSupport></tt:Events>"
            f"<tt:Media><tt:XAddr>{self._xaddr(host, '/onvif/Media')}</tt:XAddr>"
            "<tt:StreamingCapabilities><tt:RTPMulticast>false</tt:RTPMulticast>"
            "<tt:RTP_TCP>true</tt:RTP_TCP><tt:RTP_RTSP_TCP>true</tt:RTP_RTSP_TCP>"
            "</tt:StreamingCapabilities></tt:Media>"
            "</tds:Capabilities></tds:GetCapabilitiesResponse>"
        )

    def _services(self, host: str) -> str:
        major, minor = self.spec.version
        version = (
            f"<tds:Version><tt:Major>{major}</tt:Major><tt:Minor>{minor}</tt:Minor></tds:Version>"
        )
        entries = [
            ("http://www.onvif.org/ver10/device/wsdl", DEVICE_PATH),
            ("http://www.onvif.org/ver10/media/wsdl", "/onvif/Media"),
            ("http://www.onvif.org/ver10/events/wsdl", "/onvif/Events"),
        ]
        services = "".join(
            f"<tds:Service><tds:Namespace>{ns}</tds:Namespace>"
            f"<tds:XAddr>{self._xaddr(host, path)}</tds:XAddr>{version}</tds:Service>"
            for ns, path in entries
        )
        return f"<tds:GetServicesResponse>{services}</tds:GetServicesResponse>"

    def _service_capabilities(self, host: str) -> str:
        return (
            "<tds:GetServiceCapabilitiesResponse><tds:Capabilities>"
            '<tds:Network NTP="1" HostnameFromDHCP="false" Dot11Configuration="false"/>'
            '<tds:Security UsernameToken="true" HttpDigest="true"/>'
            '<tds:System DiscoveryBye="true" SystemLogging="false" FirmwareUpgrade="false"/>'
            "</tds:Capabilities></tds:GetServiceCapabilitiesResponse>"
        )

    def _hostname(self, host: str) -> str:
        return (
            "<tds:GetHostnameResponse><tds:HostnameInformation><tt:FromDHCP>false</tt:FromDHCP>"
            f"<tt:Name>{escape(self.hostname)}</tt:Name></tds:HostnameInformation>"
            "</tds:GetHostnameResponse>"
        )

    def _get_scopes(self, host: str) -> str:
        items = "".join(
            f"<tds:Scopes><tt:ScopeDef>Fixed</tt:ScopeDef><tt:ScopeItem>{escape(s)}"
            "</tt:ScopeItem></tds:Scopes>"
            for s in self.scopes
        )
        return f"<tds:GetScopesResponse>{items}</tds:GetScopesResponse>"

    def _endpoint_reference(self, host: str) -> str:
        guid = escape(self.endpoint.removeprefix("urn:uuid:"))
        return f"<tds:GetEndpointReferenceResponse><tds:GUID>{guid}</tds:GUID></tds:GetEndpointReferenceResponse>"

    def _wsdl_url(self, host: str) -> str:
        return "<tds:GetWsdlUrlResponse><tds:WsdlUrl>http://www.onvif.org/</tds:WsdlUrl></tds:GetWsdlUrlResponse>"
