"""A per-client limit for the bureau service's forms that need no account, or only a
password: sign-in attempts and reports from the public.

Counted in the database (``certsvc.store.throttle``), so the limit holds for the whole
deployment, whatever the number of worker processes (it counted per process: with a few
workers the first refusal came at twice the limit). A proxy's limit (nginx ``limit_req``,
docs/operations.md) stays a useful first wall in front.
"""

from __future__ import annotations

import random

from sqlalchemy import Engine

from certsvc.store.throttle import count_attempt, forget_before

FORGET_ONE_IN = 1000  # attempts: how often the rows of ended windows are cleared away


class ClientThrottle:
    """At most ``limit`` attempts per client address in a fixed window of ``window``
    seconds, for one ``purpose``."""

    def __init__(self, engine: Engine, purpose: str, limit: int, window: int) -> None:
        self.engine, self.purpose = engine, purpose
        self.limit, self.window = limit, window

    def allow(self, client: str, now: float) -> bool:
        """Count the attempt; whether it is within the limit. ``now``: Unix seconds."""
        with self.engine.begin() as conn:
            count = count_attempt(conn, f"{self.purpose} {client}", int(now), self.window)
            if random.randrange(FORGET_ONE_IN) == 0:
                forget_before(conn, int(now) - self.window)
        return count <= self.limit
