"""The ``http:`` section of a persona: routes, headers, auth, error pages (parsed and checked).

YAML shape (every string is a template, see :mod:`camaudit.lab.templates`)::

    http:
      keep_alive: true            # false: every answer carries "Connection: close"
      response_version: echo      # status-line version: echo the request's, or "HTTP/1.1"
      headers:                    # sent on every answer, in this order; "" omits a header
        Server: "{server}"        # (a list of [name, value, when] entries allows repeats and
                                  #  conditions; "Content-Length: auto" fixes its position)
      auth:
        realm: "{realm}"          # the realm the digest response is checked against
        nonce_style: hex          # hex | hex_ms | b64sha1
        nonce_lifetime: 300
        challenges:               # one WWW-Authenticate header each, in order
          - 'Digest qop="auth", realm="{realm}", nonce="{nonce}", stale="{stale}"'
      unauthorized: {status: 401, headers: {...}, body: "..."}
      not_found: {status: 404, headers: {...}, body: "..."}
      routes:                     # first match wins
        - path: /ISAPI/System/deviceInfo     # or prefix: /ISAPI/
          methods: [GET, HEAD]    # default GET and HEAD
          query: {action: getSystemInfo}     # all must match exactly
          json_method: getAllUnrestrictedProperties   # body is JSON with this "method"
          when: some_var          # route exists only if the device var is truthy ("!v": falsy)
          auth: digest            # none | digest | basic | any
          status: 200             # or a template such as "{cgi_error_status}"
          headers: {Content-Type: application/xml}
          body: "..."             # or body_b64: ..., or icon: "#RRGGBB"
          crlf: true              # send the body's line ends as CRLF; bom: true adds a UTF-8 BOM
          handler: dahua_rpc2_login           # a registered Python handler instead
          args: {...}             # handler arguments
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from camaudit.lab.digest import NONCE_STYLES
from camaudit.lab.handlers import HANDLERS
from camaudit.lab.icons import make_icon
from camaudit.lab.spec_parsing import FieldSpec, fail, fields, mapping, text

AUTH_MODES = ("none", "digest", "basic", "any")
DEFAULT_METHODS = frozenset({"GET", "HEAD"})
ROUTE_KEYS = {
    "path",
    "prefix",
    "methods",
    "query",
    "json_method",
    "when",
    "auth",
    "status",
    "reason",
    "headers",
    "body",
    "body_b64",
    "icon",
    "crlf",
    "bom",
    "handler",
    "args",
}
RESPONSE_KEYS = {"status", "reason", "headers", "body", "body_b64", "icon", "crlf", "bom"}
VERSIONS = ("echo", "HTTP/1.1", "HTTP/1.0")
# One header line: (name, value template, optional "when" variable, "!var" for negation).
HeaderSpec = FieldSpec


@dataclass(frozen=True, slots=True)
class ResponseSpec:
    status: str = "200"
    reason: str | None = None
    headers: tuple[HeaderSpec, ...] = ()
    body: str = ""
    raw_body: bytes | None = None
    crlf: bool = False
    bom: bool = False

    def templates(self) -> Iterator[str]:
        yield self.status
        if self.reason is not None:
            yield self.reason
        for _, value, _ in self.headers:
            yield value
        if self.raw_body is None:
            yield self.body


@dataclass(frozen=True, slots=True)
class RouteSpec:
    response: ResponseSpec
    path: str | None = None
    prefix: str | None = None
    methods: frozenset[str] = DEFAULT_METHODS
    query: tuple[tuple[str, str], ...] = ()
    json_method: str | None = None
    when: str | None = None
    auth: str = "none"
    handler: str | None = None
    args: Mapping[str, Any] = field(default_factory=dict)

    def matches_path(self, path: str) -> bool:
        if self.path is not None:
            return path == self.path
        return self.prefix is not None and path.startswith(self.prefix)


@dataclass(frozen=True, slots=True)
class AuthSpec:
    realm: str
    challenges: tuple[str, ...]
    nonce_style: str = "hex"
    nonce_lifetime: float = 300.0


@dataclass(frozen=True, slots=True)
class HttpSpec:
    routes: tuple[RouteSpec, ...]
    headers: tuple[HeaderSpec, ...] = ()
    keep_alive: bool = True
    response_version: str = "HTTP/1.1"
    auth: AuthSpec | None = None
    unauthorized: ResponseSpec = ResponseSpec(status="401", body="401 Unauthorized\n")
    not_found: ResponseSpec = ResponseSpec(status="404", body="404 Not Found\n")

    def templates(self) -> Iterator[str]:
        """Every template string in the section (for placeholder checks)."""
        for _, value, _ in self.headers:
            yield value
        if self.auth is not None:
            yield self.auth.realm
            yield from self.auth.challenges
        yield from self.unauthorized.templates()
        yield from self.not_found.templates()
        for route in self.routes:
            yield from route.response.templates()
            yield from (value for value in route.args.values() if isinstance(value, str))


def _response(raw: Mapping[str, Any], where: str, default_status: str) -> ResponseSpec:
    sources = [k for k in ("body", "body_b64", "icon") if k in raw]
    if len(sources) > 1:
        raise fail(where, f"give only one of body, body_b64, icon (got {sources})")
    raw_body: bytes | None = None
    if "body_b64" in raw:
        try:
            raw_body = base64.b64decode(text(raw["body_b64"], where), validate=True)
        except binascii.Error as exc:
            raise fail(where, f"body_b64 is not base64: {exc}") from exc
    elif "icon" in raw:
        raw_body = make_icon(text(raw["icon"], f"{where}.icon"))
    reason = raw.get("reason")
    return ResponseSpec(
        status=text(raw.get("status", default_status), f"{where}.status"),
        reason=None if reason is None else text(reason, f"{where}.reason"),
        headers=fields(raw.get("headers"), f"{where}.headers"),
        body=text(raw.get("body", ""), f"{where}.body"),
        raw_body=raw_body,
        crlf=bool(raw.get("crlf", False)),
        bom=bool(raw.get("bom", False)),
    )


def _route(raw: Any, where: str) -> RouteSpec:
    data = mapping(raw, where)
    unknown = set(data) - ROUTE_KEYS
    if unknown:
        raise fail(where, f"unknown keys {sorted(unknown)}")
    if ("path" in data) == ("prefix" in data):
        raise fail(where, "give exactly one of path or prefix")
    auth = str(data.get("auth", "none"))
    if auth not in AUTH_MODES:
        raise fail(where, f"auth must be one of {AUTH_MODES}")
    methods_raw = data.get("methods", sorted(DEFAULT_METHODS))
    if isinstance(methods_raw, str):
        methods_raw = [methods_raw]
    if not isinstance(methods_raw, list) or not methods_raw:
        raise fail(where, "methods must be a non-empty list")
    handler = data.get("handler")
    if handler is not None and handler not in HANDLERS:
        raise fail(where, f"unknown handler {handler!r} (known: {sorted(HANDLERS)})")
    query = mapping(data.get("query"), f"{where}.query")
    return RouteSpec(
        response=_response(data, where, "200"),
        path=None if "path" not in data else text(data["path"], f"{where}.path"),
        prefix=None if "prefix" not in data else text(data["prefix"], f"{where}.prefix"),
        methods=frozenset(str(m).upper() for m in methods_raw),
        query=tuple((str(k), text(v, f"{where}.query.{k}")) for k, v in query.items()),
        json_method=None if data.get("json_method") is None else str(data["json_method"]),
        when=None if data.get("when") is None else str(data["when"]),
        auth=auth,
        handler=None if handler is None else str(handler),
        args=dict(mapping(data.get("args"), f"{where}.args")),
    )


def _auth(raw: Any, where: str) -> AuthSpec | None:
    if raw is None:
        return None
    data = mapping(raw, where)
    challenges = data.get("challenges")
    if not isinstance(challenges, list) or not challenges:
        raise fail(where, "challenges must be a non-empty list of templates")
    style = str(data.get("nonce_style", "hex"))
    if style not in NONCE_STYLES:
        raise fail(where, f"nonce_style must be one of {NONCE_STYLES}")
    lifetime = data.get("nonce_lifetime", 300)
    if not isinstance(lifetime, int | float) or lifetime <= 0:
        raise fail(where, "nonce_lifetime must be a positive number of seconds")
    return AuthSpec(
        realm=text(data.get("realm", "{realm}"), f"{where}.realm"),
        challenges=tuple(text(c, f"{where}.challenges") for c in challenges),
        nonce_style=style,
        nonce_lifetime=float(lifetime),
    )


def _version(value: Any, where: str) -> str:
    if value not in VERSIONS:
        raise fail(where, f"response_version must be one of {VERSIONS}")
    return str(value)


def parse_http_spec(raw: Any, where: str = "http") -> HttpSpec:
    """Parse and check a persona's ``http:`` mapping; raise LabError naming the bad field."""
    data = mapping(raw, where)
    known = {
        "keep_alive",
        "response_version",
        "headers",
        "auth",
        "unauthorized",
        "not_found",
        "routes",
    }
    unknown = set(data) - known
    if unknown:
        raise fail(where, f"unknown keys {sorted(unknown)}")
    routes_raw = data.get("routes")
    if not isinstance(routes_raw, list) or not routes_raw:
        raise fail(where, "routes must be a non-empty list")
    routes = tuple(_route(r, f"{where}.routes[{i}]") for i, r in enumerate(routes_raw))
    auth = _auth(data.get("auth"), f"{where}.auth")
    if auth is None and any(r.auth != "none" for r in routes):
        raise fail(where, "a route needs auth but the section has no auth: block")
    spec = HttpSpec(
        routes=routes,
        headers=fields(data.get("headers"), f"{where}.headers"),
        keep_alive=bool(data.get("keep_alive", True)),
        response_version=_version(data.get("response_version", "HTTP/1.1"), where),
        auth=auth,
    )
    for key, status in (("unauthorized", "401"), ("not_found", "404")):
        if key in data:
            block = mapping(data[key], f"{where}.{key}")
            extra = set(block) - RESPONSE_KEYS
            if extra:
                raise fail(f"{where}.{key}", f"unknown keys {sorted(extra)}")
            response = _response(block, f"{where}.{key}", status)
            if key == "unauthorized":
                spec = replace(spec, unauthorized=response)
            else:
                spec = replace(spec, not_found=response)
    return spec
