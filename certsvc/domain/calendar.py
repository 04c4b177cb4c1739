"""China's working days: weekends, public holidays and make-up working days (调休).

The statutory limits (30 working days for a licence decision) count working days, and each
year's are set by a State Council notice, so they come from a data file
(``data/working_days.json``, one entry per year with the notice it comes from). A year with
no data is never guessed: every count that reaches into it raises :class:`UnknownYear`.

    >>> cal = working_days()
    >>> cal.add(dt.date(2026, 9, 30), 1)   # National Day holiday, then a make-up Saturday
    datetime.date(2026, 10, 8)
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from certsvc.errors import CertsvcError

DATA = Path(__file__).parent / "data" / "working_days.json"


class UnknownYear(CertsvcError):
    """A working-day count reached a year whose State Council notice is not in the data."""

    type = "calendar-year-unknown"
    title = "No working-day calendar for that year"
    status = 503

    def __init__(self, year: int) -> None:
        super().__init__(
            f"no working-day calendar for {year}: add that year's State Council holiday "
            f"notice to certsvc/domain/data/working_days.json",
            year=year,
        )
        self.year = year


@dataclass(frozen=True)
class WorkingDayCalendar:
    years: frozenset[int]
    holidays: frozenset[dt.date]
    workdays: frozenset[dt.date]  # weekend days that are working days (调休)
    notices: dict[int, str]

    def is_working_day(self, day: dt.date) -> bool:
        if day.year not in self.years:
            raise UnknownYear(day.year)
        if day in self.holidays:
            return False
        return day.weekday() < 5 or day in self.workdays

    def add(self, start: dt.date, count: int) -> dt.date:
        """The ``count``-th working day after ``start`` (``start`` itself never counts)."""
        day = start
        while count > 0:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                count -= 1
        return day

    def between(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 when end <= start)."""
        count, day = 0, start
        while day < end:
            day += dt.timedelta(days=1)
            count += self.is_working_day(day)
        return count


@cache
def working_days() -> WorkingDayCalendar:
    raw = json.loads(DATA.read_text("utf-8"))
    years = raw["years"]
    return WorkingDayCalendar(
        years=frozenset(int(y) for y in years),
        holidays=frozenset(dt.date.fromisoformat(d) for y in years.values()
                           for d in y["holidays"]),
        workdays=frozenset(dt.date.fromisoformat(d) for y in years.values()
                           for d in y["workdays"]),
        notices={int(y): v["notice"] for y, v in years.items()},
    )
