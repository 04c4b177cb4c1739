"""Spot-check results and recalls as rows (reads for the public are in ``reader.py``)."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from sqlalchemy import Connection, RowMapping, Table, insert, select, update

from certsvc.errors import NotFound
from certsvc.store.models import RecallRow, SpotCheckRow

SPOT_CHECKS = cast(Table, SpotCheckRow.__table__)
RECALLS = cast(Table, RecallRow.__table__)


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
