"""FOI deadlines in working days: weekends and Scottish bank holidays skipped.

Bank holidays are computed from the rules in ``data/bank-holidays-scotland.yaml`` (fixed dates,
n-th Mondays, Easter, substitute days), not keyed in year by year. One-off proclaimed holidays
are only those listed there: :data:`HOLIDAY_CAVEAT` says so wherever a deadline is shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from camaudit.oversight.bodies import DATA_DIR

HOLIDAYS_FILE = DATA_DIR / "bank-holidays-scotland.yaml"
#: FOISA 2002 s.10: an authority must answer within 20 working days of receipt.
FOI_WORKING_DAYS = 20
#: How many working days before the deadline a reminder is due.
REMINDER_DAYS = 5
HOLIDAY_CAVEAT = (
    "Working days skip weekends and Scottish bank holidays computed from the statutory rules; "
    "one-off proclaimed holidays not in the shipped list are not skipped."
)


def easter(year: int) -> date:
    """Easter Sunday (Gregorian calendar; the anonymous algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    ll = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ll) // 451
    month = (h + ll - 7 * m + 114) // 31
    day = (h + ll - 7 * m + 114) % 31 + 1
    return date(year, month, day)


def _nth_monday(year: int, month: int, nth: int) -> date:
    if nth > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(7 - first.weekday()) % 7 + 7 * (nth - 1))
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    last = nxt - timedelta(days=1)
    return last - timedelta(days=last.weekday())


@lru_cache(maxsize=1)
def _rules(path: Path = HOLIDAYS_FILE) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return loaded


@lru_cache(maxsize=64)
def bank_holidays(year: int) -> dict[date, str]:
    """Scottish bank holidays of ``year`` with their names."""
    rules = _rules()
    out: dict[date, str] = {}
    moved = {(m["name"], int(m["year"])): date.fromisoformat(m["date"]) for m in rules["moved"]}
    fixed = [(date(year, r["month"], r["day"]), r["name"]) for r in rules["fixed"]]
    fixed.sort()
    for day, name in fixed:  # weekend days move to the next free weekday, in date order
        while day.weekday() >= 5 or day in out:
            day += timedelta(days=1)
        out[day] = name
    for r in rules["weekday"]:
        day = moved.get((r["name"], year)) or _nth_monday(year, r["month"], r["nth"])
        out[day] = r["name"]
    for r in rules["easter"]:
        out[easter(year) + timedelta(days=r["offset"])] = r["name"]
    for x in rules["extra"]:
        day = date.fromisoformat(x["date"])
        if day.year == year:
            out[day] = x["name"]
    return dict(sorted(out.items()))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in bank_holidays(day.year)


def add_working_days(start: date, days: int) -> date:
    """The ``days``-th working day after ``start`` (``start`` itself not counted)."""
    day = start
    left = days
    while left > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (negative if ``end`` is earlier)."""
    if end < start:
        return -working_days_between(end, start)
    return sum(1 for n in range(1, (end - start).days + 1) if is_working_day(start + timedelta(n)))


@dataclass(frozen=True, slots=True)
class Deadline:
    """When an answer is due and whether a reminder is due, as of ``today``."""

    sent: date
    due: date
    today: date
    answered: date | None = None

    @property
    def overdue(self) -> bool:
        return self.answered is None and self.today > self.due

    @property
    def late(self) -> bool:
        """Answered after the deadline."""
        return self.answered is not None and self.answered > self.due

    @property
    def working_days_left(self) -> int:
        return working_days_between(self.today, self.due)

    @property
    def reminder_due(self) -> bool:
        """Unanswered and within :data:`REMINDER_DAYS` working days of the deadline, or past it."""
        return self.answered is None and self.working_days_left <= REMINDER_DAYS

    @property
    def state(self) -> str:
        if self.answered is not None:
            return "answered late" if self.late else "answered"
        if self.overdue:
            return "overdue"
        return "reminder due" if self.reminder_due else "waiting"

    def to_dict(self) -> dict[str, Any]:
        return {
            "sent": self.sent.isoformat(),
            "due": self.due.isoformat(),
            "answered": self.answered.isoformat() if self.answered else None,
            "state": self.state,
            "working_days_left": self.working_days_left,
        }


def foi_deadline(
    sent: date, today: date, answered: date | None = None, days: int = FOI_WORKING_DAYS
) -> Deadline:
    """The FOI deadline of a request sent (received) on ``sent``."""
    return Deadline(sent, add_working_days(sent, days), today, answered)
