"""RFC 9457 problem responses: one shape for every error the API returns.

``type`` is a stable URN per kind of problem (``urn:certsvc:problem:invalid-transition``);
the OpenAPI document lists them.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Response

PROBLEM_TYPE_PREFIX = "urn:certsvc:problem:"


def problem_response(problem: dict[str, Any], instance: str,
                     headers: dict[str, str] | None = None) -> Response:
    body = dict(problem, type=PROBLEM_TYPE_PREFIX + problem["type"], instance=instance)
    response = Response(json.dumps(body, ensure_ascii=False, default=str),
                        status=body["status"], mimetype="application/problem+json")
    response.headers.update(headers or {})
    return response
