"""Review bodies, their reviewers, declared conflicts and annual reports as rows."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from sqlalchemy import Connection, Table, and_, insert, select, update

from certsvc.errors import NotFound
from certsvc.store.models import (
    AnnualReportRow,
    ApplicationRow,
    ReviewBodyRow,
    ReviewConflictRow,
    ReviewerRow,
)

BODIES = cast(Table, ReviewBodyRow.__table__)
REVIEWERS = cast(Table, ReviewerRow.__table__)
CONFLICTS = cast(Table, ReviewConflictRow.__table__)
REPORTS = cast(Table, AnnualReportRow.__table__)
_APP = cast(Table, ApplicationRow.__table__)


def body(conn: Connection, body_id: int, for_update: bool = False) -> dict[str, Any]:
    query = select(BODIES).where(BODIES.c.id == body_id)
    row = conn.execute(query.with_for_update() if for_update else query).mappings().first()
    if row is None:
        raise NotFound(f"no review body {body_id}")
    return dict(row)


def body_by_uscc(conn: Connection, uscc: str) -> dict[str, Any] | None:
    row = conn.execute(select(BODIES).where(BODIES.c.uscc == uscc)).mappings().first()
    return dict(row) if row else None


def bodies(conn: Connection, keeper_codes: tuple[str | None, ...] | None = None,
           body_id: int | None = None, before: int | None = None, limit: int = 100
           ) -> list[dict[str, Any]]:
    """Bodies newest first (those of the keepers given), each with its reviewers."""
    query = select(BODIES).order_by(BODIES.c.id.desc()).limit(limit)
    if keeper_codes is not None:
        query = query.where(BODIES.c.keeper_code.in_(list(keeper_codes)))
    if body_id is not None:
        query = query.where(BODIES.c.id == body_id)
    if before is not None:
        query = query.where(BODIES.c.id < before)
    found = [dict(r) for r in conn.execute(query).mappings()]
    named: dict[int, list[dict[str, Any]]] = {b["id"]: [] for b in found}
    if named:
        for r in conn.execute(select(REVIEWERS).where(REVIEWERS.c.body_id.in_(list(named)))
                              .order_by(REVIEWERS.c.id)).mappings():
            named[r["body_id"]].append(dict(r))
    return [{**b, "reviewers": named[b["id"]]} for b in found]


def reviewer(conn: Connection, qualification_number: str) -> dict[str, Any] | None:
    row = conn.execute(select(REVIEWERS).where(
        REVIEWERS.c.qualification_number == qualification_number)).mappings().first()
    return dict(row) if row else None


def conflicts(conn: Connection, body_id: int, uscc: str) -> list[dict[str, Any]]:
    """Declared conflicts of the body (whole, or one of its reviewers) with an enterprise."""
    return [dict(r) for r in conn.execute(select(CONFLICTS).where(
        CONFLICTS.c.body_id == body_id, CONFLICTS.c.uscc == uscc)).mappings()]


def conflicts_of(conn: Connection, body_id: int) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(select(CONFLICTS).where(
        CONFLICTS.c.body_id == body_id).order_by(CONFLICTS.c.id)).mappings()]


def set_status(conn: Connection, body_id: int, status: str, reason: str,
               on: dt.date) -> None:
    conn.execute(update(BODIES).where(BODIES.c.id == body_id).values(
        status=status, status_reason=reason, status_on=on))


def open_assignments(conn: Connection, body_id: int) -> list[dict[str, Any]]:
    """The applications whose on-site visit this body holds now."""
    return [dict(r) for r in conn.execute(
        select(_APP).where(_APP.c.review_body_id == body_id).order_by(_APP.c.id)
        .with_for_update()).mappings()]


def set_deadline(conn: Connection, keeper_code: str, year: int, due_on: dt.date
                 ) -> list[int]:
    """The report deadline of ``year`` for each active body the keeper registered (a body
    that has filed keeps its report; only the date moves): the bodies' ids."""
    active = [r.id for r in conn.execute(select(BODIES.c.id).where(
        BODIES.c.keeper_code == keeper_code, BODIES.c.status == "active"))]
    for body_id in active:
        found = conn.execute(select(REPORTS.c.id).where(
            REPORTS.c.body_id == body_id, REPORTS.c.year == year)).first()
        if found is None:
            conn.execute(insert(REPORTS).values(body_id=body_id, keeper_code=keeper_code,
                                                year=year, due_on=due_on))
        else:
            conn.execute(update(REPORTS).where(REPORTS.c.id == found.id)
                         .values(due_on=due_on))
    return active


def report(conn: Connection, body_id: int, year: int, for_update: bool = False
           ) -> dict[str, Any]:
    query = select(REPORTS, BODIES.c.name).join(BODIES, BODIES.c.id == REPORTS.c.body_id
                                                ).where(REPORTS.c.body_id == body_id,
                                                        REPORTS.c.year == year)
    if for_update:
        query = query.with_for_update(of=REPORTS)
    row = conn.execute(query).mappings().first()
    if row is None:
        raise NotFound(f"no annual report of review body {body_id} is due for {year}")
    return dict(row)


def save_report(conn: Connection, report_id: int, values: dict[str, Any]) -> None:
    conn.execute(update(REPORTS).where(REPORTS.c.id == report_id).values(**values))


def reports(conn: Connection, *, keeper_code: str | None, body_id: int | None,
            state: str | None, today: dt.date, before: int | None, limit: int
            ) -> list[dict[str, Any]]:
    """Annual reports newest first: ``due`` (not filed, deadline today or later),
    ``overdue`` (not filed, deadline passed), ``filed`` (awaiting inspection),
    ``inspected``; with the body's name."""
    query = select(REPORTS, BODIES.c.name).join(BODIES, BODIES.c.id == REPORTS.c.body_id)
    if keeper_code is not None:
        query = query.where(REPORTS.c.keeper_code == keeper_code)
    if body_id is not None:
        query = query.where(REPORTS.c.body_id == body_id)
    unfiled = REPORTS.c.filed_at.is_(None)
    if state is not None:
        query = query.where({
            "due": and_(unfiled, REPORTS.c.due_on >= today),
            "overdue": and_(unfiled, REPORTS.c.due_on < today),
            "filed": and_(REPORTS.c.filed_at.is_not(None), REPORTS.c.inspected_at.is_(None)),
            "inspected": REPORTS.c.inspected_at.is_not(None),
        }[state])
    if before is not None:
        query = query.where(REPORTS.c.id < before)
    rows = conn.execute(query.order_by(REPORTS.c.id.desc()).limit(limit)).mappings()
    return [dict(r) for r in rows]
