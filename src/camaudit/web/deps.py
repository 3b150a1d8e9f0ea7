"""Request dependencies: who is calling (session cookie or API token), CSRF checks, and the
caller's :class:`~camaudit.estate.ScopedEstate` — the only way routes reach the store's data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from camaudit.accounts import Principal, session_principal, token_principal
from camaudit.estate import ScopedEstate
from camaudit.store import Store
from camaudit.web.jobs import JobManager
from camaudit.web.security import CSRF_FIELD, CSRF_HEADER, SESSION_COOKIE, tokens_match

_bearer = HTTPBearer(auto_error=False, description="A personal API token (Account page).")


class LoginRequired(Exception):
    """No valid session: HTML pages redirect to the login form, the API answers 401."""


class CsrfRefused(Exception):
    """A state-changing request without the right CSRF token (403)."""


@dataclass(frozen=True, slots=True)
class Caller:
    principal: Principal
    csrf: str | None  # None for API-token callers (no cookie, so no CSRF risk)
    via: str  # "session" or "token"


def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def get_jobs(request: Request) -> JobManager:
    jobs: JobManager = request.app.state.jobs
    return jobs


def _from_cookie(request: Request) -> Caller | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    found = session_principal(get_store(request), token)
    return Caller(found[0], found[1], "session") if found else None


def optional_caller(request: Request) -> Caller | None:
    return _from_cookie(request)


def html_caller(request: Request) -> Caller:
    caller = _from_cookie(request)
    if caller is None:
        raise LoginRequired()
    return caller


def api_caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)] = None,
) -> Caller:
    if credentials is not None:
        principal = token_principal(get_store(request), credentials.credentials)
        if principal is None:
            raise LoginRequired()
        return Caller(principal, None, "token")
    caller = _from_cookie(request)
    if caller is None:
        raise LoginRequired()
    return caller


async def form_csrf(request: Request, caller: Annotated[Caller, Depends(html_caller)]) -> Caller:
    """For HTML form posts: the form's token must be the session's."""
    form = await request.form()
    given = form.get(CSRF_FIELD)
    if not tokens_match(caller.csrf, given if isinstance(given, str) else None):
        raise CsrfRefused()
    return caller


def api_csrf(request: Request, caller: Annotated[Caller, Depends(api_caller)]) -> Caller:
    """For API writes: token callers need none; cookie callers send the X-CSRF-Token header."""
    if caller.via == "session" and not tokens_match(caller.csrf, request.headers.get(CSRF_HEADER)):
        raise CsrfRefused()
    return caller


def _estate(request: Request, caller: Caller) -> ScopedEstate:
    return ScopedEstate(get_store(request), caller.principal)


def html_estate(request: Request, caller: Annotated[Caller, Depends(html_caller)]) -> ScopedEstate:
    return _estate(request, caller)


def html_estate_post(
    request: Request, caller: Annotated[Caller, Depends(form_csrf)]
) -> ScopedEstate:
    return _estate(request, caller)


def api_estate(request: Request, caller: Annotated[Caller, Depends(api_caller)]) -> ScopedEstate:
    return _estate(request, caller)


def api_estate_post(request: Request, caller: Annotated[Caller, Depends(api_csrf)]) -> ScopedEstate:
    return _estate(request, caller)


HtmlEstate = Annotated[ScopedEstate, Depends(html_estate)]
HtmlEstatePost = Annotated[ScopedEstate, Depends(html_estate_post)]
ApiEstate = Annotated[ScopedEstate, Depends(api_estate)]
ApiEstatePost = Annotated[ScopedEstate, Depends(api_estate_post)]
HtmlCaller = Annotated[Caller, Depends(html_caller)]
Jobs = Annotated[JobManager, Depends(get_jobs)]
