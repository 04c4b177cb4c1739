"""A fixed-window rate limit per client address, for the public API.

Counts live in the worker process (one dict, pruned as windows pass), so with N gunicorn
workers a client may reach up to N times the limit; a shared limit across servers belongs
in the proxy in front (nginx ``limit_req``), as docs/operations.md says. It is a few
microseconds per request where a general-purpose limiter library cost half a millisecond
(measured with bench/verify_http.py), and the public API's budget is its speed.

    limit = RateLimit(300, 60)
    retry_after = limit.hit("203.0.113.9", now=time.time())   # None: go ahead
"""

from __future__ import annotations

import math
import threading


class RateLimit:
    def __init__(self, requests: int, seconds: int) -> None:
        if requests < 1 or seconds < 1:
            raise ValueError("a rate limit needs at least one request per second or more")
        self.requests = requests
        self.seconds = seconds
        self._window = -1
        self._counts: dict[str, int] = {}
        self._lock = threading.Lock()

    def hit(self, client: str, now: float) -> int | None:
        """Count a request; None if allowed, else the seconds until the window ends."""
        window = int(now // self.seconds)
        with self._lock:
            if window != self._window:  # a new window: forget the old counts
                self._window = window
                self._counts = {}
            count = self._counts.get(client, 0) + 1
            self._counts[client] = count
        if count <= self.requests:
            return None
        return max(1, math.ceil((window + 1) * self.seconds - now))


def parse_limit(text: str) -> RateLimit:
    """``"300 per minute"``, ``"10 per second"``, ``"1000 per hour"``."""
    units = {"second": 1, "minute": 60, "hour": 3600}
    parts = text.split()
    if len(parts) != 3 or parts[1] != "per" or not parts[0].isdigit() or parts[2] not in units:
        raise ValueError(f"rate limit {text!r} is not like '300 per minute'")
    return RateLimit(int(parts[0]), units[parts[2]])
