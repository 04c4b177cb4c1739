"""Per-client limits — sign-in attempts, reports from the public, uploads per account —
counted in the database, so a limit holds for the whole deployment whatever the number of
worker processes (it counted per process: with a few workers the first refusal came at
twice the limit). A proxy's limit (nginx ``limit_req``, docs/operations.md) stays a useful
first wall in front.

One statement an attempt: an upsert that starts a new window or adds to the current, and
returns the count (``INSERT … ON CONFLICT DO UPDATE … RETURNING``, on SQLite 3.35+ as on
PostgreSQL). Parallel attempts in any number of workers each get their own number."""

from __future__ import annotations

import random
from typing import cast

from sqlalchemy import Connection, Engine, Table, delete, text

from certsvc.store.models import ClientAttempts

_T = cast(Table, ClientAttempts.__table__)
_COUNT = text(
    "INSERT INTO client_attempts (key, window_start, count) VALUES (:key, :now, :amount) "
    "ON CONFLICT (key) DO UPDATE SET "
    "count = CASE WHEN client_attempts.window_start <= :expired THEN :amount "
    "ELSE client_attempts.count + :amount END, "
    "window_start = CASE WHEN client_attempts.window_start <= :expired THEN :now "
    "ELSE client_attempts.window_start END "
    "RETURNING count")


def count_attempt(conn: Connection, key: str, now: int, window: int, amount: int = 1) -> int:
    """The client's count in its current window of ``window`` seconds with this attempt
    (which counts ``amount``: one, or a number of bytes)."""
    return int(conn.execute(_COUNT, {"key": key[:200], "now": now, "amount": amount,
                                     "expired": now - window}).scalar_one())


def forget_before(conn: Connection, cutoff: int) -> None:
    """Rows whose window ended before ``cutoff``: a new attempt starts afresh anyway."""
    conn.execute(delete(_T).where(_T.c.window_start < cutoff))


FORGET_ONE_IN = 1000  # attempts: how often the rows of ended windows are cleared away


class ClientThrottle:
    """At most ``limit`` attempts per client address in a fixed window of ``window``
    seconds, for one ``purpose``."""

    def __init__(self, engine: Engine, purpose: str, limit: int, window: int) -> None:
        self.engine, self.purpose = engine, purpose
        self.limit, self.window = limit, window

    def allow(self, client: str, now: float, amount: int = 1) -> bool:
        """Count the attempt (``amount``: one, or its bytes); whether it is within the
        limit. ``now``: Unix seconds."""
        with self.engine.begin() as conn:
            count = count_attempt(conn, f"{self.purpose} {client}", int(now), self.window,
                                  amount)
            if random.randrange(FORGET_ONE_IN) == 0:
                forget_before(conn, int(now) - self.window)
        return count <= self.limit
