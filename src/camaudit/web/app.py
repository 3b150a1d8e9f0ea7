"""The web application: FastAPI with server-rendered pages and a JSON API under ``/api/``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from camaudit import __version__
from camaudit.errors import AccessDenied, CamauditError, InputError, NotFoundError
from camaudit.store import Store
from camaudit.web.deps import CsrfRefused, LoginRequired, optional_caller
from camaudit.web.jobs import JobManager
from camaudit.web.routes import (
    admin,
    api_estate,
    api_ops,
    audits,
    auth,
    estate,
    operate,
    oversight,
)
from camaudit.web.security import HEADERS
from camaudit.web.templating import render

STATIC = Path(__file__).resolve().parent / "static"


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error(request: Request, status: int, message: str) -> Response:
    if _is_api(request):
        return JSONResponse({"detail": message}, status_code=status)
    try:
        caller = optional_caller(request)
    except CamauditError:
        caller = None
    return render(request, "error.html", caller, status_code=status, status=status, message=message)


def create_app(
    store: Store, *, https: bool | None = None, jobs: JobManager | None = None
) -> FastAPI:
    """The app over ``store``. ``https`` forces Secure cookies on (or off); by default they are
    Secure whenever the request came over HTTPS."""
    app = FastAPI(
        title="camaudit",
        version=__version__,
        description=(
            "The estate, its evidence and its findings, per organisation. Authenticate with a "
            "personal API token (`Authorization: Bearer cma_...`) or a browser session (then "
            "writes need the `X-CSRF-Token` header)."
        ),
        openapi_url="/api/openapi.json",
        docs_url=None,  # the stock docs pages load scripts from a CDN
        redoc_url=None,
    )
    app.state.store = store
    app.state.https = https
    app.state.jobs = jobs or JobManager()
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (auth, estate, audits, operate, admin, api_estate, api_ops, oversight):
        app.include_router(module.router)

    @app.middleware("http")
    async def security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if not request.url.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.exception_handler(LoginRequired)
    def _login(request: Request, _exc: LoginRequired) -> Response:
        if _is_api(request):
            return JSONResponse(
                {"detail": "authentication required"},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        target = quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
        return RedirectResponse(f"/login?next={target}", status_code=303)

    @app.exception_handler(CsrfRefused)
    def _csrf(request: Request, _exc: CsrfRefused) -> Response:
        return _error(
            request, 403, "the form's security token is missing or stale; reload the page"
        )

    @app.exception_handler(NotFoundError)
    def _not_found(request: Request, exc: NotFoundError) -> Response:
        return _error(request, 404, str(exc) or "not found")

    @app.exception_handler(AccessDenied)
    def _denied(request: Request, exc: AccessDenied) -> Response:
        return _error(request, 403, str(exc))

    @app.exception_handler(InputError)
    def _bad_input(request: Request, exc: InputError) -> Response:
        return _error(request, 400, " ".join(str(exc).split()))

    @app.exception_handler(CamauditError)
    def _other(request: Request, exc: CamauditError) -> Response:
        return _error(request, 500, str(exc))

    @app.exception_handler(RequestValidationError)
    def _invalid(request: Request, exc: RequestValidationError) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": jsonable_encoder(exc.errors())}, status_code=422)
        return _error(request, 422, "the request is not valid: " + _first(exc))

    return app


def _first(exc: RequestValidationError) -> str:
    errors = exc.errors()
    if not errors:
        return "invalid"
    e = errors[0]
    return f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', 'invalid')}"
