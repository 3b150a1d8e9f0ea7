"""Acceptance, end to end: three organisations audit lab estates, export signed answers, the
oversight user records them; the report's per-body restricted counts match the audits and a
planted contradiction (a denial while the audit shows Hikvision kit) is flagged."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from camaudit import api
from camaudit.lab import LabThread, build_fleet
from camaudit.oversight import service
from camaudit.oversight.report import build_report, write_report
from camaudit.oversight.types import Caller, ResponseStatus
from camaudit.reports.answer_json import generate_key, read_answer
from camaudit.store import Store
from tests.lab.lab_helpers import TEST_PORT_OFFSET, unique_subnet
from tests.oversight.conftest import EDITOR

RESTRICTED = {"Hikvision", "Dahua"}
#: org → (body key, lab mix, what the body answers)
ESTATES = {
    "Fife Council": ("fife", {"hikvision-ipc": 2, "lts-ipc": 1, "axis-ipc": 1}, "confirmed"),
    "Moray Council": ("moray", {"axis-ipc": 2, "bosch-ipc": 1}, "none-anywhere"),
    # the planted contradiction: a denial, while its own audit finds Hikvision-made cameras
    "Angus Council": (
        "angus",
        {"hikvision-ipc": 2, "dahua-ipc": 1, "axis-ipc": 1},
        "denied-public",
    ),
}


@pytest.fixture(scope="module")
def audited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, Path, dict]]:
    base = tmp_path_factory.mktemp("e2e")
    truth: dict[str, int] = {}
    with Store.open(f"sqlite:///{base / 'shared.db'}") as store:
        service.load_reference_bodies(store, EDITOR)
        for n, (org, (key, mix, _)) in enumerate(ESTATES.items()):
            fleet = build_fleet(
                mix=mix, subnet=unique_subnet(), seed=20 + n, port_offset=TEST_PORT_OFFSET
            )
            truth[org] = sum(1 for d in fleet.devices if d.manufacturer in RESTRICTED)
            with LabThread(fleet):
                api.scan(
                    [d.ip for d in fleet.devices],
                    store=store,
                    port_offset=TEST_PORT_OFFSET,
                    org=org,
                )
            body = Caller.of_body(f"{key}-clerk", key)
            public = generate_key(base / f"{key}.pem")
            service.register_key(store, body, key, public)
            service.link_body(store, EDITOR, key, org)
            api.export_answer(store, base / f"{key}.json", org, signing_key=base / f"{key}.pem")
        yield store, base, truth


@pytest.fixture(scope="module")
def recorded(audited):
    """The oversight user's request to the three bodies and their signed answers, recorded."""
    store, base, truth = audited
    req = service.draft_request(
        store,
        EDITOR,
        "Hikvision and Dahua in CCTV",
        ["Do you use kit made by Hikvision or Dahua?"],
        "2026-11",
    )
    service.send_request(
        store, EDITOR, req.id, [k for k, _, _ in ESTATES.values()], sent=date(2026, 11, 2)
    )
    checks = []
    for key, _mix, status in ESTATES.values():
        rec = service.record_response(
            store,
            EDITOR,
            req.id,
            key,
            ResponseStatus.parse(status),
            received=date(2026, 11, 20),
            answer=read_answer(base / f"{key}.json"),
        )
        checks.append(rec.check)
    return store, base, truth, checks


def test_answers_recorded_and_the_report_matches_the_audits(recorded):
    store, base, truth, checks = recorded
    assert all(c is not None and c.provenance == "signed" for c in checks)
    report = build_report(store, EDITOR, round="2026-11", today=date(2026, 12, 6))
    figures = {b.body.organisation: b for b in report.summary.bodies if b.body}
    for org in ESTATES:
        in_store = len(store.devices(org, restricted=True))
        assert figures[org].restricted == in_store == truth[org], org
        assert figures[org].devices == len(store.devices(org))
    # per 100k residents only where a sourced population exists (Fife's, from the shipped data)
    assert figures["Fife Council"].per_100k == pytest.approx(3 * 100_000 / 373_210)
    assert figures["Angus Council"].per_100k is None
    assert figures["Fife Council"].oem_restricted == 1  # the LTS camera
    assert figures["Fife Council"].oem_share == pytest.approx(1 / 3)

    flags = [f for f in report.summary.flags if f.kind == "denial-contradicted"]
    assert [f.body for f in flags] == ["Angus"]
    assert (
        "denied in public CCTV, but its audit shows 2 Hikvision-made devices (2 cameras)"
        in flags[0].message
    )
    assert not [f for f in report.summary.flags if f.body != "Angus"]

    # every output format carries the figures; the flag names the response behind it
    for fmt in ("json", "csv", "html"):
        write_report(fmt, base / f"report.{fmt}", report)
    data = json.loads((base / "report.json").read_text(encoding="utf-8"))
    angus = next(b for b in data["bodies"] if b["body"] == "angus")
    assert (
        angus["restricted"] == truth["Angus Council"]
        and angus["flags"][0]["response"] == angus["response"]
    )
    assert "its audit shows 2 Hikvision-made devices" in (base / "report.html").read_text(
        encoding="utf-8"
    )


def test_a_changed_answer_is_refused(audited):
    store, base, _ = audited
    doc = read_answer(base / "angus.json")
    doc["counts"]["made_by_vendor"] = 0
    doc["restricted"]["devices"] = 0
    req = service.draft_request(store, EDITOR, "again", ["q"], "2026-12")
    from camaudit.errors import InputError

    with pytest.raises(InputError, match="does not verify"):
        service.record_response(
            store, EDITOR, req.id, "angus", ResponseStatus.DENIED_PUBLIC, answer=doc
        )


def test_answer_checked_against_stored_evidence_once_granted(audited):
    store, base, truth = audited
    from camaudit.errors import AccessDeniedError

    req = service.draft_request(store, EDITOR, "check", ["q"], "2026-10")
    resp = service.record_response(
        store,
        EDITOR,
        req.id,
        "angus",
        ResponseStatus.DENIED_PUBLIC,
        answer=read_answer(base / "angus.json"),
    ).response
    with pytest.raises(AccessDeniedError):
        service.check_answer_evidence(store, EDITOR, resp.id)
    service.grant_evidence(store, Caller.of_body("angus-clerk", "angus"), "editor")
    check = service.check_answer_evidence(store, EDITOR, resp.id)
    assert check.ok and check.cited == check.found > 0
    assert check.restricted_in_store == truth["Angus Council"]


def test_totals_over_submitted_audits(recorded):
    store, _base, truth, _ = recorded
    report = build_report(store, EDITOR, round="2026-11", today=date(2026, 12, 6))
    t = report.summary.audit_totals()
    assert t["bodies"] == 3
    assert t["restricted"] == sum(truth.values())
    # per 100k only over bodies with a sourced population (Fife), the others counted as left out
    assert t["per_100k_bodies"] == 1 and t["per_100k_population_missing"] == 2
    assert t["replacement_cost"] is not None and t["replacement_cost"] > 0
