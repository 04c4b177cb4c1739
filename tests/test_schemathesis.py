"""schemathesis against both apps' OpenAPI documents (each app's own part): generated and
hostile requests for every operation, on the bureau API with tokens of several roles.
Bounded: a fixed number of examples per operation. Checked: no server error, and every
answer — success or problem — matches what the document says (status, content type,
headers, schema). Every failing operation is listed at the end. (Not checked yet: that every
request the request schemas allow is accepted — those schemas are still looser than the
rules, e.g. they do not say that text may not hold NUL; the one spec per action of issue 12
makes them exact.)

(schemathesis's own pytest plugin does not run under pytest 9, so the operations are
walked here, each with Hypothesis over the operation's strategy.)
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from certsvc.domain.time import utcnow
from certsvc.publish.artefacts import publish_trust_list
from tests.conftest import PUBLIC_URL, Api

EXAMPLES = 25
CHECKS = [checks.not_a_server_error, checks.status_code_conformance,
          checks.content_type_conformance, checks.response_headers_conformance,
          checks.response_schema_conformance]
ROLES = ("national", "zhejiang", "enterprise", "institution", "auditor", "department", None)


def failures_of(schema: Any, call: Callable[[Any], None]) -> list[str]:
    """Run every operation of ``schema``; the failures, one line each."""
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case: Any) -> None:
            call(case)

        try:
            run()
        except (Exception, BaseExceptionGroup) as failure:  # each reported with its operation
            failures.append(f"{operation.label}: {str(failure).strip()[:2000]}")
    return failures


@pytest.fixture
def public_app(database_url: str, signer: Any, tmp_path: Path, api: Api) -> Flask:
    from public_site import create_app

    publish_trust_list(signer, tmp_path / "trust-list.cose", utcnow())
    return create_app({"DATABASE_URL": database_url, "PUBLISH_DIR": str(tmp_path),
                       "ROOT_CERTIFICATE": str(signer.keystore.root_cert_path),
                       "PUBLIC_URL": PUBLIC_URL,
                       "PUBLIC_API_RATE_LIMIT": "1000000 per minute"})


def test_bureau_api(api: Api) -> None:
    schema = schemathesis.openapi.from_wsgi("/bureau/openapi.json", api.client.application)
    roles = itertools.cycle(ROLES)

    def call(case: Any) -> None:
        role = next(roles)
        case.call_and_validate(
            headers={"Authorization": f"Bearer {api.tokens[role]}"} if role else {},
            checks=CHECKS)

    failures = failures_of(schema, call)
    assert not failures, "\n\n".join(failures)


def test_public_api(public_app: Flask) -> None:
    schema = schemathesis.openapi.from_wsgi("/public/openapi.json", public_app)
    failures = failures_of(schema, lambda case: case.call_and_validate(checks=CHECKS))
    assert not failures, "\n\n".join(failures)
