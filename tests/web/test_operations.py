"""Imports by upload and scans of admin-set scopes run as jobs with progress; roles apply."""

from __future__ import annotations

from fastapi.testclient import TestClient

from camaudit.estate import add_scope
from camaudit.store import Store
from camaudit.web import create_app
from tests.web.conftest import ORG_A, REGISTER, build_estate, sign_in


def _upload(c: TestClient, csrf: str, org_id: int) -> str:
    r = c.post(
        "/import",
        data={"csrf_token": csrf, "org_id": str(org_id), "fmt": "register", "site": "Depot"},
        files={"file": ("assets.csv", REGISTER.read_bytes(), "text/csv")},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return r.headers["location"].rsplit("/", 1)[1]


def test_upload_register_as_operator(tmp_path):
    est = build_estate(f"sqlite:///{tmp_path / 'up.db'}")
    with Store.open(est.url) as store:
        app = create_app(store)
        with TestClient(app) as c:
            from tests.web.conftest import csrf_of

            sign_in(c, "opal")
            csrf = csrf_of(c.get("/import").text)
            before = len(store.audits(ORG_A))
            job_id = _upload(c, csrf, est.org_ids[ORG_A])
            job = app.state.jobs.wait(job_id, timeout=60)
            assert job.status == "done", job.message
            page = c.get(f"/jobs/{job_id}/progress")
            assert "done" in page.text and f"/audits/{job.audit_id}" in page.text
            assert len(store.audits(ORG_A)) == before + 1
            assert any(d.site == "Depot" for d in store.devices(ORG_A))
            assert store.findings(ORG_A)
            log = c.get("/api/jobs/" + job_id).json()
            assert log["status"] == "done" and log["done"] > 0


def test_viewer_may_not_import_or_scan(client_for, estate):
    from tests.web.conftest import csrf_of

    c, _ = client_for("vera")
    csrf = csrf_of(c.get("/account").text)
    r = c.post(
        "/import",
        data={"csrf_token": csrf, "org_id": str(estate.org_ids[ORG_A]), "fmt": "register"},
        files={"file": ("a.csv", REGISTER.read_bytes())},
    )
    assert r.status_code == 403
    r = c.post("/scan", data={"csrf_token": csrf, "scope_id": str(estate.scopes[ORG_A])})
    assert r.status_code == 403


def test_bad_upload_fails_the_job_and_stores_nothing(tmp_path):
    from tests.web.conftest import csrf_of

    est = build_estate(f"sqlite:///{tmp_path / 'bad.db'}")
    with Store.open(est.url) as store:
        app = create_app(store)
        with TestClient(app) as c:
            sign_in(c, "opal")
            csrf = csrf_of(c.get("/import").text)
            before = len(store.audits())
            r = c.post(
                "/import",
                data={"csrf_token": csrf, "org_id": str(est.org_ids[ORG_A]), "fmt": "nmap"},
                files={"file": ("x.xml", b"not xml at all")},
                follow_redirects=False,
            )
            job = app.state.jobs.wait(r.headers["location"].rsplit("/", 1)[1], timeout=60)
            assert job.status == "failed" and job.message
            assert len(store.audits()) == before


def test_scan_of_a_scope_against_the_lab(tmp_path, loopback_subnet):
    from camaudit.lab import LabThread, build_fleet
    from camaudit.net.scope import covering_block

    est = build_estate(f"sqlite:///{tmp_path / 'scan.db'}")
    fleet = build_fleet(devices=2, subnet=loopback_subnet)
    block = covering_block(d.ip for d in fleet.devices)
    with Store.open(est.url) as store, LabThread(fleet):
        scope = add_scope(
            store,
            ORG_A,
            "lab",
            [block],
            site="Lab",
            port_offset=fleet.port_offset,
        )
        app = create_app(store)
        with TestClient(app) as c:
            sign_in(c, "opal")
            from tests.web.conftest import csrf_of

            csrf = csrf_of(c.get("/scan").text)
            r = c.post(
                "/scan",
                data={"csrf_token": csrf, "scope_id": str(scope.id)},
                follow_redirects=False,
            )
            assert r.status_code == 303
            job = app.state.jobs.wait(r.headers["location"].rsplit("/", 1)[1], timeout=90)
            assert job.status == "done", job.message
            assert job.total and job.done >= job.total
            lab = [d for d in store.devices(ORG_A) if d.site == "Lab"]
            assert {d.ip for d in lab} == {d.ip for d in fleet.devices}
