"""Named HTTP handlers for behaviour that a static route template cannot express.

A persona route may say ``handler: <name>`` (with optional ``args:``); the name must be registered
here with :func:`register_handler`. Handlers are async so that later personas (tarpits, endless
bodies) can take their time or stream. Keep handlers generic and data-driven: anything that is a
fixed string belongs in the persona YAML, not here.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import hmac
import json
import secrets
import zlib
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from camaudit.lab.http_messages import HttpRequest, HttpResponse

if TYPE_CHECKING:
    from camaudit.lab.fleet import LabDevice


@dataclass(slots=True)
class RequestContext:
    """What a handler may use: the device, the rendering context, the lab secret."""

    device: LabDevice
    vars: Mapping[str, str]
    secret: bytes
    render: Callable[[str], str]
    base_headers: list[tuple[str, str]]
    events: Counter[str] = field(default_factory=Counter)  # the lab's LabResources.events


Handler = Callable[[HttpRequest, RequestContext, Mapping[str, Any]], Awaitable[HttpResponse]]
HANDLERS: dict[str, Handler] = {}


def register_handler(name: str) -> Callable[[Handler], Handler]:
    def decorate(func: Handler) -> Handler:
        if name in HANDLERS:
            raise ValueError(f"HTTP handler {name!r} registered twice")
        HANDLERS[name] = func
        return func

    return decorate


def _json_response(
    ctx: RequestContext, payload: Mapping[str, Any], status: int = 200
) -> HttpResponse:
    body = json.dumps(payload, separators=(",", ":")).encode()
    headers = [*ctx.base_headers, ("Content-Type", "application/json; charset=utf-8")]
    return HttpResponse(status=status, headers=headers, body=body)


def _md5_upper(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest().upper()


def _session_secret(ctx: RequestContext, session: str, label: str) -> bytes:
    message = f"{label}|{ctx.device.ip}|{session}".encode()
    return hmac.new(ctx.secret, message, "sha256").digest()


def dahua_random(ctx: RequestContext, session: str) -> str:
    """The login ``random`` the lab issued for ``session`` (derived, so nothing is stored)."""
    value = int.from_bytes(_session_secret(ctx, session, "random")[:8], "big")
    return str(1_000_000 + value % 9_000_000)


def dahua_login_hash(user: str, password: str, realm: str, random: str) -> str:
    """Dahua 'Default' login hash (protocols.md 5.2): MD5(user:random:MD5(user:realm:pass))."""
    return _md5_upper(f"{user}:{random}:{_md5_upper(f'{user}:{realm}:{password}')}")


@register_handler("dahua_rpc2_login")
async def dahua_rpc2_login(
    request: HttpRequest, ctx: RequestContext, args: Mapping[str, Any]
) -> HttpResponse:
    """``POST /RPC2_Login`` ``global.login``: a challenge first, then verify the hashed password.

    The challenge shape follows protocols.md 5.2. The failure code for a wrong password is a
    lab choice (not taken from a capture).
    """
    try:
        payload = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        payload = None
    if not isinstance(payload, dict):
        error = {"code": 268894209, "message": "Request invalid param!"}
        return _json_response(ctx, {"error": error, "id": None, "result": False})
    req_id = payload.get("id")
    params = payload.get("params") if isinstance(payload.get("params"), dict) else {}
    assert isinstance(params, dict)
    if payload.get("method") != "global.login":
        error = {"code": 287637505, "message": "Invalid session in request data!"}
        return _json_response(ctx, {"error": error, "id": req_id, "result": False})
    realm = ctx.vars.get("realm", "")
    user = str(params.get("userName", ""))
    session = payload.get("session")
    if params.get("authorityType") and session not in (None, 0, ""):
        session_text = str(session)
        random = dahua_random(ctx, session_text)
        good = user == ctx.device.username and hmac.compare_digest(
            str(params.get("password", "")).upper().encode(),
            dahua_login_hash(user, ctx.device.password, realm, random).encode(),
        )
        if good:
            return _json_response(
                ctx, {"id": req_id, "params": None, "result": True, "session": session}
            )
        error = {"code": 268632085, "message": "Component error: User or password not valid!"}
        return _json_response(
            ctx, {"error": error, "id": req_id, "params": None, "result": False, "session": session}
        )
    session_value: int | str
    if str(args.get("session_style", ctx.vars.get("rpc_session_style", "int"))) == "hex":
        session_value = secrets.token_hex(16)
    else:
        session_value = secrets.randbelow(2_000_000_000) + 1
    session_text = str(session_value)
    challenge = {
        "authorization": _session_secret(ctx, session_text, "authorization")[:20].hex(),
        "encryption": "Default",
        "mac": ctx.vars.get("mac_plain", ""),
        "random": dahua_random(ctx, session_text),
        "realm": realm,
    }
    error = {"code": 268632079, "message": "Component error: login challenge!"}
    return _json_response(
        ctx,
        {
            "error": error,
            "id": req_id,
            "params": challenge,
            "result": False,
            "session": session_value,
        },
    )


def _reolink_reply(ctx: RequestContext, entries: list[dict[str, Any]]) -> HttpResponse:
    """Reolink's JSON style: an array, pretty-printed with ``" : "`` separators."""
    body = json.dumps(entries, indent=3, separators=(",", " : ")).encode()
    headers = [*ctx.base_headers, ("Content-Type", "application/json")]
    return HttpResponse(status=200, headers=headers, body=body)


def reolink_token(ctx: RequestContext, user: str) -> str:
    """The login token the lab issues for ``user`` (derived, so nothing is stored)."""
    return _session_secret(ctx, user, "reolink-token")[:8].hex()


@register_handler("reolink_api")
async def reolink_api(
    request: HttpRequest, ctx: RequestContext, args: Mapping[str, Any]
) -> HttpResponse:
    """``/cgi-bin/api.cgi`` (protocols.md 6.4): ``Login`` issues a token; other commands need it
    (or ``user``/``password`` in the query) and otherwise answer "please login first".

    ``args.dev_info`` is the JSON template of GetDevInfo's ``value.DevInfo``.
    """
    try:
        payload = json.loads(request.body.decode("utf-8")) if request.body.strip() else []
    except (UnicodeDecodeError, json.JSONDecodeError):
        payload = None
    first = (
        payload[0] if isinstance(payload, list) and payload and isinstance(payload[0], dict) else {}
    )
    command = str(request.query.get("cmd") or first.get("cmd") or "Unknown")[:32]
    device = ctx.device
    if command == "Login":
        param = first.get("param") if isinstance(first.get("param"), dict) else {}
        user_entry = param.get("User") if isinstance(param, dict) else None
        user = user_entry if isinstance(user_entry, dict) else {}
        good = user.get("userName") == device.username and hmac.compare_digest(
            str(user.get("password", "")).encode(), device.password.encode()
        )
        if good:
            lease = {"leaseTime": 3600, "name": reolink_token(ctx, device.username)}
            return _reolink_reply(ctx, [{"cmd": "Login", "code": 0, "value": {"Token": lease}}])
        error = {"detail": "login failed", "rspCode": -7}
        return _reolink_reply(ctx, [{"cmd": "Login", "code": 1, "error": error}])
    token = request.query.get("token", "")
    authorized = bool(token) and hmac.compare_digest(
        token.encode(), reolink_token(ctx, device.username).encode()
    )
    if not authorized and request.query.get("user") == device.username:
        authorized = hmac.compare_digest(
            request.query.get("password", "").encode(), device.password.encode()
        )
    if not authorized:
        error = {"detail": "please login first", "rspCode": -6}
        return _reolink_reply(ctx, [{"cmd": command, "code": 1, "error": error}])
    if command == "GetDevInfo":
        info = json.loads(ctx.render(str(args.get("dev_info", "{}"))))
        return _reolink_reply(ctx, [{"cmd": command, "code": 0, "value": {"DevInfo": info}}])
    error = {"detail": "not support", "rspCode": -9}
    return _reolink_reply(ctx, [{"cmd": command, "code": 1, "error": error}])


MAX_XML_DEPTH = 200_000


@register_handler("xxe_canary")
async def xxe_canary(
    request: HttpRequest, ctx: RequestContext, args: Mapping[str, Any]
) -> HttpResponse:
    """The target of a hostile persona's external XML entity: a request here means a client
    resolved the entity (counted as ``xxe-fetch <device ip>`` in the lab's events)."""
    ctx.events[f"xxe-fetch {ctx.device.ip}"] += 1
    headers = [*ctx.base_headers, ("Content-Type", "text/plain")]
    return HttpResponse(status=200, headers=headers, body=b"camaudit-lab-xxe-canary\n")


@register_handler("deep_xml")
async def deep_xml(
    request: HttpRequest, ctx: RequestContext, args: Mapping[str, Any]
) -> HttpResponse:
    """An XML document nested ``args.depth`` elements deep (at most MAX_XML_DEPTH), closed
    properly unless ``args.closed`` is false."""
    depth = max(1, min(int(args.get("depth", 10_000)), MAX_XML_DEPTH))
    tag = str(args.get("tag", "a"))
    closing = f"</{tag}>" * depth if args.get("closed", True) else ""
    body = f'<?xml version="1.0" encoding="UTF-8"?>\n{f"<{tag}>" * depth}{closing}\n'.encode()
    content_type = str(args.get("content_type", "application/xml"))
    headers = [*ctx.base_headers, ("Content-Type", content_type)]
    return HttpResponse(status=200, headers=headers, body=body)


@register_handler("quadratic_xml")
async def quadratic_xml(
    request: HttpRequest, ctx: RequestContext, args: Mapping[str, Any]
) -> HttpResponse:
    """The "quadratic blowup": one internal entity of ``args.size`` characters referenced
    ``args.refs`` times (each at most 100,000), a small document that expands enormously."""
    size = max(1, min(int(args.get("size", 20_000)), 100_000))
    refs = max(1, min(int(args.get("refs", 10_000)), 100_000))
    body = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE r [<!ENTITY a "{"x" * size}">]>\n'
        f"<r>{'&a;' * refs}</r>\n"
    ).encode()
    headers = [*ctx.base_headers, ("Content-Type", str(args.get("content_type", "text/xml")))]
    return HttpResponse(status=200, headers=headers, body=body)


MAX_BOMB_EXPANSION = 1 << 30  # a compression bomb expands to at most 1 GiB
_BOMB_BLOCK = b"\x00" * (1 << 20)


@functools.lru_cache(maxsize=4)
def compression_bomb(encoding: str, expanded: int) -> bytes:
    """``expanded`` zero bytes compressed as ``gzip`` or ``deflate`` (zlib), built by blocks
    (never held expanded); about a thousandth of ``expanded`` on the wire. Cached."""
    wbits = 31 if encoding == "gzip" else 15
    packer = zlib.compressobj(9, zlib.DEFLATED, wbits)
    parts = [packer.compress(_BOMB_BLOCK) for _ in range(expanded // len(_BOMB_BLOCK))]
    parts.append(packer.compress(_BOMB_BLOCK[: expanded % len(_BOMB_BLOCK)]))
    parts.append(packer.flush())
    return b"".join(parts)


@register_handler("compression_bomb")
async def compression_bomb_page(
    request: HttpRequest, ctx: RequestContext, args: Mapping[str, Any]
) -> HttpResponse:
    """A body that is small on the wire and enormous decoded: ``Content-Encoding: gzip`` (or
    ``deflate``) over ``args.expanded`` zero bytes (at most MAX_BOMB_EXPANSION), whatever the
    client said it accepts."""
    encoding = "deflate" if args.get("encoding") == "deflate" else "gzip"
    expanded = max(1, min(int(args.get("expanded", 100 << 20)), MAX_BOMB_EXPANSION))
    headers = [
        *ctx.base_headers,
        ("Content-Type", str(args.get("content_type", "text/html"))),
        ("Content-Encoding", encoding),
    ]
    body = await asyncio.to_thread(compression_bomb, encoding, expanded)  # the lab loop runs on
    return HttpResponse(status=200, headers=headers, body=body)
