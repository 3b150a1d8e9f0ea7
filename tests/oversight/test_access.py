"""Acceptance: who may see what (the rules the web pages enforce through this API)."""

from __future__ import annotations

from datetime import date

import pytest

from camaudit.errors import AccessDeniedError
from camaudit.models import Evidence, EvidenceKind
from camaudit.oversight import service
from camaudit.oversight.types import Caller, ResponseStatus
from tests.oversight.conftest import EDITOR

FIFE = Caller.of_body("fife-clerk", "fife")
MORAY = Caller.of_body("moray-clerk", "moray")


@pytest.fixture
def recorded(store, tmp_path):
    req = service.draft_request(store, EDITOR, "CCTV makers", ["Which makers?"], "2026-01")
    service.send_request(store, EDITOR, req.id, ["fife", "moray"], sent=date(2026, 1, 5))
    att = tmp_path / "letter.txt"
    att.write_text("our reply", encoding="utf-8")
    fife = service.record_response(
        store, FIFE, req.id, "fife", ResponseStatus.CONFIRMED, text="yes", attachments=[att]
    ).response
    moray = service.record_response(
        store, EDITOR, req.id, "moray", ResponseStatus.NONE_ANYWHERE, text="none"
    ).response
    for org in ("Fife Council", "Moray Council"):
        audit = store.begin_audit("import:test", org)
        assert audit.id is not None
        store.add_evidence(
            audit.id, [Evidence(EvidenceKind.HTTP, f"HTTP/1.1 200 OK\r\n\r\n{org}".encode())]
        )
    service.link_body(store, EDITOR, "fife", "Fife Council")
    service.link_body(store, EDITOR, "moray", "Moray Council")
    return req, fife, moray


def test_a_body_user_sees_only_their_own_bodys_responses(store, recorded):
    req, fife, moray = recorded
    assert [r.id for r in service.list_responses(store, FIFE)] == [fife.id]
    assert [r.id for r in service.list_responses(store, MORAY)] == [moray.id]
    assert {r.id for r in service.list_responses(store, EDITOR)} == {fife.id, moray.id}
    with pytest.raises(AccessDeniedError):
        service.get_response(store, FIFE, moray.id)
    with pytest.raises(AccessDeniedError):
        service.get_attachment(store, MORAY, fife.attachments[0].id)
    assert service.get_attachment(store, FIFE, fife.attachments[0].id) == (
        "letter.txt",
        b"our reply",
    )
    # deadlines of other bodies are not shown to a body user either
    rows = service.deadlines(store, FIFE, req.id, date(2026, 1, 20))
    assert [rc.body.key for rc, _, _ in rows] == ["fife"]


def test_a_body_user_cannot_answer_for_another_body_or_read_the_aggregates(store, recorded):
    req, _, _ = recorded
    with pytest.raises(AccessDeniedError):
        service.record_response(store, FIFE, req.id, "moray", ResponseStatus.CONFIRMED)
    with pytest.raises(AccessDeniedError):
        service.record_response(store, FIFE, req.id, None, ResponseStatus.CONFIRMED)
    with pytest.raises(AccessDeniedError):
        service.round_summary(store, FIFE, "2026-01", today=date(2026, 2, 1))
    with pytest.raises(AccessDeniedError):
        service.draft_request(store, FIFE, "x", ["y"], "r")


def test_oversight_reads_raw_evidence_only_once_the_body_grants_it(store, recorded):
    with pytest.raises(AccessDeniedError):
        service.body_evidence(store, EDITOR, "fife")
    own = service.body_evidence(store, FIFE, "fife")
    assert [ev.payload.endswith(b"Fife Council") for _, ev in own] == [True]
    with pytest.raises(AccessDeniedError):
        service.body_evidence(store, MORAY, "fife")  # another body, never

    service.grant_evidence(store, FIFE, "someone-else")
    with pytest.raises(AccessDeniedError):
        service.body_evidence(store, EDITOR, "fife")  # granted to another user only
    service.grant_evidence(store, FIFE, "editor")
    assert len(service.body_evidence(store, EDITOR, "fife")) == 1
    with pytest.raises(AccessDeniedError):
        service.body_evidence(store, EDITOR, "moray")  # Moray granted nothing
    service.revoke_evidence(store, FIFE, "editor")
    with pytest.raises(AccessDeniedError):
        service.body_evidence(store, EDITOR, "fife")
    with pytest.raises(AccessDeniedError):
        service.grant_evidence(store, EDITOR, "editor")  # only the body can grant


def test_organisation_maps_to_its_body(store, recorded):
    body = service.body_of_organisation(store, "Fife Council")
    assert body is not None and body.key == "fife"
    assert service.body_of_organisation(store, "Nobody") is None
    assert [r.title for r in service.list_requests(store, FIFE)] == ["CCTV makers"]
    assert service.list_requests(store, Caller.of_body("x", "angus")) == []


def test_a_bodys_grant_opens_its_evidence_in_the_web_estate_too(store, recorded):
    """One permission: the body's grant (oversight records) is the membership's evidence flag."""
    from camaudit.accounts.roles import Capability, Role
    from camaudit.accounts.users import add_user, grant, principal

    user = add_user(store, "editor", "a long enough password")

    def load_principal(store, _name):
        found = principal(store, user.id)
        assert found is not None
        return found

    grant(store, "editor", "Fife Council", Role.OVERSIGHT)
    grant(store, "editor", "Moray Council", Role.OVERSIGHT)
    before = load_principal(store, "editor")
    assert not before.orgs(Capability.EVIDENCE)
    service.grant_evidence(store, FIFE, "editor")
    after = load_principal(store, "editor")
    assert after.orgs(Capability.EVIDENCE) == {"Fife Council"}
    service.revoke_evidence(store, FIFE, "editor")
    assert not load_principal(store, "editor").orgs(Capability.EVIDENCE)
