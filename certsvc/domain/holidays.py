"""The statutory public holidays of 《全国年节及纪念日放假办法》, for a year whose State Council
holiday notice is not out yet: the days the 办法 itself fixes, and a working day in lieu
(补假) for each that falls on a Saturday or Sunday. A deadline counted on them is
**provisional**: the notice, when it comes, also moves working days (调休), which no rule
foretells.

Sources:
- 《全国年节及纪念日放假办法》 as revised by 国务院令第644号 (2013-12-11, in force 2014-01-01):
  元旦 1 day, 春节 3 (正月初一至初三), 清明节 1, 劳动节 1 (5月1日), 端午节 1, 中秋节 1,
  国庆节 3 (10月1日至3日); a holiday for all citizens that falls on a Saturday or Sunday is
  made up on a working day (补假).
- 《国务院关于修改〈全国年节及纪念日放假办法〉的决定》 (国务院令第795号, 2024-11-10, in
  force 2025-01-01): 春节 4 days (农历除夕、正月初一至初三), 劳动节 2 days (5月1日、2日).

The lunar dates (除夕, 正月初一, 端午 五月初五, 中秋 八月十五) and the solar term 清明 come
from ``lunar-python``; tests check them against the 2024–2026 notices.

    >>> sorted(d.isoformat() for d in statutory_days(2027))[:6]
    ['2027-01-01', '2027-02-05', '2027-02-06', '2027-02-07', '2027-02-08', '2027-04-05']
"""

from __future__ import annotations

import datetime as dt

from lunar_python import Lunar

REVISION_2024 = 2025  # the year from which 国务院令第795号 applies


def statutory_days(year: int) -> set[dt.date]:
    """The days the 办法 names as holidays for all citizens in ``year``."""
    days = {dt.date(year, 1, 1), dt.date(year, 5, 1), *(dt.date(year, 10, d) for d in (1, 2, 3))}
    new_year = _lunar(year, 1, 1)
    days |= {new_year + dt.timedelta(days=n) for n in range(3)}  # 正月初一至初三
    if year >= REVISION_2024:
        days |= {new_year - dt.timedelta(days=1), dt.date(year, 5, 2)}  # 除夕, 5月2日
    days |= {_lunar(year, 5, 5), _lunar(year, 8, 15), _qingming(year)}
    return days


def provisional_holidays(year: int) -> set[dt.date]:
    """The statutory days, and for each on a weekend a working day in lieu: the first
    weekday after it that is not a holiday already (补假)."""
    statutory = statutory_days(year)
    holidays = set(statutory)
    for day in sorted(statutory):
        if day.weekday() >= 5:
            lieu = day + dt.timedelta(days=1)
            while lieu.weekday() >= 5 or lieu in holidays:
                lieu += dt.timedelta(days=1)
            holidays.add(lieu)
    return holidays


def _lunar(year: int, month: int, day: int) -> dt.date:
    solar = Lunar.fromYmd(year, month, day).getSolar()
    return dt.date(solar.getYear(), solar.getMonth(), solar.getDay())


def _qingming(year: int) -> dt.date:
    solar = Lunar.fromYmd(year, 1, 1).getJieQiTable()["清明"]
    return dt.date(solar.getYear(), solar.getMonth(), solar.getDay())
