"""Oversight pages: the survey for the oversight role; a body's own requests, answer upload."""

from __future__ import annotations

import json
from datetime import date

import pytest

from camaudit import api
from camaudit.oversight import service
from camaudit.oversight.survey import SHIPPED_SURVEYS, load_survey
from camaudit.oversight.types import Caller, ResponseStatus
from tests.web.conftest import ORG_A, ORG_B

EDITOR = Caller.oversight("olga")


@pytest.fixture(scope="module")
def records(app_store):
    service.load_reference_bodies(app_store, EDITOR)
    service.link_body(app_store, EDITOR, "fife", ORG_A)
    service.link_body(app_store, EDITOR, "moray", ORG_B)
    load_survey(app_store, EDITOR, SHIPPED_SURVEYS["scotland-2025-01"])
    req = service.draft_request(app_store, EDITOR, "CCTV makers 2026", ["Which makers?"], "2026-01")
    service.send_request(app_store, EDITOR, req.id, ["fife", "moray"], sent=date(2026, 1, 5))
    moray = service.record_response(
        app_store, EDITOR, req.id, "moray", ResponseStatus.NONE_ANYWHERE, text="MORAY-SECRET"
    )
    return req, moray.response


def test_oversight_user_sees_the_survey_and_downloads_it(client_for, records):
    c, _ = client_for("olga")
    page = c.get("/oversight?round=2025-01")
    assert page.status_code == 200
    assert "461,230 + 7 not known" in page.text
    data = c.get("/oversight/report.json?round=2025-01").json()
    assert [s["bodies"] for s in data["statuses"]][:3] == [9, 7, 3]
    assert (
        c.get("/oversight/report.csv?round=2025-01").headers["content-type"].startswith("text/csv")
    )
    assert c.get("/oversight/report.docx").status_code == 404


def test_a_body_admin_sees_only_their_own_body_and_records_a_signed_answer(
    client_for, records, app_store, tmp_path
):
    req, _ = records
    c, csrf = client_for("alice")  # admin of ORG_A, linked to Fife
    page = c.get("/oversight")
    assert page.status_code == 200
    assert "Information requests to Fife" in page.text and "CCTV makers 2026" in page.text
    assert "MORAY-SECRET" not in page.text
    assert "Police Scotland camera estate" not in page.text  # a request not sent to Fife
    assert c.get("/oversight/report.json").status_code == 404  # no aggregates for a body

    doc = api.export_answer(app_store, tmp_path / "a.json", ORG_A)
    r = c.post(
        "/oversight/respond",
        data={"csrf_token": csrf, "request_id": str(req.id), "status": "denied-public"},
        files={"answer": ("a.json", json.dumps(doc).encode(), "application/json")},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    mine = service.list_responses(app_store, Caller.of_body("alice", "fife"), req.id)
    assert [x.provenance for x in mine] == ["hash-only"]

    doc["restricted"]["devices"] = 0  # tampered
    r = c.post(
        "/oversight/respond",
        data={"csrf_token": csrf, "request_id": str(req.id), "status": "denied-public"},
        files={"answer": ("a.json", json.dumps(doc).encode(), "application/json")},
    )
    assert r.status_code == 400 and "does not verify" in r.text


def test_viewers_cannot_record_and_outsiders_see_nothing(client_for, records):
    req, _ = records
    c, csrf = client_for("vera")  # viewer of ORG_A
    assert c.get("/oversight").status_code == 200
    r = c.post(
        "/oversight/respond",
        data={"csrf_token": csrf, "request_id": str(req.id), "status": "confirmed"},
    )
    assert r.status_code == 403
    r = c.post("/oversight/respond", data={"request_id": str(req.id), "status": "confirmed"})
    assert r.status_code == 403  # no CSRF token
