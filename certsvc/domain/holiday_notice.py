"""A year's State Council holiday notice, as the national authority loads it: the request's
spec, and the rules a notice must keep before it changes any deadline.

    >>> check_notice(NOTICE_SPEC.parse({"year": 2027, "notice": "国办发明电〔2026〕x号",
    ...     "holidays": ["2027-01-01"], "workdays": ["2027-02-20"]}))
    Traceback (most recent call last):
    ...
    certsvc.errors.ValidationError: holidays: leaves out days that the 办法 fixes: 2027-02-05, ...
"""

from __future__ import annotations

import datetime as dt

from certsvc.domain.calendar import YearNotice
from certsvc.domain.holidays import statutory_days
from certsvc.domain.specs import Field, Kind, Spec, Values
from certsvc.errors import ValidationError

FIRST_YEAR, LAST_YEAR = 2024, 2100
NOTICE_SPEC = Spec((
    Field("year", Kind.INT, "年度", "Year", minimum=FIRST_YEAR, maximum=LAST_YEAR,
          example=2027),
    Field("notice", Kind.TEXT, "通知（文号或网址）", "Notice (number or address)", max_length=300,
          example="国务院办公厅关于2027年部分节假日安排的通知",
          help_en="where the notice is published, e.g. its gov.cn address"),
    Field("holidays", Kind.DATE_LIST, "放假日期", "Holidays", max_items=60,
          example=[d.isoformat() for d in sorted(statutory_days(2027))],
          help_zh="通知中放假调休的每一天（含周末）", help_en="every day off the notice names, "
          "weekends in a holiday included"),
    Field("workdays", Kind.DATE_LIST, "调休上班日期", "Make-up working days", required=False,
          min_items=0, max_items=20, example=[],
          help_zh="通知中周六、周日上班的日期", help_en="Saturdays and Sundays worked"),
))


def check_notice(values: Values) -> YearNotice:
    """The notice, if it keeps the rules: every date inside its year, a make-up working day
    on a Saturday or Sunday and never also a holiday, and every day that 《全国年节及纪念日
    放假办法》 fixes among the holidays (a notice never takes one away)."""
    year = values.year
    holidays = _inside(values.holidays, year, "holidays")
    workdays = _inside(values.workdays or [], year, "workdays")
    for i, day in enumerate(values.workdays or []):
        if day.weekday() < 5:
            raise ValidationError(f"workdays[{i}]", f"{day} is a {day:%A}: a make-up working "
                                  "day is a Saturday or a Sunday")
        if day in holidays:
            raise ValidationError(f"workdays[{i}]", f"{day} is also listed as a holiday")
    missing = sorted(statutory_days(year) - holidays)
    if missing:
        raise ValidationError("holidays", "leaves out days that the 办法 fixes: "
                              + ", ".join(d.isoformat() for d in missing))
    return YearNotice(year, values.notice, holidays, workdays)


def _inside(days: list[dt.date], year: int, field: str) -> frozenset[dt.date]:
    for i, day in enumerate(days):
        if day.year != year:
            raise ValidationError(f"{field}[{i}]", f"{day} is not in {year}")
    return frozenset(days)
