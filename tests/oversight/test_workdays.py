"""Scottish bank holidays from the rules, and FOI deadlines in working days."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from camaudit.oversight.workdays import (
    add_working_days,
    bank_holidays,
    easter,
    foi_deadline,
    is_working_day,
    working_days_between,
)


def test_2021_holidays_match_the_published_list():
    # Published 2021 list: 4 Jan (2nd January substitute), 31 May, 2 Aug, 30 Nov, 27 Dec.
    days = set(bank_holidays(2021))
    assert {date(2021, 1, 4), date(2021, 5, 31), date(2021, 8, 2), date(2021, 11, 30)} <= days
    assert date(2021, 12, 27) in days and date(2021, 12, 28) in days
    assert len(days) == 9


def test_st_andrews_day_on_a_sunday_moves_to_monday():
    assert bank_holidays(2025)[date(2025, 12, 1)] == "St Andrew's Day"


def test_easter_and_good_friday():
    assert easter(2025) == date(2025, 4, 20)
    assert bank_holidays(2025)[date(2025, 4, 18)] == "Good Friday"
    assert date(2025, 4, 21) not in bank_holidays(2025)  # Easter Monday is not one in Scotland


def test_twenty_working_days_skip_weekends_and_holidays():
    # Sent Mon 16 Dec 2024: 25, 26 Dec, 1, 2 Jan are holidays.
    assert add_working_days(date(2024, 12, 16), 20) == date(2025, 1, 17)
    assert working_days_between(date(2024, 12, 16), date(2025, 1, 17)) == 20
    # no holiday in the way: four weeks exactly
    assert add_working_days(date(2025, 3, 3), 20) == date(2025, 3, 31)


def test_deadline_states_and_reminders():
    sent = date(2025, 3, 3)
    assert foi_deadline(sent, date(2025, 3, 10)).state == "waiting"
    assert foi_deadline(sent, date(2025, 3, 25)).state == "reminder due"
    assert foi_deadline(sent, date(2025, 4, 1)).state == "overdue"
    assert foi_deadline(sent, date(2025, 4, 10), answered=date(2025, 4, 2)).state == "answered late"
    assert foi_deadline(sent, date(2025, 4, 10), answered=date(2025, 3, 20)).state == "answered"


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)), st.integers(1, 60))
def test_deadline_is_a_working_day_exactly_n_working_days_later(start, n):
    due = add_working_days(start, n)
    assert is_working_day(due)
    assert working_days_between(start, due) == n
    assert len(bank_holidays(start.year)) >= 9
