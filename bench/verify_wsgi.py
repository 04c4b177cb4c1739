"""POST /api/v1/verify against a trivial endpoint, in process: the app's own cost, no server.

Calls the public site's WSGI app directly, in alternating rounds (see ``common.compare``), on
the database that ``verify_http.py`` builds (1,000,000 licences by default, built if
missing), so the time gunicorn, the kernel and wrk take is left out and what our code costs
per request shows. Reports microseconds per request and the ratio.

Run: .venv/bin/python bench/verify_wsgi.py [COUNT]
"""

from __future__ import annotations

import io
import itertools
import os
import sys
from collections.abc import Callable, Iterable
from typing import Any

from common import compare
from verify_http import prepared


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    texts, site_settings = prepared(count)
    os.environ.update(site_settings)
    from public_site.app import create_app

    app = create_app()
    bodies = itertools.cycle(f'{{"qr_text": "{text}"}}'.encode()
                             for text in texts.read_text().split())
    statuses: set[str] = set()

    def call(path: str, body: bytes | None = None) -> None:
        def start_response(status: str, headers: list[tuple[str, str]], exc: Any = None
                           ) -> Callable[[bytes], object]:
            statuses.add(status)
            return lambda data: None
        answer: Iterable[bytes] = app(environ(path, body), start_response)
        b"".join(answer)
        getattr(answer, "close", lambda: None)()

    trivial, verify = compare(lambda: call("/healthz"),
                              lambda: call("/api/v1/verify", next(bodies)))
    if statuses != {"200 OK"}:
        sys.exit(f"unexpected answers: {statuses}")
    print(f"GET /healthz:        {1e6 / trivial:7.1f} µs a request")
    print(f"POST /api/v1/verify: {1e6 / verify:7.1f} µs a request")
    print(f"ratio:               {verify / trivial:7.2f}   (in process; gunicorn adds the same "
          "cost to both)")


def environ(path: str, body: bytes | None) -> dict[str, Any]:
    """A WSGI environ as gunicorn builds it for a local request."""
    env: dict[str, Any] = {
        "REQUEST_METHOD": "POST" if body else "GET", "PATH_INFO": path, "SCRIPT_NAME": "",
        "QUERY_STRING": "", "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_HOST": "127.0.0.1:8000", "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body or b""),
        "wsgi.errors": sys.stderr, "wsgi.multithread": False, "wsgi.multiprocess": True,
        "wsgi.run_once": False, "wsgi.version": (1, 0)}
    if body:
        env.update(CONTENT_TYPE="application/json", CONTENT_LENGTH=str(len(body)))
    return env


if __name__ == "__main__":
    main()
