"""Oversight pages: the survey table for the oversight role, a body's own requests and responses.

Who is who: a user with the ``oversight`` role in any organisation is an oversight user; a member
of an organisation linked to a public body (``camaudit bodies link``) is that body's user. Every
read and write goes through :mod:`camaudit.oversight.service`, which enforces the rules (another
body's responses are never shown; a body records only its own response).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from camaudit.accounts import Capability, Principal, Role
from camaudit.errors import AccessDenied, InputError, NotFoundError
from camaudit.models import utcnow
from camaudit.oversight import service
from camaudit.oversight.report import FORMATS, build_report, render_html, write_report
from camaudit.oversight.types import Caller as OversightCaller
from camaudit.oversight.types import ResponseStatus
from camaudit.store import Store
from camaudit.web.deps import Caller, HtmlCaller, form_csrf, get_store
from camaudit.web.operations import save_upload
from camaudit.web.params import FormId
from camaudit.web.templating import render

router = APIRouter(include_in_schema=False)
#: Largest answer JSON accepted from a form.
MAX_ANSWER = 20 * 1024 * 1024
_MEDIA = {
    "csv": "text/csv",
    "json": "application/json",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def oversight_caller(store: Store, principal: Principal) -> tuple[OversightCaller, str | None]:
    """The oversight identity of a web user, and (for a body's user) the organisation it is
    reached through. NotFoundError when the user is neither."""
    if any(m.role is Role.OVERSIGHT for m in principal.memberships):
        return OversightCaller.oversight(principal.username), None
    for m in principal.memberships:
        body = service.body_of_organisation(store, m.org)
        if body is not None:
            return OversightCaller.of_body(principal.username, body.key), m.org
    raise NotFoundError("not found")


@router.get("/oversight", response_class=HTMLResponse)
def overview(request: Request, caller: HtmlCaller, round: str = "") -> Response:
    store = get_store(request)
    who, org = oversight_caller(store, caller.principal)
    today = utcnow().date()
    if who.body is None:
        rounds = service.rounds(store, who)
        report = build_report(store, who, round=round or None, today=today) if rounds else None
        return render(
            request, "oversight.html", caller, report=report, rounds=rounds, formats=FORMATS
        )
    requests = service.list_requests(store, who)
    deadlines = {r.id: service.deadlines(store, who, r.id, today) for r in requests}
    return render(
        request,
        "oversight_body.html",
        caller,
        body=next(b for b in service.list_bodies(store, who) if b.key == who.body),
        requests=requests,
        deadlines=deadlines,
        responses=service.list_responses(store, who),
        statuses=list(ResponseStatus),
        can_write=bool(org and caller.principal.can(org, Capability.ADMIN)),
    )


@router.get("/oversight/report.{fmt}")
def report_file(request: Request, fmt: str, caller: HtmlCaller, round: str = "") -> Response:
    store = get_store(request)
    who, _ = oversight_caller(store, caller.principal)
    if fmt not in FORMATS or who.body is not None:  # the aggregates are the oversight role's
        raise NotFoundError("not found")
    report = build_report(store, who, round=round or None, today=utcnow().date())
    if fmt == "html":
        return HTMLResponse(render_html(report))
    tmp = Path(tempfile.mkdtemp(prefix="camaudit-oversight-"))
    try:
        path = write_report(fmt, tmp / f"survey.{fmt}", report)
        data = path.read_bytes()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    name = f"survey-{report.summary.round}.{fmt}"
    return Response(
        data,
        media_type=_MEDIA[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.post("/oversight/respond")
async def respond(
    request: Request,
    caller: Annotated[Caller, Depends(form_csrf)],
    request_id: FormId,
    status: Annotated[str, Form(max_length=30)],
    text: Annotated[str, Form(max_length=20000)] = "",
    exemption: Annotated[str, Form(max_length=200)] = "",
    answer: Annotated[UploadFile | None, File()] = None,
) -> Response:
    store = get_store(request)
    who, org = oversight_caller(store, caller.principal)
    if who.body is not None and request_id not in {r.id for r in service.list_requests(store, who)}:
        raise NotFoundError("not found")  # a request not sent to this body: not even its title
    if who.body is None or org is None or not caller.principal.can(org, Capability.ADMIN):
        raise AccessDenied("only an administrator of the body's organisation records its answer")
    doc = None
    if answer is not None and answer.filename:
        path = await save_upload(answer, MAX_ANSWER)
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InputError(f"the answer is not JSON: {exc}") from None
        finally:
            shutil.rmtree(path.parent, ignore_errors=True)
        if not isinstance(doc, dict):
            raise InputError("the answer is not a camaudit answer document")
    try:
        st = ResponseStatus.parse(status)
    except ValueError as exc:
        raise InputError(str(exc)) from None
    service.record_response(
        store,
        who,
        request_id,
        who.body,
        st,
        received=utcnow().date(),
        text=text,
        exemption=exemption or None,
        answer=doc,
    )
    return RedirectResponse("/oversight", status_code=303)
