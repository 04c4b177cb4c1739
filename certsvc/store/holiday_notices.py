"""Loaded holiday notices as rows: each load a new version of its year."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from sqlalchemy import Connection, Table, func, insert, select

from certsvc.domain.calendar import YearNotice
from certsvc.store.models import HolidayNoticeRow

_T = cast(Table, HolidayNoticeRow.__table__)


def append(conn: Connection, notice: YearNotice, account_id: int | None,
           now: dt.datetime) -> int:
    """Store the notice as its year's next version; return the version."""
    version = 1 + int(conn.execute(select(func.coalesce(func.max(_T.c.version), 0)).where(
        _T.c.year == notice.year)).scalar_one())
    conn.execute(insert(_T).values(
        year=notice.year, version=version, notice=notice.notice,
        holidays=sorted(d.isoformat() for d in notice.holidays),
        workdays=sorted(d.isoformat() for d in notice.workdays),
        loaded_at=now, account_id=account_id))
    return version


def newest(conn: Connection) -> list[tuple[int, YearNotice]]:
    """Each loaded year's newest version, with its version number."""
    rows = conn.execute(select(_T).order_by(_T.c.year, _T.c.version)).mappings()
    latest: dict[int, Any] = {}
    for row in rows:
        latest[row["year"]] = row
    return [(r["version"], YearNotice(
        r["year"], r["notice"], frozenset(dt.date.fromisoformat(d) for d in r["holidays"]),
        frozenset(dt.date.fromisoformat(d) for d in r["workdays"]))) for r in latest.values()]


def last_id(conn: Connection) -> int:
    """Changes when any notice is loaded: what processes compare to stay in step."""
    return int(conn.execute(select(func.coalesce(func.max(_T.c.id), 0))).scalar_one())
