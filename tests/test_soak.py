"""``make run``'s development server under a long run of lookups (issue 24): Werkzeug
starts a thread per request, and each thread's status-lookup connection was kept until the
process ended, two file descriptors a lookup, until SQLite could open no more files and the
server answered 503 after about 10,000 lookups. The count of open descriptors must stay
flat."""

from __future__ import annotations

import http.client
import json
import os
import threading

import pytest
from sqlalchemy import Engine
from werkzeug.serving import make_server

from certsvc.credential.qr_text import qr_text
from certsvc.workflow.issuance import IssuedLicence
from tests.conftest import PUBLIC_URL

REQUESTS = 20_000
WARM_UP = 1_000
# make run's server runs on SQLite, where the leak ran out of files; the per-thread
# connection is the same code on PostgreSQL, and this takes minutes: the SQLite pass only
pytestmark = pytest.mark.skipif("postgresql" in os.environ.get("CERTSVC_DATABASE_URL", ""),
                                reason="make run's development server: SQLite")


def open_descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_the_development_server_holds_its_descriptors_over_20000_lookups(
        site: object, issued: IssuedLicence, engine: Engine) -> None:
    from public_site import create_app

    app = site.application  # type: ignore[attr-defined]
    server_app = create_app({**app.config, "PUBLIC_API_RATE_LIMIT": "10000000 per minute"})
    server = make_server("127.0.0.1", 0, server_app, threaded=True)  # as `certsvc serve`
    threading.Thread(target=server.serve_forever, daemon=True).start()
    body = json.dumps({"qr_text": qr_text(PUBLIC_URL, issued.token)})
    warm = 0
    try:
        for n in range(REQUESTS):
            connection = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=10)
            connection.request("POST", "/api/v1/verify", body,
                               {"Content-Type": "application/json"})
            answer = connection.getresponse()
            verdict = json.loads(answer.read())
            connection.close()
            assert answer.status == 200 and verdict["verdict"] == "valid", (n, verdict)
            if n == WARM_UP:
                warm = open_descriptors()
    finally:
        server.shutdown()
        server.server_close()
    assert open_descriptors() <= warm + 10, (warm, open_descriptors())
