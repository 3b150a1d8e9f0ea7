"""Jinja2 environment of the pages (autoescaped, strict) and the render helper."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

from fastapi.templating import Jinja2Templates
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse

from camaudit.accounts import Capability
from camaudit.estate import asset_info, family
from camaudit.untrusted_text import visible
from camaudit.web.deps import Caller


def _finalize(value: Any) -> Any:
    """Every ``{{ value }}`` of a page: control characters (a device's terminal escapes) shown as
    U+FFFD, before autoescaping; markup already made safe stays safe."""
    if isinstance(value, Markup):
        return Markup(visible(str(value)))  # noqa: S704 - already safe; controls replaced only
    return visible(value) if isinstance(value, str) else value


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else ""


@lru_cache(maxsize=1)
def templates() -> Jinja2Templates:
    env = Environment(
        loader=PackageLoader("camaudit.web", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_finalize,
    )
    env.filters["when"] = _when
    env.globals["asset_info"] = asset_info
    env.globals["family"] = family
    env.globals["Capability"] = Capability
    env.globals["urlencode"] = urlencode
    return Jinja2Templates(env=env)


def render(
    request: Request,
    name: str,
    caller: Caller | None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """Render a page; every page gets the caller, its CSRF token and the nav flags."""
    principal = caller.principal if caller else None
    context.update(
        caller=principal,
        csrf=caller.csrf if caller else context.get("csrf", ""),
        can_operate=bool(principal and principal.orgs(Capability.OPERATE)),
        can_admin=bool(principal and principal.orgs(Capability.ADMIN)),
        can_devices=bool(principal and principal.orgs(Capability.DEVICES)),
    )
    return templates().TemplateResponse(request, name, context, status_code=status_code)
