"""Time: stored in UTC, shown in Asia/Shanghai.

China has kept UTC+8 without daylight saving since 1991, so a fixed offset is exact for
every date a licence can carry, and needs no tz database on the machine.

    >>> china_date(dt.datetime(2026, 3, 14, 16, 0, tzinfo=dt.UTC))
    datetime.date(2026, 3, 15)
"""

from __future__ import annotations

import datetime as dt

CHINA = dt.timezone(dt.timedelta(hours=8), "CST")


def utcnow() -> dt.datetime:
    """Now, in UTC: the one place certsvc reads the clock (freezegun controls it in tests)."""
    return dt.datetime.now(dt.UTC)


def as_utc(moment: dt.datetime) -> dt.datetime:
    """Aware UTC; naive values (as some databases return them) are taken to be UTC."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def china_date(moment: dt.datetime) -> dt.date:
    aware = moment if moment.tzinfo is not None else as_utc(moment)  # one conversion, not two
    return aware.astimezone(CHINA).date()


def china_time(moment: dt.datetime) -> str:
    """For display: ``2026-03-15 10:00 (北京时间)``."""
    return as_utc(moment).astimezone(CHINA).strftime("%Y-%m-%d %H:%M") + " (北京时间)"


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` calendar months earlier (or later, for a negative count), the
    month's last day where it has no such day: the rules count their months so.

    >>> months_before(dt.date(2027, 3, 14), 6), months_before(dt.date(2026, 8, 31), 6)
    (datetime.date(2026, 9, 14), datetime.date(2026, 2, 28))
    """
    month = day.month - months
    year = day.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    for last in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, last)
        except ValueError:
            continue
    raise AssertionError("unreachable")
