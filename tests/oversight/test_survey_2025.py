"""Acceptance: the January 2025 survey of Scotland's councils recreated from records."""

from __future__ import annotations

from datetime import date

from camaudit.oversight import service
from camaudit.oversight.bodies import load_reference
from camaudit.oversight.report import build_report, status_rows
from camaudit.oversight.survey import SHIPPED_SURVEYS, load_survey
from camaudit.oversight.types import NOT_NAMED, ResponseStatus
from tests.oversight.conftest import EDITOR

CONFIRMED = {
    "east-ayrshire",
    "east-dunbartonshire",
    "east-lothian",
    "east-renfrewshire",
    "falkirk",
    "midlothian",
    "north-lanarkshire",
    "perth-and-kinross",
    "south-lanarkshire",
}
NONE_ANYWHERE = {"highland", "stirling", "orkney-islands"}


def test_the_survey_table_is_recomputed_from_records(store):
    loaded = load_survey(store, EDITOR, SHIPPED_SURVEYS["scotland-2025-01"])
    councils_request = loaded.requests[0].id
    s = service.round_summary(
        store, EDITOR, "2025-01", today=date(2025, 2, 1), request_ids=[councils_request]
    )
    assert s.asked == 32
    counts = {line.status: line.bodies for line in s.statuses}
    assert counts[ResponseStatus.CONFIRMED] == 9
    assert counts[ResponseStatus.DENIED_PUBLIC] == 7
    assert counts[ResponseStatus.NONE_ANYWHERE] == 3
    assert counts[ResponseStatus.NO_RESPONSE] == 6
    assert s.not_accounted == 32 - 25

    # names where published, the rest "reported but not named"
    named = {b.body.key: b.response.status for b in s.bodies if b.body}
    assert {k for k, v in named.items() if v is ResponseStatus.CONFIRMED} == CONFIRMED
    assert {k for k, v in named.items() if v is ResponseStatus.NONE_ANYWHERE} == NONE_ANYWHERE
    assert sum(1 for b in s.bodies if b.name == NOT_NAMED) == 13

    # population covered: computed from the shipped data, missing ones counted
    shipped = {b.key: b.population for b in load_reference()}
    confirmed = next(x for x in s.statuses if x.status is ResponseStatus.CONFIRMED)
    known = [shipped[k].value for k in CONFIRMED if shipped[k] is not None]
    assert confirmed.population == sum(known) == 120_300 + 340_930
    assert confirmed.population_missing == 9 - len(known) == 7
    assert confirmed.population_text == "461,230 + 7 not known"
    denied = next(x for x in s.statuses if x.status is ResponseStatus.DENIED_PUBLIC)
    assert denied.population_missing == 7 and denied.population_text == "not known"
    # every figure names its responses
    assert len(confirmed.responses) == 9


def test_the_whole_round_includes_police_scotland_as_partial(store):
    load_survey(store, EDITOR, SHIPPED_SURVEYS["scotland-2025-01"])
    report = build_report(store, EDITOR, today=date(2025, 2, 1))
    rows = {r[0]: r for r in status_rows(report.summary)[1:]}
    assert rows["partial"][1] == 1
    police = next(r for r in report.responses if r.body and r.body.key == "police-scotland")
    assert "components" in police.text
    assert report.summary.asked == 33
