"""``Idempotency-Key`` on every write of the bureau API: a retried request is answered once.
"""

from __future__ import annotations

import hashlib
from typing import Any

from flask import Response, request

from certsvc.api.problems import problem_response
from certsvc.api.services import Services
from certsvc.domain.accounts import Principal
from certsvc.domain.time import utcnow
from certsvc.errors import CertsvcError, IdempotencyKeyInProgress, IdempotencyKeyInvalid
from certsvc.store import idempotency

MAX_KEY_LENGTH = 128


def run_idempotently(services: Services, principal: Principal, work: Any) -> Response:
    """Run ``work() -> Response`` once per ``Idempotency-Key``; replay the answer after."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return work()  # type: ignore[no-any-return]
    if not 0 < len(key) <= MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        raise IdempotencyKeyInvalid("Idempotency-Key must be 1–128 printable ASCII characters")
    fingerprint = hashlib.sha256(
        request.method.encode() + b" " + request.path.encode() + b"\n" + request.get_data()
    ).hexdigest()
    with services.engine.begin() as conn:
        earlier = idempotency.claim(conn, principal.account_id, key, fingerprint, utcnow())
    if earlier is not None:
        if earlier.fingerprint != fingerprint:
            raise IdempotencyKeyInvalid("this Idempotency-Key was used for a different request")
        if earlier.status is None:
            raise IdempotencyKeyInProgress("a request with this Idempotency-Key is still running; "
                                 "retry in a moment")
        replay = Response(earlier.body, status=earlier.status, mimetype=_mimetype(earlier.status))
        replay.headers["Idempotent-Replayed"] = "true"
        return replay
    try:
        response: Response = work()
    except CertsvcError as error:  # a refused request is refused again, identically
        response = problem_response(error.problem(), request.path)
    except Exception:
        with services.engine.begin() as conn:
            idempotency.release(conn, principal.account_id, key)
        raise
    with services.engine.begin() as conn:
        idempotency.complete(conn, principal.account_id, key, response.status_code,
                             response.get_data())
    return response


def _mimetype(status: int) -> str:
    return "application/problem+json" if status >= 400 else "application/json"
