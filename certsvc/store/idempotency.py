"""Stored responses for ``Idempotency-Key``: claim a key, then keep the answer to replay.

A key is claimed (inserted with no response) before the work starts, so two concurrent
retries cannot both do the work: the second finds the claim and is told to wait.

A claim whose request died (a worker killed mid-way) would otherwise say "in progress" for
good. So a claim older than ``IN_PROGRESS_FOR`` is abandoned: the next retry takes it over
(one retry only: the take-over is a conditional update on the old claim time) and runs the
request again. The work's own transaction rolled back with the dead worker, so the re-run
starts from what was committed; a worker is killed by gunicorn's timeout (30 s) long before
this.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from sqlalchemy import Connection, Table, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from certsvc.domain.time import as_utc
from certsvc.store.models import IdempotencyRecord

_T = cast(Table, IdempotencyRecord.__table__)
IN_PROGRESS_FOR = dt.timedelta(minutes=2)


def claim(conn: Connection, account_id: int, key: str, fingerprint: str,
          now: dt.datetime) -> Any | None:
    """Claim the key; on a repeat, return the earlier record (fingerprint, status, body)."""
    try:
        with conn.begin_nested():
            conn.execute(insert(_T).values(account_id=account_id, key=key,
                                           fingerprint=fingerprint, created_at=now))
        return None
    except IntegrityError:
        earlier = conn.execute(select(_T.c.fingerprint, _T.c.status, _T.c.body,
                                      _T.c.created_at).where(
            _T.c.account_id == account_id, _T.c.key == key)).first()
    if (earlier is not None and earlier.status is None and earlier.fingerprint == fingerprint
            and as_utc(earlier.created_at) <= now - IN_PROGRESS_FOR):
        taken = conn.execute(update(_T).where(
            _T.c.account_id == account_id, _T.c.key == key, _T.c.status.is_(None),
            _T.c.created_at == earlier.created_at).values(created_at=now))
        if taken.rowcount == 1:
            return None  # abandoned: this retry runs the request
    return earlier


def complete(conn: Connection, account_id: int, key: str, status: int, body: bytes) -> None:
    conn.execute(update(_T).where(_T.c.account_id == account_id, _T.c.key == key)
                 .values(status=status, body=body))


def release(conn: Connection, account_id: int, key: str) -> None:
    """Forget a claim whose request failed unexpectedly, so a retry can run it."""
    conn.execute(delete(_T).where(_T.c.account_id == account_id, _T.c.key == key))
