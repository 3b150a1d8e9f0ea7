"""A user of organisation A gets 404 for every URL of organisation B's objects.

Routes are enumerated from the app, so a new route is covered automatically: a path parameter
this test does not know how to fill with one of B's objects fails the test until it is added.
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from camaudit.accounts import create_token
from camaudit.web.jobs import Job
from camaudit.web.routing import route_table
from tests.web.conftest import ORG_A, ORG_B, REGISTER, csrf_of, sign_in

#: Routes that name no object (nothing of B's to ask for by URL).
NO_OBJECT = {
    ("GET", "/"),
    ("GET", "/account"),
    ("GET", "/admin"),
    ("GET", "/api/activity"),
    ("GET", "/api/audits"),
    ("GET", "/api/devices"),
    ("GET", "/api/findings"),
    ("GET", "/api/me"),
    ("GET", "/api/openapi.json"),
    ("GET", "/api/orgs"),
    ("GET", "/api/overview"),
    ("GET", "/api/scopes"),
    ("GET", "/audits"),
    ("GET", "/devices"),
    ("GET", "/findings"),
    ("GET", "/import"),
    ("GET", "/login"),
    ("GET", "/oversight"),
    ("GET", "/oversight/report.{fmt}"),  # the oversight role's aggregates (fmt: a format)
    ("GET", "/reports"),
    ("GET", "/scan"),
    ("POST", "/account/tokens"),
    ("POST", "/login"),
    ("POST", "/logout"),
}
#: Routes whose object is named in the form rather than the path: the form names B's object.
FORM_OBJECT = {
    ("POST", "/import"): lambda ids: {"org_id": ids["org_id"], "fmt": "register"},
    ("POST", "/scan"): lambda ids: {"scope_id": ids["scope_id"]},
    ("POST", "/oversight/respond"): lambda ids: {
        "request_id": ids["request_id"],
        "status": "confirmed",
    },
}
#: Valid bodies, so that validation (422) cannot answer before the access check does.
BODIES = {
    "/admin/{org_id}/members": {"username": "mallory", "role": "viewer"},
    "/admin/{org_id}/scopes": {"name": "x", "targets": "127.0.0.1"},
    "/api/orgs/{org_id}/imports": {"fmt": "register"},
}
UPLOADS = {"/api/orgs/{org_id}/imports", "/import"}
_PARAM = re.compile(r"\{(\w+)\}")


@pytest.fixture(scope="module")
def b_ids(app, app_store, estate) -> dict[str, str]:
    """One of organisation B's objects for every kind of path parameter."""
    from camaudit.accounts import users

    bob = next(u for u in users(app_store) if u.username == "bob")
    token, _ = create_token(app_store, bob.id, "bob's token")
    job = app.state.jobs.start(Job("b0b0b0b0", "import", ORG_B, "bob", "x"), lambda j: None)
    app.state.jobs.wait(job.id)
    request_id = _request_sent_only_to_b(app_store)
    return {
        "request_id": str(request_id),
        "device_id": str(estate.devices[ORG_B][0]),
        "evidence_id": str(estate.evidence[ORG_B][0]),
        "audit_id": str(estate.audits[ORG_B][0]),
        "other_id": str(estate.audits[ORG_B][1]),
        "org_id": str(estate.org_ids[ORG_B]),
        "scope_id": str(estate.scopes[ORG_B]),
        "job_id": job.id,
        "token_id": str(token.id),
        "username": "bob",
        "fmt": "csv",
    }


def _request_sent_only_to_b(store) -> int:
    """An information request sent to B's body only (A's organisation is a body too)."""
    from datetime import date

    from camaudit.oversight import service
    from camaudit.oversight.types import Caller

    editor = Caller.oversight("olga")
    service.load_reference_bodies(store, editor)
    service.link_body(store, editor, "fife", ORG_A)
    service.link_body(store, editor, "moray", ORG_B)
    req = service.draft_request(store, editor, "to B only", ["q?"], "test")
    service.send_request(store, editor, req.id, ["moray"], sent=date(2026, 1, 5))
    return req.id


def _routes(app) -> list[tuple[str, str]]:
    return [r for r in route_table(app) if r not in NO_OBJECT]


def _fill(path: str, ids: dict[str, str]) -> str:
    names = _PARAM.findall(path)
    unknown = [n for n in names if n not in ids]
    assert not unknown, f"{path}: teach test_access which of B's objects {unknown} should name"
    return _PARAM.sub(lambda m: ids[m.group(1)], path)


def test_every_route_is_classified(app):
    for method, path in route_table(app):
        named = bool(_PARAM.search(path))
        assert named or (method, path) in NO_OBJECT or (method, path) in FORM_OBJECT, (
            f"{method} {path} names no object: add it to NO_OBJECT or FORM_OBJECT"
        )


def test_org_a_gets_404_for_every_url_of_org_b(app, app_store, b_ids):
    from camaudit.accounts import users

    alice_id = next(u.id for u in users(app_store) if u.username == "alice")
    _, alice_token = create_token(app_store, alice_id, "cross-org test")
    checked = 0
    with TestClient(app) as browser, TestClient(app) as robot:
        csrf = sign_in(browser, "alice")
        robot.headers["Authorization"] = f"Bearer {alice_token}"
        for method, path in _routes(app):
            client = robot if path.startswith("/api/") else browser
            url = _fill(path, b_ids)
            data = dict(BODIES.get(path, {}))
            if (method, path) in FORM_OBJECT:
                data.update(FORM_OBJECT[(method, path)](b_ids))
            if method == "GET":
                r = client.get(url)
            else:
                if client is browser:
                    data["csrf_token"] = csrf
                files = {"file": ("r.csv", REGISTER.read_bytes())} if path in UPLOADS else None
                r = client.post(url, data=data, files=files, follow_redirects=False)
            assert r.status_code == 404, f"{method} {url}: {r.status_code} {r.text[:200]}"
            assert ORG_B not in r.text, f"{method} {url} leaks the other organisation's name"
            checked += 1
    assert checked >= 25


def test_org_b_itself_can_read_the_same_urls(app, b_ids):
    """The control: the objects exist, so the 404s above come from the access check."""
    with TestClient(app) as browser:
        sign_in(browser, "bob")
        for method, path in _routes(app):
            if method != "GET":
                continue
            r = browser.get(_fill(path, b_ids))
            assert r.status_code == 200, f"GET {path}: {r.status_code} {r.text[:200]}"


def test_token_of_another_user_cannot_be_revoked(app, b_ids, client_for):
    c, csrf = client_for("alice")
    r = c.post(f"/account/tokens/{b_ids['token_id']}/revoke", data={"csrf_token": csrf})
    assert r.status_code == 404


def test_csrf_of_login_page_required(app):
    with TestClient(app) as c:
        page = c.get("/login")
        assert csrf_of(page.text)
        r = c.post("/login", data={"username": "alice", "password": "x" * 12})
        assert r.status_code == 403
