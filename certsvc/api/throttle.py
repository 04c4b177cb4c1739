"""A per-client limit for the bureau service's forms that need no account, or only a
password: sign-in attempts and reports from the public.

Counts live in the worker process; a fleet's shared limit belongs in the proxy in front
(nginx ``limit_req``, docs/operations.md)."""

from __future__ import annotations


class ClientThrottle:
    """At most ``limit`` attempts per client address in a fixed window (per process; a proxy's
    limit, e.g. nginx limit_req, covers a fleet)."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit, self.window = limit, window
        self._hits: dict[str, tuple[float, int]] = {}

    def allow(self, client: str, now: float) -> bool:
        start, count = self._hits.get(client, (now, 0))
        if now - start >= self.window:
            start, count = now, 0
        self._hits[client] = (start, count + 1)
        if len(self._hits) > 100_000:  # forget old windows rather than grow without bound
            self._hits = {k: v for k, v in self._hits.items() if now - v[0] < self.window}
        return count < self.limit
