"""Applications as rows: insert, lock for a transition, update, and list."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any, cast

from sqlalchemy import Connection, Table, case, func, insert, or_, select, update

from certsvc.errors import NotFound
from certsvc.store.models import ApplicationRow

_T = cast(Table, ApplicationRow.__table__)


def insert_application(conn: Connection, values: dict[str, Any]) -> int:
    result = conn.execute(insert(_T).values(**values))
    return int(cast(Any, result.inserted_primary_key)[0])


def load(conn: Connection, application_id: int, for_update: bool = False) -> dict[str, Any]:
    """The row as a dict; ``for_update`` locks it until the transaction ends (PostgreSQL)."""
    query = select(_T).where(_T.c.id == application_id)
    if for_update:
        query = query.with_for_update()
    row = conn.execute(query).mappings().first()
    if row is None:
        raise NotFound(f"no application {application_id}")
    return dict(row)


def save(conn: Connection, application_id: int, values: dict[str, Any]) -> None:
    conn.execute(update(_T).where(_T.c.id == application_id).values(**values))


def find(conn: Connection, *, bureau_code: str | None = None, uscc: str | None = None,
         institution_id: int | None = None, review_body_id: int | None = None,
         states: Iterable[str] | None = None,
         post_review: str | None = None, today: dt.date | None = None,
         due_by: dt.date | None = None, after_id: int = 0, newest_first: bool = False,
         limit: int = 100) -> list[dict[str, Any]]:
    """``post_review``: "due" (pending), "overdue" (pending, due before ``today``) or
    "failed" — the on-site reviews that follow licences issued on commitment. ``due_by``:
    a stored due date on or before it, or none (a year the calendar does not reach).
    ``newest_first``: the newest page (the console's), instead of paging on from ``after_id``."""
    query = select(_T).where(_T.c.id > after_id).order_by(
        _T.c.id.desc() if newest_first else _T.c.id).limit(limit)
    if due_by is not None:
        query = query.where(or_(_T.c.clock_due_on.is_(None), _T.c.clock_due_on <= due_by))
    if post_review == "due":
        query = query.where(_T.c.post_review_due_on.is_not(None))
    elif post_review == "overdue":
        query = query.where(_T.c.post_review_due_on < today)
    elif post_review == "failed":
        query = query.where(_T.c.post_review_failed_on.is_not(None))
    for column, value in ((_T.c.bureau_code, bureau_code), (_T.c.uscc, uscc),
                          (_T.c.institution_id, institution_id),
                          (_T.c.review_body_id, review_body_id)):
        if value is not None:
            query = query.where(column == value)
    if states is not None:
        query = query.where(_T.c.state.in_(list(states)))
    return [dict(r) for r in conn.execute(query).mappings()]


def queue(conn: Connection, states: Sequence[str], limit: int, offset: int = 0, *,
          bureau_code: str | None = None, uscc: str | None = None,
          institution_id: int | None = None, review_body_id: int | None = None
          ) -> list[dict[str, Any]]:
    """Open applications, most urgent first: running clocks by due date (the overdue
    first), then paused ones (testing) by due date, then those with no clock (not accepted
    yet, or a year the calendar does not reach), oldest first. Only what a queue shows and
    its deadline needs is read (no materials, no review)."""
    group = case((_T.c.clock_due_on.is_(None), 2), (_T.c.state == "testing", 1), else_=0)
    query = select(_T.c.id, _T.c.kind, _T.c.state, _T.c.enterprise, _T.c.accepted_on,
                   _T.c.testing_since, _T.c.paused_days).where(
        _T.c.state.in_(list(states))).order_by(
        group, _T.c.clock_due_on, _T.c.id).limit(limit).offset(offset)
    for column, value in ((_T.c.bureau_code, bureau_code), (_T.c.uscc, uscc),
                          (_T.c.institution_id, institution_id),
                          (_T.c.review_body_id, review_body_id)):
        if value is not None:
            query = query.where(column == value)
    return [dict(r) for r in conn.execute(query).mappings()]


def running_clocks(conn: Connection, states: Sequence[str]) -> list[dict[str, Any]]:
    """Every accepted application whose clock runs or is paused (a new calendar moves their
    due dates)."""
    query = select(_T.c.id, _T.c.state, _T.c.bureau_code, _T.c.accepted_on, _T.c.paused_days,
                   _T.c.clock_due_on).where(_T.c.state.in_(list(states)),
                                            _T.c.accepted_on.is_not(None))
    return [dict(r) for r in conn.execute(query.order_by(_T.c.id)).mappings()]


def last_post_review_failure(conn: Connection, uscc: str) -> dt.date | None:
    """The latest day an on-site review after a licence issued on commitment failed for
    this enterprise."""
    value = conn.execute(select(func.max(_T.c.post_review_failed_on)).where(
        _T.c.uscc == uscc)).scalar()
    return cast(dt.date | None, value)


def pending_post_reviews(conn: Connection) -> list[dict[str, Any]]:
    """Every on-site review still pending after a licence issued on commitment (a new
    calendar moves their due dates)."""
    query = select(_T.c.id, _T.c.bureau_code, _T.c.review, _T.c.post_review_due_on).where(
        _T.c.post_review_due_on.is_not(None))
    return [dict(r) for r in conn.execute(query.order_by(_T.c.id)).mappings()]
