"""Stored responses for ``Idempotency-Key``: claim a key, then keep the answer to replay.

A key is claimed (inserted with no response) before the work starts, so two concurrent
retries cannot both do the work: the second finds the claim and is told to wait.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from sqlalchemy import Connection, Table, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from certsvc.store.models import IdempotencyRecord

_T = cast(Table, IdempotencyRecord.__table__)


def claim(conn: Connection, account_id: int, key: str, fingerprint: str,
          now: dt.datetime) -> Any | None:
    """Claim the key; on a repeat, return the earlier record (fingerprint, status, body)."""
    try:
        with conn.begin_nested():
            conn.execute(insert(_T).values(account_id=account_id, key=key,
                                           fingerprint=fingerprint, created_at=now))
        return None
    except IntegrityError:
        return conn.execute(select(_T.c.fingerprint, _T.c.status, _T.c.body).where(
            _T.c.account_id == account_id, _T.c.key == key)).first()


def complete(conn: Connection, account_id: int, key: str, status: int, body: bytes) -> None:
    conn.execute(update(_T).where(_T.c.account_id == account_id, _T.c.key == key)
                 .values(status=status, body=body))


def release(conn: Connection, account_id: int, key: str) -> None:
    """Forget a claim whose request failed unexpectedly, so a retry can run it."""
    conn.execute(delete(_T).where(_T.c.account_id == account_id, _T.c.key == key))
