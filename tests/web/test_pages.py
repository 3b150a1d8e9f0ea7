"""Every page renders for a signed-in user and shows that user's estate."""

from __future__ import annotations

from tests.web.conftest import ORG_A, ORG_B


def test_login_required(app):
    from fastapi.testclient import TestClient

    with TestClient(app) as c:
        r = c.get("/devices", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")
        assert c.get("/api/devices").status_code == 401


def test_overview_and_devices(client_for, estate):
    c, _ = client_for("vera")
    r = c.get("/")
    assert r.status_code == 200
    assert "Estate overview" in r.text and "<svg" in r.text
    assert ORG_B not in r.text
    r = c.get("/devices?restricted=yes")
    assert r.status_code == 200
    assert "Hikvision" in r.text
    devices = c.get("/api/devices?restricted=yes").json()
    assert devices and all(d["restricted"] for d in devices)
    assert {d["org"] for d in devices} == {ORG_A}


def test_device_page_links_evidence_to_raw_bytes(client_for, estate):
    import hashlib

    c, _ = client_for("vera")
    device_id = estate.devices[ORG_A][0]
    r = c.get(f"/devices/{device_id}")
    assert r.status_code == 200 and "Evidence chain" in r.text
    detail = c.get(f"/api/devices/{device_id}").json()
    ev = detail["evidence"][0]
    page = c.get(f"/evidence/{ev['id']}")
    assert ev["sha256"] in page.text
    raw = c.get(f"/evidence/{ev['id']}/raw")
    assert raw.headers["content-type"] == "application/octet-stream"
    assert hashlib.sha256(raw.content).hexdigest() == ev["sha256"]


def test_all_simple_pages_render(client_for, estate):
    c, _ = client_for("alice")
    a1, a2 = estate.audits[ORG_A]
    for url in (
        "/",
        "/devices",
        "/devices?q=hik&severity=high&since=2000-01-01",
        "/audits",
        f"/audits/{a1}",
        f"/audits/{a1}/diff/{a2}",
        "/findings",
        "/reports",
        "/import",
        "/scan",
        "/admin",
        "/account",
    ):
        r = c.get(url)
        assert r.status_code == 200, (url, r.text[:300])


def test_bad_filter_is_400_not_500(client_for):
    c, _ = client_for("vera")
    assert c.get("/devices?severity=awful").status_code == 400
    assert c.get("/api/devices?since=yesterday").status_code == 400


def test_oversight_sees_aggregates_not_evidence(client_for, estate):
    c, _ = client_for("olga")
    assert c.get("/").status_code == 200
    assert c.get("/api/overview").json()["devices"] == len(estate.devices[ORG_A])
    assert c.get(f"/devices/{estate.devices[ORG_A][0]}").status_code == 403
    assert c.get(f"/api/evidence/{estate.evidence[ORG_A][0]}/raw").status_code == 403
    granted, _ = client_for("otto")
    assert granted.get(f"/api/evidence/{estate.evidence[ORG_A][0]}/raw").status_code == 200


def test_reports_every_format(client_for, estate):
    from camaudit.reports import FORMATS

    c, _ = client_for("vera")
    org_id = estate.org_ids[ORG_A]
    for fmt in FORMATS:
        r = c.get(f"/reports/{org_id}/{fmt}")
        assert r.status_code == 200, (fmt, r.text[:200])
        assert r.content
    assert c.get(f"/reports/{org_id}/pdf").content.startswith(b"%PDF")
