"""China's working days: weekends, public holidays and make-up working days (调休).

The statutory limits (30 working days for a licence decision) count working days, and each
year's are set by a State Council notice, so they come from a data file
(``data/working_days.json``, one entry per year with the notice it comes from). The years
after the last notice, up to ``PROVISIONAL_YEARS`` ahead, are **provisional**: counted on the
statutory holidays of 《全国年节及纪念日放假办法》 (``domain.holidays``), and every count that
reaches into one says so (:meth:`WorkingDayCalendar.provisional`), never silently final.
Any other year is never guessed: a count that reaches into it raises :class:`UnknownYear`.

    >>> cal = working_days()
    >>> cal.add(dt.date(2026, 9, 30), 1)   # National Day holiday, then a make-up Saturday
    datetime.date(2026, 10, 8)
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from certsvc.domain.holidays import provisional_holidays
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


PROVISIONAL_YEARS = 10  # years after the last notice counted on the statutory holidays


@dataclass(frozen=True)
class WorkingDayCalendar:
    years: frozenset[int]  # those with a State Council notice
    holidays: frozenset[dt.date]
    workdays: frozenset[dt.date]  # weekend days that are working days (调休)
    notices: dict[int, str]
    provisional_years: frozenset[int] = frozenset()  # no notice yet: statutory holidays only
    _first: dt.date = field(init=False, repr=False, compare=False)
    _running: list[int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """A running count of working days from the first known year's 1 January to the
        last's 31 December, so that counts and additions are lookups, not walks (the queue
        and every application view ask them)."""
        covered = self.years | self.provisional_years
        first = dt.date(min(covered, default=2000), 1, 1)
        last = dt.date(max(covered, default=1999), 12, 31)
        running, total = [], 0
        for offset in range((last - first).days + 1):
            day = first + dt.timedelta(days=offset)
            total += day.year in covered and self._working(day)
            running.append(total)
        object.__setattr__(self, "_first", first)
        object.__setattr__(self, "_running", running)

    def _working(self, day: dt.date) -> bool:
        if day in self.holidays:
            return False
        return day.weekday() < 5 or day in self.workdays

    def is_working_day(self, day: dt.date) -> bool:
        if day.year not in self.years and day.year not in self.provisional_years:
            raise UnknownYear(day.year)
        return self._working(day)

    def provisional(self, first: dt.date, last: dt.date) -> bool:
        """Whether a count over these days rests on a year with no notice yet."""
        return any(y in self.provisional_years for y in range(first.year, last.year + 1))

    def add(self, start: dt.date, count: int) -> dt.date:
        """The ``count``-th working day after ``start`` (``start`` itself never counts)."""
        if count <= 0:
            return start
        self._known(start + dt.timedelta(days=1), start + dt.timedelta(days=1))
        target = self._count_to(start) + count
        index = bisect.bisect_left(self._running, target)
        if index == len(self._running):
            raise UnknownYear(max(self.years | self.provisional_years) + 1)
        day = self._first + dt.timedelta(days=index)
        self._known(start + dt.timedelta(days=1), day)
        return day

    def between(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 when end <= start)."""
        if end <= start:
            return 0
        self._known(start + dt.timedelta(days=1), end)
        return self._count_to(end) - self._count_to(start)

    def _count_to(self, day: dt.date) -> int:
        """Working days from the first known 1 January up to and including ``day``."""
        index = (day - self._first).days
        return 0 if index < 0 else self._running[min(index, len(self._running) - 1)]

    def _known(self, first: dt.date, last: dt.date) -> None:
        """Every year from ``first`` to ``last`` has its notice, or UnknownYear for the
        first that has not."""
        for year in range(first.year, last.year + 1):
            if year not in self.years and year not in self.provisional_years:
                raise UnknownYear(year)


@dataclass(frozen=True)
class YearNotice:
    """One year's State Council holiday notice: where it is published, its holidays and
    the weekend days it makes working days."""

    year: int
    notice: str
    holidays: frozenset[dt.date]
    workdays: frozenset[dt.date]


@cache
def _data_file_notices() -> dict[int, YearNotice]:
    raw = json.loads(DATA.read_text("utf-8"))["years"]
    return {int(y): YearNotice(int(y), v["notice"],
                               frozenset(dt.date.fromisoformat(d) for d in v["holidays"]),
                               frozenset(dt.date.fromisoformat(d) for d in v["workdays"]))
            for y, v in raw.items()}


def calendar_of(notices: dict[int, YearNotice]) -> WorkingDayCalendar:
    """The calendar of these notices, and provisional years after the last of them."""
    ahead = frozenset(range(max(notices) + 1, max(notices) + 1 + PROVISIONAL_YEARS))
    return WorkingDayCalendar(
        years=frozenset(notices),
        holidays=frozenset(d for n in notices.values() for d in n.holidays)
        | frozenset(d for year in ahead for d in provisional_holidays(year)),
        workdays=frozenset(d for n in notices.values() for d in n.workdays),
        notices={n.year: n.notice for n in notices.values()},
        provisional_years=ahead,
    )


@cache
def from_data_file() -> WorkingDayCalendar:
    """The calendar of the notices shipped in ``data/working_days.json`` alone (built once:
    a calendar never changes, a new one replaces it)."""
    return calendar_of(_data_file_notices())


def with_notices(loaded: list[YearNotice]) -> WorkingDayCalendar:
    """The data file's years with notices loaded since (a loaded year replaces the file's)."""
    return calendar_of({**_data_file_notices(), **{n.year: n for n in loaded}})


_current: list[WorkingDayCalendar] = []  # the calendar in force in this process


def working_days() -> WorkingDayCalendar:
    """The calendar in force: the data file's, or the one ``install`` put in place after a
    notice was loaded."""
    if not _current:
        _current.append(from_data_file())
    return _current[-1]


def install(calendar: WorkingDayCalendar) -> None:
    """Put ``calendar`` in force in this process (``workflow.calendar_notices`` keeps every
    process in step with the notices in the database)."""
    _current[:] = [calendar]
