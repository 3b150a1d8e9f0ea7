"""Cookies, CSRF tokens and security headers."""

from __future__ import annotations

import secrets

from starlette.requests import Request
from starlette.responses import Response

SESSION_COOKIE = "camaudit_session"
#: Double-submit cookie for the login form (there is no session to hold its token yet).
LOGIN_CSRF_COOKIE = "camaudit_login_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def is_https(request: Request, forced: bool | None) -> bool:
    """Whether cookies must be ``Secure``: forced by the app, else when the request is HTTPS."""
    if forced is not None:
        return forced
    return request.url.scheme == "https"


def set_cookie(
    response: Response, request: Request, name: str, value: str, *, max_age: int, https: bool
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="strict",
        secure=https,
        path="/",
    )


def tokens_match(expected: str | None, given: str | None) -> bool:
    return bool(expected and given) and secrets.compare_digest(str(expected), str(given))


def new_token() -> str:
    return secrets.token_urlsafe(32)
