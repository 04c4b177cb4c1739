"""Reports from the public (举报) as rows."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from sqlalchemy import Connection, RowMapping, Table, select, update

from certsvc.errors import NotFound
from certsvc.store.models import ComplaintRow
from certsvc.store.oversight import scoped

COMPLAINTS = cast(Table, ComplaintRow.__table__)
_T = COMPLAINTS
OPEN = ("received", "extended")


def load(conn: Connection, complaint_id: int, for_update: bool = False) -> RowMapping:
    query = select(_T).where(_T.c.id == complaint_id)
    row = conn.execute(query.with_for_update() if for_update else query).mappings().first()
    if row is None:
        raise NotFound(f"no report {complaint_id}")
    return row


def by_receipt(conn: Connection, digest: str) -> RowMapping | None:
    return conn.execute(select(_T).where(_T.c.receipt_digest == digest)).mappings().first()


def nonce_used(conn: Connection, nonce: str) -> bool:
    return conn.execute(select(_T.c.id).where(_T.c.form_nonce == nonce)).first() is not None


def save(conn: Connection, complaint_id: int, values: dict[str, Any]) -> None:
    conn.execute(update(_T).where(_T.c.id == complaint_id).values(**values))


def find(conn: Connection, *, bureau_code: str | None, uscc: str | None, area: str | None,
         state: str | None, today: dt.date, before: int | None, limit: int
         ) -> list[RowMapping]:
    """Reports newest first, within a province or an area: ``open`` (being checked),
    ``overdue`` (being checked past the day the decision was due), ``decided``."""
    query = scoped(select(_T), _T, bureau_code, uscc, area)
    if state == "open":
        query = query.where(_T.c.state.in_(OPEN))
    elif state == "overdue":
        query = query.where(_T.c.state.in_(OPEN), _T.c.due_on < today)
    elif state == "decided":
        query = query.where(_T.c.state.not_in(OPEN))
    if before is not None:
        query = query.where(_T.c.id < before)
    return list(conn.execute(query.order_by(_T.c.id.desc()).limit(limit)).mappings())
