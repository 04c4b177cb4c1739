"""The time limit of a licence decision: 30 working days from the day after acceptance
(国质检监〔2015〕364号), paused while products are tested (《行政许可法》第四十五条: time
needed for 检验、检测 is not counted in the limit).

    >>> import datetime as dt
    >>> clock_due_on({"state": "under_review", "accepted_on": dt.date(2026, 6, 1),
    ...               "paused_days": 2})
    datetime.date(2026, 7, 16)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from certsvc.domain.calendar import UnknownYear, WorkingDayCalendar, working_days
from certsvc.domain.lifecycle import ApplicationState
from certsvc.domain.time import china_date

TIME_LIMIT = 30  # working days from the day after acceptance to the decision
CLOCK_STATES = (ApplicationState.UNDER_REVIEW.value, ApplicationState.TESTING.value)


def clock_due_on(row: Mapping[str, Any], calendar: WorkingDayCalendar | None = None
                 ) -> dt.date | None:
    """The due date the queue sorts on: the clock's due date without a pause in progress
    (None while no clock runs, or where the calendar does not reach), on ``calendar`` or
    the one in force."""
    if row["accepted_on"] is None or row["state"] not in CLOCK_STATES:
        return None
    try:
        return (calendar or working_days()).add(row["accepted_on"],
                                                TIME_LIMIT + row["paused_days"])
    except UnknownYear:
        return None


def post_review_due_on(issued_on: dt.date, calendar: WorkingDayCalendar | None = None
                       ) -> dt.date:
    """告知承诺: the day the on-site review after a licence issued on commitment is due —
    the catalogue's number of working days after the issue date (its source is in the data
    file), on ``calendar`` or the one in force."""
    from certsvc.domain.catalogue import procedure_rules

    return (calendar or working_days()).add(issued_on,
                                            procedure_rules().onsite_review_working_days)


def correction_notice_due(row: Mapping[str, Any], calendar: WorkingDayCalendar | None = None
                          ) -> dt.date | None:
    """The last day a correction notice (补正告知) may be sent: the fifth working day after
    receipt (行政许可法第三十二条; the number in the catalogue data file) — for a submitted
    application the bureau has not yet asked to correct; None otherwise, or where the
    calendar does not reach. After it the application is deemed accepted from receipt."""
    from certsvc.domain.catalogue import procedure_rules

    if row["state"] != ApplicationState.SUBMITTED.value or "correction" in row["review"]:
        return None
    try:
        return (calendar or working_days()).add(
            china_date(row["submitted_at"]), procedure_rules().correction_notice_working_days)
    except UnknownYear:
        return None
