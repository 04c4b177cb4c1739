"""Counting attempts per client in the database, one statement an attempt: an upsert that
starts a new window or adds one to the current, and returns the count (``INSERT … ON
CONFLICT DO UPDATE … RETURNING``, on SQLite 3.35+ as on PostgreSQL). Parallel attempts in
any number of workers each get their own number."""

from __future__ import annotations

from typing import cast

from sqlalchemy import Connection, Table, delete, text

from certsvc.store.models import ClientAttempts

_T = cast(Table, ClientAttempts.__table__)
_COUNT = text(
    "INSERT INTO client_attempts (key, window_start, count) VALUES (:key, :now, 1) "
    "ON CONFLICT (key) DO UPDATE SET "
    "count = CASE WHEN client_attempts.window_start <= :expired THEN 1 "
    "ELSE client_attempts.count + 1 END, "
    "window_start = CASE WHEN client_attempts.window_start <= :expired THEN :now "
    "ELSE client_attempts.window_start END "
    "RETURNING count")


def count_attempt(conn: Connection, key: str, now: int, window: int) -> int:
    """This attempt's number in the client's current window of ``window`` seconds."""
    return int(conn.execute(_COUNT, {"key": key[:200], "now": now,
                                     "expired": now - window}).scalar_one())


def forget_before(conn: Connection, cutoff: int) -> None:
    """Rows whose window ended before ``cutoff``: a new attempt starts afresh anyway."""
    conn.execute(delete(_T).where(_T.c.window_start < cutoff))
