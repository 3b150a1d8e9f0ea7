"""Sign in and out, and the account page (personal API tokens)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from camaudit.accounts import (
    authenticate,
    create_token,
    end_session,
    record,
    revoke_token,
    start_session,
    tokens,
)
from camaudit.errors import AuthError
from camaudit.web.deps import (
    Caller,
    CsrfRefused,
    HtmlCaller,
    form_csrf,
    get_store,
    optional_caller,
)
from camaudit.web.params import ObjectId
from camaudit.web.security import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    is_https,
    new_token,
    set_cookie,
    tokens_match,
)
from camaudit.web.templating import render

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Only same-site paths (never ``//host`` or a scheme) after login."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def _login_page(request: Request, error: str = "", status: int = 200, nxt: str = "/") -> Response:
    token = new_token()
    response = render(
        request, "login.html", None, status_code=status, error=error, csrf=token, next=nxt
    )
    set_cookie(
        response,
        request,
        LOGIN_CSRF_COOKIE,
        token,
        max_age=3600,
        https=is_https(request, request.app.state.https),
    )
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(
    request: Request,
    caller: Annotated[Caller | None, Depends(optional_caller)],
    next: str = "/",
) -> Response:
    if caller is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return _login_page(request, nxt=_safe_next(next))


@router.post("/login")
def login(
    request: Request,
    username: Annotated[str, Form(max_length=100)],
    password: Annotated[str, Form(max_length=1000)],
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    if not tokens_match(request.cookies.get(LOGIN_CSRF_COOKIE), csrf_token):
        raise CsrfRefused()
    store = get_store(request)
    client = request.client.host if request.client else "unknown"
    try:
        principal = authenticate(store, username, password, client)
    except AuthError as exc:
        record(store, username, "login.refused" if exc.throttled else "login.failed", detail=client)
        return _login_page(request, str(exc), 429 if exc.throttled else 401, _safe_next(next))
    session = start_session(store, principal.user_id)
    # One entry per organisation, so each one's admins see who signed in to their data.
    orgs: list[str | None] = [*sorted({m.org for m in principal.memberships})]
    for org in orgs or [None]:
        record(store, principal.username, "login", org=org, detail=client)
    response = RedirectResponse(_safe_next(next), status_code=303)
    https = is_https(request, request.app.state.https)
    set_cookie(response, request, SESSION_COOKIE, session.token, max_age=12 * 3600, https=https)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
    return response


@router.post("/logout")
def logout(request: Request, caller: Annotated[Caller, Depends(form_csrf)]) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        end_session(get_store(request), token)
    record(get_store(request), caller.principal.username, "logout")
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/account", response_class=HTMLResponse)
def account(request: Request, caller: HtmlCaller) -> Response:
    store = get_store(request)
    return render(
        request,
        "account.html",
        caller,
        tokens=tokens(store, caller.principal.user_id),
        new_secret="",
    )


@router.post("/account/tokens", response_class=HTMLResponse)
def add_token(
    request: Request,
    caller: Annotated[Caller, Depends(form_csrf)],
    name: Annotated[str, Form(max_length=100)],
) -> Response:
    """Create a token and show its secret once, on this response only (it is never stored)."""
    store = get_store(request)
    info, secret = create_token(store, caller.principal.user_id, name)
    record(store, caller.principal.username, "token.create", target=info.name)
    return render(
        request,
        "account.html",
        caller,
        tokens=tokens(store, caller.principal.user_id),
        new_secret=secret,
    )


@router.post("/account/tokens/{token_id}/revoke")
def drop_token(
    request: Request, token_id: ObjectId, caller: Annotated[Caller, Depends(form_csrf)]
) -> Response:
    store = get_store(request)
    revoke_token(store, caller.principal.user_id, token_id)
    record(store, caller.principal.username, "token.revoke", target=str(token_id))
    return RedirectResponse("/account", status_code=303)
