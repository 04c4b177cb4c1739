"""Spot-check results, recalls and supervision measures as rows (public reads: ``reader.py``)."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Connection,
    RowMapping,
    Select,
    Table,
    func,
    insert,
    select,
    update,
)

from certsvc.errors import NotFound
from certsvc.store.models import (
    LicenceRow,
    MeasureRow,
    RecallOrderRow,
    RecallRow,
    SpotCheckRow,
)

SPOT_CHECKS = cast(Table, SpotCheckRow.__table__)
RECALLS = cast(Table, RecallRow.__table__)
MEASURES = cast(Table, MeasureRow.__table__)
RECALL_ORDERS = cast(Table, RecallOrderRow.__table__)


def insert_row(conn: Connection, table: Table, values: dict[str, Any]) -> int:
    return int(cast(Any, conn.execute(insert(table).values(**values)).inserted_primary_key)[0])


def load(conn: Connection, table: Table, row_id: int, for_update: bool = False) -> RowMapping:
    query = select(table).where(table.c.id == row_id)
    row = conn.execute(query.with_for_update() if for_update else query).mappings().first()
    if row is None:
        raise NotFound(f"no {table.name.rstrip('s').replace('_', ' ')} {row_id}")
    return row


def close_recall(conn: Connection, recall_id: int, note: str, now: dt.datetime) -> None:
    conn.execute(update(RECALLS).where(RECALLS.c.id == recall_id)
                 .values(closed_at=now, closing_note=note))


def close_measure(conn: Connection, measure_id: int, outcome: str, note: str,
                  now: dt.datetime) -> None:
    conn.execute(update(MEASURES).where(MEASURES.c.id == measure_id)
                 .values(outcome=outcome, outcome_note=note, closed_at=now))


def measures_of(conn: Connection, uscc: str, open_only: bool = False) -> list[RowMapping]:
    query = select(MEASURES).where(MEASURES.c.uscc == uscc)
    if open_only:
        query = query.where(MEASURES.c.closed_at.is_(None))
    return list(conn.execute(query.order_by(MEASURES.c.id)).mappings())


def in_area(uscc: ColumnElement[str], area: str) -> ColumnElement[bool]:
    """The enterprises registered in an area: characters 3 to 8 of the USCC are the
    registering authority's area code (GB 32100-2015), ``area`` a prefix of it."""
    return func.substr(uscc, 3, len(area)) == area


def scoped(query: Select[Any], table: Table, bureau_code: str | None, uscc: str | None,
           area: str | None) -> Select[Any]:
    """A list's query limited to a province (the table's bureau), an enterprise or an area
    (:class:`certsvc.workflow.authz.ListScope`)."""
    for column, value in ((table.c.bureau_code, bureau_code), (table.c.uscc, uscc)):
        if value is not None:
            query = query.where(column == value)
    if area is not None:
        query = query.where(in_area(table.c.uscc, area))
    return query


def find(conn: Connection, table: Table, *, bureau_code: str | None = None,
         uscc: str | None = None, area: str | None = None, open_only: bool = False,
         before: int | None = None, limit: int = 100) -> list[RowMapping]:
    """Rows of spot checks, recalls or measures, newest first, within a province (a recall,
    which names no bureau, is in every province where the enterprise holds a licence) or of
    one enterprise, or of the enterprises of an ``area`` (an area-code prefix); ``before`` an
    id pages back."""
    query = select(table)
    if bureau_code is not None:
        if "bureau_code" in table.c:
            query = query.where(table.c.bureau_code == bureau_code)
        else:
            licensed = select(LicenceRow.uscc).where(LicenceRow.bureau_code == bureau_code)
            query = query.where(table.c.uscc.in_(licensed))
    if uscc is not None:
        query = query.where(table.c.uscc == uscc)
    if area is not None:
        query = query.where(in_area(table.c.uscc, area))
    if open_only:
        query = query.where(table.c.closed_at.is_(None))
    if before is not None:
        query = query.where(table.c.id < before)
    return list(conn.execute(query.order_by(table.c.id.desc()).limit(limit)).mappings())


def find_orders(conn: Connection, *, bureau_code: str | None, uscc: str | None,
                area: str | None, state: str | None, today: dt.date, before: int | None,
                limit: int) -> list[RowMapping]:
    """Recall orders newest first, within a province, an area or of one enterprise:
    ``open`` (unanswered), ``overdue`` (unanswered past the deadline), ``answered``."""
    t = RECALL_ORDERS
    query = scoped(select(t), t, bureau_code, uscc, area)
    if state == "open":
        query = query.where(t.c.recall_id.is_(None))
    elif state == "overdue":
        query = query.where(t.c.recall_id.is_(None), t.c.deadline < today)
    elif state == "answered":
        query = query.where(t.c.recall_id.is_not(None))
    if before is not None:
        query = query.where(t.c.id < before)
    return list(conn.execute(query.order_by(t.c.id.desc()).limit(limit)).mappings())


def answer_order(conn: Connection, order_id: int, recall_id: int, now: dt.datetime) -> None:
    conn.execute(update(RECALL_ORDERS).where(RECALL_ORDERS.c.id == order_id)
                 .values(recall_id=recall_id, answered_at=now))
