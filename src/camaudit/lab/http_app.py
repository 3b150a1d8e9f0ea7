"""Request dispatch for one emulated device on one HTTP port, driven by its persona's http spec."""

from __future__ import annotations

import enum
import html
import json
import time
from email.utils import formatdate
from typing import Any

from camaudit.errors import LabError
from camaudit.lab.base import ServiceContext
from camaudit.lab.digest import (
    NonceFactory,
    NonceStatus,
    parse_authorization,
    verify_basic,
    verify_digest,
)
from camaudit.lab.handlers import HANDLERS, RequestContext
from camaudit.lab.http_messages import HttpRequest, HttpResponse
from camaudit.lab.http_spec import HeaderSpec, ResponseSpec, RouteSpec
from camaudit.lab.onvif_app import OnvifApp
from camaudit.lab.spec_parsing import is_enabled
from camaudit.lab.templates import render


class AuthResult(enum.Enum):
    OK = "ok"
    STALE = "stale"
    FAIL = "fail"


class PersonaApp:
    """Routes requests for ``ctx.device`` following ``ctx.persona.http``; no network code here."""

    def __init__(self, ctx: ServiceContext) -> None:
        spec = ctx.persona.http
        if spec is None:
            raise LabError(f"persona {ctx.persona.id} has no http: section but serves HTTP")
        self.spec = spec
        self.device = ctx.device
        self.secret = ctx.secret
        self.events = ctx.resources.events
        self.ip, self.port = ctx.ip, ctx.port
        self.base: dict[str, str] = {**ctx.device.context, "port": str(ctx.port)}
        self.nonces: NonceFactory | None = None
        self.realm = ""
        if spec.auth is not None:
            lifetime = ctx.settings.nonce_lifetime or spec.auth.nonce_lifetime
            binding = f"{ctx.ip}:{ctx.port}"
            self.nonces = NonceFactory(ctx.secret, binding, spec.auth.nonce_style, lifetime)
            self.realm = render(spec.auth.realm, self.base)
        # ONVIF lives under /onvif/ of the web server when it shares this port (or over HTTPS).
        ports = ctx.device.ports
        self.onvif: OnvifApp | None = None
        if "onvif" in ports and (ctx.protocol == "https" or ports["onvif"] == ctx.port):
            self.onvif = OnvifApp(ctx, lambda context: self._headers((), context))

    # -- public -------------------------------------------------------------------------------

    async def handle(self, request: HttpRequest) -> HttpResponse:
        response = await self._dispatch(request)
        if not self.spec.keep_alive:
            response.close = True
        if self.spec.response_version == "echo":
            response.version = request.version
        elif response.version is None:
            response.version = self.spec.response_version
        return response

    async def _dispatch(self, request: HttpRequest) -> HttpResponse:
        if self.onvif is not None and request.path.startswith("/onvif/"):
            return await self.onvif.handle(request)
        context = self._context(request)
        route = self._match(request, context)
        if route is None:
            return self._respond(self.spec.not_found, context)
        if route.auth != "none":
            result = self._authorize(request, route.auth)
            if result is not AuthResult.OK:
                return self._unauthorized(context, stale=result is AuthResult.STALE)
        if route.handler is None:
            return self._respond(route.response, context)
        handler_ctx = RequestContext(
            device=self.device,
            vars=context,
            secret=self.secret,
            render=lambda template: render(template, context),
            base_headers=self._headers((), context),
            events=self.events,
        )
        return await HANDLERS[route.handler](request, handler_ctx, route.args)

    # -- matching -----------------------------------------------------------------------------

    def _context(self, request: HttpRequest) -> dict[str, str]:
        now = time.time()
        context = dict(self.base)
        # Request-derived values are escaped: bodies are HTML/XML and must not reflect markup.
        context.update(
            path=html.escape(request.path),
            target=html.escape(request.target),
            method=request.method,
            host=html.escape(request.header("Host") or f"{self.ip}:{self.port}"),
            date_http=formatdate(now, usegmt=True),
            date_ctime=time.asctime(time.gmtime(now)),
            epoch=str(int(now)),
            epoch_ms=str(int(now * 1000)),
            stale="FALSE",
            peer=request.peer,
        )
        if self.nonces is not None:
            context["nonce"] = self.nonces.make()
        return context

    def _match(self, request: HttpRequest, context: dict[str, str]) -> RouteSpec | None:
        json_method: Any = None
        json_parsed = False
        for route in self.spec.routes:
            if not route.matches_path(request.path) or request.method not in route.methods:
                continue
            if any(request.query.get(key) != value for key, value in route.query):
                continue
            if not is_enabled(route.when, context):
                continue
            if route.json_method is not None:
                if not json_parsed:
                    json_method, json_parsed = _json_method(request.body), True
                if json_method != route.json_method:
                    continue
            return route
        return None

    # -- auth ---------------------------------------------------------------------------------

    def _authorize(self, request: HttpRequest, mode: str) -> AuthResult:
        header = request.header("Authorization")
        if not header or self.nonces is None:
            return AuthResult.FAIL
        scheme, params = parse_authorization(header)
        if scheme == "digest" and mode in ("digest", "any") and isinstance(params, dict):
            status = self.nonces.check(params.get("nonce", ""))
            if status is NonceStatus.INVALID:
                return AuthResult.FAIL
            good = verify_digest(
                params,
                method=request.method,
                target=request.target,
                username=self.device.username,
                password=self.device.password,
                realm=self.realm,
            )
            if not good:
                return AuthResult.FAIL
            return AuthResult.STALE if status is NonceStatus.STALE else AuthResult.OK
        if scheme == "basic" and mode in ("basic", "any") and isinstance(params, str):
            good = verify_basic(
                params, username=self.device.username, password=self.device.password
            )
            return AuthResult.OK if good else AuthResult.FAIL
        return AuthResult.FAIL

    def _unauthorized(self, context: dict[str, str], *, stale: bool) -> HttpResponse:
        if stale:
            context = {**context, "stale": "TRUE"}
        response = self._respond(self.spec.unauthorized, context)
        if self.spec.auth is not None:
            for challenge in self.spec.auth.challenges:
                value = render(challenge, context)
                if value:  # a challenge that renders empty is not sent (per-era schemes)
                    response.headers.append(("WWW-Authenticate", value))
        return response

    # -- rendering ----------------------------------------------------------------------------

    def _headers(
        self, extra: tuple[HeaderSpec, ...], context: dict[str, str]
    ) -> list[tuple[str, str]]:
        """Persona headers then route headers; a route header replaces the persona one; ""
        values and entries whose ``when`` is false are dropped (that is how a persona omits,
        e.g., the Server header)."""
        overridden = {name.lower() for name, _, _ in extra}
        out = []
        for source in (self.spec.headers, extra):
            for name, template, when in source:
                if source is self.spec.headers and name.lower() in overridden:
                    continue
                if not is_enabled(when, context):
                    continue
                value = render(template, context)
                if value:
                    out.append((name, value))
        return out

    def _respond(self, spec: ResponseSpec, context: dict[str, str]) -> HttpResponse:
        try:
            status = int(render(spec.status, context))
        except ValueError:
            status = 500
        if spec.raw_body is not None:
            body = spec.raw_body
        else:
            text = render(spec.body, context)
            if spec.crlf:
                text = text.replace("\r\n", "\n").replace("\n", "\r\n")
            body = ("\ufeff" if spec.bom else "").encode("utf-8") + text.encode("utf-8")
        reason = None if spec.reason is None else render(spec.reason, context)
        headers = self._headers(spec.headers, context)
        return HttpResponse(status=status, headers=headers, body=body, reason=reason)


def _json_method(body: bytes) -> Any:
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    return payload.get("method") if isinstance(payload, dict) else None
