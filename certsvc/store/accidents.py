"""Accident reports as rows: insert, load (locked for a follow-up), amend, list."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from sqlalchemy import Connection, RowMapping, Table, func, insert, select, update

from certsvc.errors import NotFound
from certsvc.store.models import AccidentRow
from certsvc.store.oversight import in_area

_T = cast(Table, AccidentRow.__table__)


def insert_report(conn: Connection, values: dict[str, Any]) -> int:
    return int(cast(Any, conn.execute(insert(_T).values(**values)).inserted_primary_key)[0])


def load(conn: Connection, accident_id: int, for_update: bool = False) -> RowMapping:
    query = select(_T).where(_T.c.id == accident_id)
    row = conn.execute(query.with_for_update() if for_update else query).mappings().first()
    if row is None:
        raise NotFound(f"no accident report {accident_id}")
    return row


def amend(conn: Connection, accident_id: int, values: dict[str, Any]) -> None:
    conn.execute(update(_T).where(_T.c.id == accident_id).values(**values))


def find(conn: Connection, *, bureau_code: str | None = None, uscc: str | None = None,
         area: str | None = None, late: bool = False,
         follow_up_due_before: dt.datetime | None = None,
         before: int | None = None, limit: int = 100) -> list[RowMapping]:
    """Reports newest first, within a province or of one enterprise: ``late`` ones only;
    ``follow_up_due_before``: those with no follow-up reported before that time; ``before``
    an id pages back. The filters are in the query, so a page costs a page."""
    query = select(_T)
    if bureau_code is not None:
        query = query.where(_T.c.bureau_code == bureau_code)
    if uscc is not None:
        query = query.where(_T.c.uscc == uscc)
    if area is not None:
        query = query.where(in_area(_T.c.uscc, area))
    if late:
        query = query.where(_T.c.late.is_(True))
    if follow_up_due_before is not None:
        query = query.where(func.json_array_length(_T.c.follow_ups) == 0,
                            _T.c.reported_at < follow_up_due_before)
    if before is not None:
        query = query.where(_T.c.id < before)
    return list(conn.execute(query.order_by(_T.c.id.desc()).limit(limit)).mappings())
