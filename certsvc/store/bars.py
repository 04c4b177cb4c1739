"""Statutory bars as rows: written in the decision's transaction, read at filing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, cast

from sqlalchemy import Connection, Row, Table, insert, select

from certsvc.domain.bars import bar_until
from certsvc.store.models import StatutoryBarRow

_B = cast(Table, StatutoryBarRow.__table__)


def record(conn: Connection, uscc: str, kind: str, product_codes: Iterable[str],
           since: dt.date, subject: str, now: dt.datetime) -> None:
    conn.execute(insert(_B).values(
        uscc=uscc, kind=kind, product_codes=sorted(set(product_codes)), since=since,
        until=bar_until(kind, since), subject=subject, recorded_at=now))


def in_force(conn: Connection, uscc: str, today: dt.date) -> list[Row[Any]]:
    """The enterprise's bars that still run on ``today`` (kind, product_codes, since, until,
    subject), the longest first."""
    return list(conn.execute(
        select(_B).where(_B.c.uscc == uscc, _B.c.until > today)
        .order_by(_B.c.until.desc(), _B.c.id)))
