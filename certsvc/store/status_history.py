"""What the status list is made of: current statuses, and the ordered history of changes.

Statuses are LicenceStatus values, plus ``superseded`` for retired token indices; turning
them into the list's codes is the credential format's business. Publishing reads the newest
change id *before* the statuses, so a change that commits between
the two reads is in the list and in the next delta too (applying it twice is harmless); the
other order could lose it from every delta.
"""

from __future__ import annotations

import datetime as dt
from typing import cast

from sqlalchemy import Connection, Table, func, insert, select

from certsvc.domain.licence import SUPERSEDED, LicenceStatus
from certsvc.store.models import LicenceRow, RetiredStatusIndex, StatusChange, StatusListVersion

_L = cast(Table, LicenceRow.__table__)
_R = cast(Table, RetiredStatusIndex.__table__)
_C = cast(Table, StatusChange.__table__)
_V = cast(Table, StatusListVersion.__table__)


def last_change_id(conn: Connection) -> int:
    return int(conn.execute(select(func.coalesce(func.max(_C.c.id), 0))).scalar_one())


def current_statuses(conn: Connection) -> dict[int, str]:
    """index → status for every entry that is not plainly valid, superseded ones included."""
    statuses: dict[int, str] = {
        index: status for index, status in conn.execute(
            select(_L.c.status_index, _L.c.status)
            .where(_L.c.status != LicenceStatus.VALID.value))
    }
    statuses.update((index, SUPERSEDED)
                    for index in conn.execute(select(_R.c.status_index)).scalars())
    return statuses


def record_version(conn: Connection, version: int, change_id: int, now: dt.datetime) -> None:
    conn.execute(insert(_V).values(version=version, last_change_id=change_id, published_at=now))


def version_change_id(conn: Connection, version: int) -> int | None:
    found = conn.execute(select(_V.c.last_change_id).where(_V.c.version == version)).scalar()
    return None if found is None else int(found)


def changes_between(conn: Connection, after: int, upto: int) -> dict[int, str]:
    """index → newest status among the changes with ``after < id <= upto``."""
    rows = conn.execute(select(_C.c.status_index, _C.c.status)
                        .where(_C.c.id > after, _C.c.id <= upto).order_by(_C.c.id))
    return {index: status for index, status in rows}
