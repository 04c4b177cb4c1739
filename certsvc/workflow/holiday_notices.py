"""Loading a year's State Council holiday notice, and keeping every process's calendar in step.

The national authority loads a notice (API, CLI or console): it is checked
(``domain.holiday_notice``), kept as its year's next version, audited, and put in force. In
the same transaction every accepted application's due date is counted again on the new
calendar; each one whose clock reaches into that year gets a ``deadline.recomputed`` event
(before and after, provisional or not) in its timeline. Other processes notice the new
version within ``REFRESH_EVERY`` seconds (``refresh``, called before each request).

    HolidayNotices(engine).load(national, {"year": 2027, "notice": …, "holidays": […]}, now, rid)
"""

from __future__ import annotations

import datetime as dt
import math
import time
from typing import Any

from sqlalchemy import Connection, Engine

from certsvc.domain.accounts import Principal
from certsvc.domain.calendar import (
    WorkingDayCalendar,
    install,
    with_notices,
    working_days,
)
from certsvc.domain.holiday_notice import NOTICE_SPEC, check_notice
from certsvc.domain.lifecycle import Actor
from certsvc.domain.time_limit import CLOCK_STATES, clock_due_on, post_review_due_on
from certsvc.errors import NotFound
from certsvc.store import applications, audit, holiday_notices
from certsvc.workflow.applications import issued_on
from certsvc.workflow.authz import require

REFRESH_EVERY = 30.0  # seconds a process may count on a calendar another one replaced


class HolidayNotices:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._seen: int | None = None
        self._checked = -math.inf

    def refresh(self) -> None:
        """Put the newest loaded notices in force here, if another process loaded one (at
        most one cheap query every ``REFRESH_EVERY`` seconds)."""
        moment = time.monotonic()
        if moment - self._checked < REFRESH_EVERY:
            return
        self._checked = moment
        with self.engine.connect() as conn:
            last = holiday_notices.last_id(conn)
            if last != self._seen:
                install(with_notices([n for _, n in holiday_notices.newest(conn)]))
                self._seen = last

    def load(self, principal: Principal, data: Any, now: dt.datetime,
             request_id: str) -> dict[str, Any]:
        require(principal, Actor.NATIONAL)
        notice = check_notice(NOTICE_SPEC.parse(data))
        before = working_days()
        with self.engine.begin() as conn:
            version = holiday_notices.append(conn, notice, principal.account_id, now)
            calendar = with_notices([n for _, n in holiday_notices.newest(conn)])
            moved = _recount(conn, principal, before, calendar, notice.year, now,
                             request_id)
            view = {"year": notice.year, "version": version, "notice": notice.notice,
                    "holidays": sorted(d.isoformat() for d in notice.holidays),
                    "workdays": sorted(d.isoformat() for d in notice.workdays)}
            audit.record(conn, principal, "calendar.notice", f"calendar:{notice.year}",
                         None, None, view, request_id, now)
        install(calendar)
        self._checked = -math.inf  # the others' next request finds it; this one has it
        return {**view, "recomputed": moved}

    def year(self, year: int) -> dict[str, Any]:
        """A year as deadlines count it: from its notice (which version), or provisional."""
        self.refresh()
        calendar = working_days()
        if year in calendar.years:
            with self.engine.connect() as conn:
                versions = {n.year: v for v, n in holiday_notices.newest(conn)}
            source = "notice"
        elif year in calendar.provisional_years:
            versions, source = {}, "provisional"
        else:
            raise NotFound(f"no calendar for {year}, not even a provisional one")
        days = [dt.date(year, 1, 1) + dt.timedelta(days=n)
                for n in range((dt.date(year, 12, 31) - dt.date(year, 1, 1)).days + 1)]
        return {"year": year, "source": source, "version": versions.get(year),
                "notice": calendar.notices.get(year),
                "holidays": [d.isoformat() for d in days if d in calendar.holidays],
                "workdays": [d.isoformat() for d in days if d in calendar.workdays]}


def _recount(conn: Connection, principal: Principal, before: WorkingDayCalendar,
             after: WorkingDayCalendar, year: int, now: dt.datetime,
             request_id: str) -> list[int]:
    """Every running clock counted again on the new calendar; those that reach into
    ``year`` get their new due date stored and a timeline event."""
    moved = []
    for row in applications.running_clocks(conn, CLOCK_STATES):
        old, new = _due(row, before), _due(row, after)
        dues = [d["due"] for d in (old, new) if d["due"] is not None]
        if not dues or not row["accepted_on"].year <= year <= max(dues).year:
            continue
        applications.save(conn, row["id"], {"clock_due_on": new["due"]})
        audit.record(conn, principal, "deadline.recomputed", f"application:{row['id']}",
                     row["bureau_code"], _shown(old), _shown(new), request_id, now)
        moved.append(row["id"])
    for row in applications.pending_post_reviews(conn):  # 告知承诺: on-site reviews due
        old_due = row["post_review_due_on"]
        new_due = post_review_due_on(issued_on(row["review"]), after)
        if old_due == new_due:
            continue
        review = dict(row["review"])
        review["post_review"] = {**review["post_review"], "due": new_due.isoformat()}
        applications.save(conn, row["id"], {"post_review_due_on": new_due, "review": review})
        audit.record(conn, principal, "deadline.recomputed", f"application:{row['id']}",
                     row["bureau_code"], {"post_review_due": old_due.isoformat()},
                     {"post_review_due": new_due.isoformat()}, request_id, now)
        moved.append(row["id"])
    return moved


def _due(row: dict[str, Any], calendar: WorkingDayCalendar) -> dict[str, Any]:
    """The stored due date's rule on ``calendar``, and whether it rests on a provisional
    year."""
    due = clock_due_on(row, calendar)
    return {"due": due,
            "provisional": due is not None and calendar.provisional(row["accepted_on"], due)}


def _shown(due: dict[str, Any]) -> dict[str, Any]:
    return {"due": due["due"].isoformat() if due["due"] else None,
            "provisional": due["provisional"]}
