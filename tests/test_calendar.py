"""The working-day calendar: holidays, make-up days, and no guessing about unknown years."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from certsvc.domain.calendar import UnknownYear, working_days
from certsvc.domain.holidays import statutory_days

pytestmark = pytest.mark.no_database

CAL = working_days()


@pytest.mark.parametrize(("day", "working"), [
    ("2026-10-01", False),  # National Day
    ("2026-10-07", False),
    ("2026-10-08", True),
    ("2026-10-10", True),   # a Saturday made a working day (调休)
    ("2026-10-11", False),  # an ordinary Sunday
    ("2026-09-20", True),   # a Sunday made a working day
    ("2024-02-04", True),   # Spring Festival make-up Sunday, 2024
    ("2025-01-28", False),  # Spring Festival eve, 2025
    ("2026-03-16", True),   # an ordinary Monday
])
def test_days(day: str, working: bool) -> None:
    assert CAL.is_working_day(dt.date.fromisoformat(day)) is working


def test_counting_across_national_day() -> None:
    assert CAL.add(dt.date(2026, 9, 30), 1) == dt.date(2026, 10, 8)
    assert CAL.add(dt.date(2026, 9, 30), 3) == dt.date(2026, 10, 10)
    assert CAL.between(dt.date(2026, 9, 30), dt.date(2026, 10, 12)) == 4


def test_a_year_neither_noticed_nor_provisional_fails_loudly() -> None:
    last = max(CAL.years | CAL.provisional_years)
    with pytest.raises(UnknownYear) as raised:
        CAL.add(dt.date(last, 12, 1), 30)
    assert raised.value.year == last + 1
    assert str(last + 1) in raised.value.detail
    with pytest.raises(UnknownYear):
        CAL.is_working_day(dt.date(2023, 12, 29))  # before the first notice: never guessed


def test_the_years_after_the_last_notice_are_provisional() -> None:
    """2027 has no notice here: a count into it stands on the statutory holidays (春节 from
    除夕, 2 May, a day in lieu for each on a weekend) and says it is provisional."""
    assert 2027 in CAL.provisional_years and 2027 not in CAL.years
    due = CAL.add(dt.date(2026, 12, 1), 30)
    assert due == dt.date(2027, 1, 13)  # 1 January 2027 (a Friday) is the only holiday
    assert CAL.provisional(dt.date(2026, 12, 1), due)
    assert not CAL.provisional(dt.date(2026, 6, 1), CAL.add(dt.date(2026, 6, 1), 30))
    for day in ("2027-02-05", "2027-02-08", "2027-02-09", "2027-02-10", "2027-05-02"):
        assert not CAL.is_working_day(dt.date.fromisoformat(day)), day
    assert CAL.is_working_day(dt.date(2027, 2, 11))


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_the_statutory_days_are_holidays_in_each_notice(year: int) -> None:
    """The rule behind provisional years, checked against the years that have a notice:
    every day the 办法 names (the 2013 edition in 2024, the 2024 one after) is a holiday."""
    assert statutory_days(year) <= CAL.holidays
    assert len(statutory_days(year)) == (11 if year < 2025 else 13)


def test_every_year_names_its_state_council_notice() -> None:
    assert set(CAL.notices) >= {2024, 2025, 2026}
    assert all(url.startswith("https://www.gov.cn/") for url in CAL.notices.values())


@given(st.dates(dt.date(2024, 1, 1), dt.date(2026, 10, 31)), st.integers(0, 30))
@settings(max_examples=200, deadline=None)
def test_add_and_between_agree(start: dt.date, count: int) -> None:
    end = CAL.add(start, count)
    assert CAL.between(start, end) == count
    assert count == 0 or CAL.is_working_day(end)


def _walk_add(start: dt.date, count: int) -> dt.date:
    """The plain definition, day by day: the reference for the running count."""
    day = start
    while count > 0:
        day += dt.timedelta(days=1)
        count -= CAL.is_working_day(day)
    return day


def _walk_between(start: dt.date, end: dt.date) -> int:
    count, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        count += CAL.is_working_day(day)
    return count


def _outcome(action: Callable[[], object]) -> object:
    try:
        return action()
    except UnknownYear as unknown:
        return ("unknown", unknown.year)


@given(st.dates(dt.date(2022, 10, 1), dt.date(2028, 3, 1)),
       st.dates(dt.date(2022, 10, 1), dt.date(2028, 3, 1)), st.integers(-3, 400))
@settings(max_examples=400, deadline=None)
def test_the_running_count_is_the_walk(start: dt.date, end: dt.date, count: int) -> None:
    """Across known and unknown years, and at their edges: the same days, the same
    UnknownYear."""
    assert _outcome(lambda: CAL.add(start, count)) == _outcome(lambda: _walk_add(start, count))
    assert _outcome(lambda: CAL.between(start, end)) == _outcome(
        lambda: _walk_between(start, end))
