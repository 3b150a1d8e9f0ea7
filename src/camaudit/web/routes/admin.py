"""Administration of one organisation: members and roles, scan scopes, the activity log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from camaudit.accounts import Capability, Role, add_user
from camaudit.accounts import users as all_users
from camaudit.errors import InputError
from camaudit.web.deps import HtmlCaller, HtmlEstate, HtmlEstatePost
from camaudit.web.params import ObjectId
from camaudit.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/admin", response_class=HTMLResponse)
def admin_home(estate: HtmlEstate) -> Response:
    orgs = estate.orgs(Capability.ADMIN)
    if not orgs:
        estate.org(-1, Capability.ADMIN)  # raises not found
    return RedirectResponse(f"/admin/{orgs[0].id}", status_code=303)


@router.get("/admin/{org_id}", response_class=HTMLResponse)
def admin_org(
    request: Request, org_id: ObjectId, estate: HtmlEstate, caller: HtmlCaller
) -> Response:
    org = estate.org(org_id, Capability.ADMIN)
    return render(
        request,
        "admin.html",
        caller,
        org=org,
        orgs=estate.orgs(Capability.ADMIN),
        members=estate.members(org_id),
        scopes=estate.scopes(org_id),
        activity=estate.activity(org_id),
        roles=[r.value for r in Role],
    )


@router.post("/admin/{org_id}/members")
def set_member(
    org_id: ObjectId,
    estate: HtmlEstatePost,
    username: Annotated[str, Form(max_length=100)],
    role: Annotated[str, Form(max_length=20)],
    password: Annotated[str, Form(max_length=1000)] = "",
    evidence: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    """Give a user a role here; with a password, create the account first."""
    estate.org(org_id, Capability.ADMIN)
    known = {u.username for u in all_users(estate.store)}
    if username not in known:
        if not password:
            raise InputError(f"no user {username!r}: give a password to create the account")
        add_user(estate.store, username, password)
        estate.log("user.add", target=username)
    estate.set_member(org_id, username, role, evidence_granted=bool(evidence))
    return RedirectResponse(f"/admin/{org_id}", status_code=303)


@router.post("/admin/{org_id}/members/{username}/remove")
def remove_member(org_id: ObjectId, username: str, estate: HtmlEstatePost) -> Response:
    estate.remove_member(org_id, username)
    return RedirectResponse(f"/admin/{org_id}", status_code=303)


@router.post("/admin/{org_id}/scopes")
def add_scope(
    org_id: ObjectId,
    estate: HtmlEstatePost,
    name: Annotated[str, Form(max_length=200)],
    targets: Annotated[str, Form(max_length=10000)],
    exclude: Annotated[str, Form(max_length=10000)] = "",
    site: Annotated[str, Form(max_length=200)] = "",
    port_offset: Annotated[int, Form()] = 0,
) -> Response:
    estate.add_scope(
        org_id,
        name,
        targets.split(),
        exclude.split(),
        site=site or None,
        port_offset=port_offset,
    )
    return RedirectResponse(f"/admin/{org_id}", status_code=303)


@router.post("/admin/scopes/{scope_id}/delete")
def delete_scope(scope_id: ObjectId, estate: HtmlEstatePost) -> Response:
    org = estate.scope(scope_id, Capability.ADMIN).org
    estate.delete_scope(scope_id)
    ref = next(o for o in estate.orgs(Capability.ADMIN) if o.name == org)
    return RedirectResponse(f"/admin/{ref.id}", status_code=303)
