"""Sign-in, sessions, CSRF, login throttling, API tokens, disabled accounts, the activity log."""

from __future__ import annotations

from fastapi.testclient import TestClient

from camaudit.accounts import activity, create_token, set_disabled, users
from camaudit.accounts.sessions import MAX_FAILURES_PER_USER
from camaudit.store import Store
from camaudit.web import create_app
from tests.web.conftest import ORG_A, PASSWORD, csrf_of, sign_in


def test_session_cookie_flags(app):
    with TestClient(app) as c:
        page = c.get("/login")
        r = c.post(
            "/login",
            data={"username": "vera", "password": PASSWORD, "csrf_token": csrf_of(page.text)},
            follow_redirects=False,
        )
        cookie = r.headers["set-cookie"].lower()
        assert "camaudit_session=" in cookie
        assert "httponly" in cookie and "samesite=strict" in cookie
        assert "secure" not in cookie  # plain http in tests
        assert "default-src 'self'" in r.headers["content-security-policy"]


def test_secure_cookie_over_https(app_store):
    with TestClient(create_app(app_store), base_url="https://testserver") as c:
        page = c.get("/login")
        assert "secure" in page.headers["set-cookie"].lower()


def test_forms_refuse_missing_or_wrong_csrf(client_for, estate):
    c, csrf = client_for("alice")
    org_id = estate.org_ids[ORG_A]
    body = {"name": "csrf probe", "targets": "127.0.0.1"}
    assert c.post(f"/admin/{org_id}/scopes", data=body).status_code == 403
    bad = {**body, "csrf_token": "x" + csrf[1:]}
    assert c.post(f"/admin/{org_id}/scopes", data=bad).status_code == 403
    assert c.post("/logout", data={}).status_code == 403
    assert c.get("/account").status_code == 200  # still signed in
    ok = {**body, "csrf_token": csrf}
    assert c.post(f"/admin/{org_id}/scopes", data=ok, follow_redirects=False).status_code == 303


def test_api_writes_with_cookie_need_csrf_header(client_for, estate):
    from tests.web.conftest import REGISTER

    c, csrf = client_for("alice")
    url = f"/api/orgs/{estate.org_ids[ORG_A]}/imports"

    def post(headers):  # type: ignore[no-untyped-def]
        files = {"file": ("r.csv", REGISTER.read_bytes())}
        return c.post(url, data={"fmt": "register"}, files=files, headers=headers)

    assert post({}).status_code == 403
    assert post({"X-CSRF-Token": "nope"}).status_code == 403
    r = post({"X-CSRF-Token": csrf})
    assert r.status_code == 202
    c.app.state.jobs.wait(r.json()["id"], timeout=60)


def test_login_throttling(app_store):
    app = create_app(app_store)
    with TestClient(app) as c:
        for _ in range(MAX_FAILURES_PER_USER):
            page = c.get("/login")
            r = c.post(
                "/login",
                data={
                    "username": "opal",
                    "password": "wrong password",
                    "csrf_token": csrf_of(page.text),
                },
            )
            assert r.status_code == 401
        page = c.get("/login")
        r = c.post(
            "/login",
            data={"username": "opal", "password": PASSWORD, "csrf_token": csrf_of(page.text)},
        )
        assert r.status_code == 429, "the right password is refused while throttled"
        assert "too many failed logins" in r.text
    actions = [e.action for e in activity.entries(app_store, [], username="opal")]
    assert "login.refused" in actions and "login.failed" in actions


def test_api_token_and_disabled_account(tmp_path):
    from tests.web.conftest import build_estate

    est = build_estate(f"sqlite:///{tmp_path / 'tok.db'}")
    with Store.open(est.url) as store:
        vera = next(u for u in users(store) if u.username == "vera")
        _, secret = create_token(store, vera.id, "ci")
        app = create_app(store)
        with TestClient(app) as c:
            assert c.get("/api/me", headers={"Authorization": "Bearer nope"}).status_code == 401
            me = c.get("/api/me", headers={"Authorization": f"Bearer {secret}"})
            assert me.status_code == 200 and me.json()["username"] == "vera"
            browser = TestClient(app)
            sign_in(browser, "vera")
            set_disabled(store, "vera")
            assert (
                c.get("/api/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
            )
            assert browser.get("/devices", follow_redirects=False).status_code == 303
            browser.close()


def test_logout_ends_the_session(client_for):
    c, csrf = client_for("vera")
    assert c.post("/logout", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    assert c.get("/devices", follow_redirects=False).status_code == 303


def test_login_next_is_same_site_only(app):
    with TestClient(app) as c:
        page = c.get("/login?next=//evil.example/")
        r = c.post(
            "/login",
            data={
                "username": "vera",
                "password": PASSWORD,
                "csrf_token": csrf_of(page.text),
                "next": "//evil.example/",
            },
            follow_redirects=False,
        )
        assert r.headers["location"] == "/"


def test_token_created_in_the_browser_works_once_shown(client_for):
    import re

    c, csrf = client_for("vera")
    page = c.post("/account/tokens", data={"csrf_token": csrf, "name": "laptop"})
    secret = re.search(r'id="new-token">([^<]+)<', page.text).group(1)
    assert "set-cookie" not in page.headers or secret not in page.headers["set-cookie"]
    with TestClient(c.app) as robot:
        assert (
            robot.get("/api/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
        )
    assert secret not in c.get("/account").text


def test_admins_see_their_members_sign_in(client_for):
    client_for("vera")
    admin, _ = client_for("alice")
    log = admin.get("/api/activity").json()
    assert any(e["username"] == "vera" and e["action"] == "login" for e in log)
    other, _ = client_for("bob")
    assert not any(e["username"] == "vera" for e in other.get("/api/activity").json())
