"""The bureau service: the authenticated half of ``/api/v1/`` (every write lives here).

    app = create_app({"DATABASE_URL": "sqlite:///instance/certsvc.db"})

Every request is authenticated with ``Authorization: Bearer <token>`` (except the OpenAPI
document and the published status list), every error leaves as RFC 9457 problem JSON, and
every write accepts an ``Idempotency-Key``. Errors are translated here and only here.
"""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException

from certsvc.api.openapi import document_for
from certsvc.api.problems import problem_response
from certsvc.api.redirects import keep_redirects_relative
from certsvc.api.routes import register_routes
from certsvc.api.services import Services
from certsvc.config import Settings
from certsvc.console import console_blueprint
from certsvc.domain.bureaus import bureau_by_code
from certsvc.domain.time import utcnow
from certsvc.errors import (
    CertsvcError,
    InternalError,
    Unauthenticated,
    Unavailable,
    check_request_target,
)
from certsvc.reports import reports_blueprint
from certsvc.store import accounts
from certsvc.store.db import ready, unavailable

log = logging.getLogger("certsvc.api")
API_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
PUBLIC_PATHS = ("/bureau/openapi.json", "/api/v1/status-list", "/bureau/healthz",
                "/bureau/readyz")
CONSOLE = "/console"  # signs in with its own sessions: never a bearer token
REPORT = "/report"  # the public's reports: no account at all


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, static_folder=None)
    settings = Settings.from_env()
    app.config.update(
        DATABASE_URL=settings.database_url,
        KEYS_DIR=str(settings.keys_dir),
        PUBLISH_DIR=str(settings.publish_dir),
        DOCUMENTS_DIR=str(settings.documents_dir),
        DOCUMENTS_S3_BUCKET=settings.documents_s3_bucket,
        DOCUMENTS_S3_ENDPOINT=settings.documents_s3_endpoint,
        PUBLIC_URL=settings.public_url,
        MAX_CONTENT_LENGTH=256 * 1024,
        DB_CONNECT_TIMEOUT=settings.db_connect_timeout,
        DB_STATEMENT_TIMEOUT=settings.db_statement_timeout,
        # 举报: a person takes this long at least to fill the form in; reports per client
        # address and hour (docs/operations.md)
        REPORT_MIN_FILL_SECONDS=3, REPORTS_PER_HOUR=5,
    )
    app.config.update(config or {})
    if "KEY_PASSPHRASE" not in app.config:
        app.config["KEY_PASSPHRASE"] = settings.key_passphrase()
    services = Services(app)
    keystore = services.signer.keystore
    settings.refuse_unready_production(
        lambda: {bureau_by_code(r.bureau_code) for r in keystore.records()}
        if keystore.exists() else set(), holds_keys=True)
    app.extensions["certsvc"] = services

    @app.before_request
    def authenticate() -> None:
        g.request_id = _request_id()
        g.principal = None
        check_request_target(request.path, request.query_string)
        if request.path in (CONSOLE, REPORT) or request.path.startswith(
                (CONSOLE + "/", REPORT + "/")):
            return
        scheme, _, credentials = request.headers.get("Authorization", "").strip().partition(" ")
        if scheme.lower() == "bearer":  # RFC 9110 §11.1: the scheme is case-insensitive
            with services.engine.connect() as conn:
                g.principal = accounts.principal_for_token(conn, credentials.strip(), utcnow())
            if g.principal is None:
                raise Unauthenticated("the token is unknown, expired or revoked")
        elif not request.path.startswith(PUBLIC_PATHS):
            raise Unauthenticated("send Authorization: Bearer <token> (see certsvc token)")

    @app.before_request
    def calendar_in_step() -> None:
        """A holiday notice another process loaded is in force here too within
        ``REFRESH_EVERY`` seconds (one cheap query, at most that often)."""
        if not request.path.startswith(PUBLIC_PATHS):
            services.holiday_notices.refresh()

    keep_redirects_relative(app)

    @app.after_request
    def headers(response: Response) -> Response:
        for name, value in API_HEADERS.items():
            response.headers.setdefault(name, value)
        response.headers["X-Request-Id"] = g.get("request_id", "")
        return response

    @app.errorhandler(CertsvcError)
    def certsvc_error(error: CertsvcError) -> Response:
        return problem_response(error.problem(), request.path)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        status = error.code or 500
        return problem_response({"type": f"http-{status}", "title": error.name,
                                 "status": status, "detail": error.description}, request.path)

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Response:
        if unavailable(error):
            log.warning("database unavailable (request %s): %s", g.get("request_id"), error)
            gone = Unavailable("the database is unavailable; retry in a few seconds")
            return problem_response(gone.problem(), request.path,
                                    {"Retry-After": str(gone.retry_after)})
        log.exception("unexpected error (request %s)", g.get("request_id"))
        fault = InternalError(f"the request failed; quote request id {g.get('request_id')} "
                              "when reporting it")
        return problem_response(fault.problem(), request.path)

    @app.get("/bureau/healthz")
    def healthz() -> Response:
        """Liveness: the process answers (a load balancer restarts it if not)."""
        return _plain({"status": "ok"})

    @app.get("/bureau/readyz")
    def readyz() -> Response:
        """Readiness: the database answers and the signing keys are there; 503 if not, so a
        load balancer sends no traffic to an instance that cannot serve it."""
        ready(services.engine)
        if not services.signer.keystore.exists():
            raise Unavailable("no signing keys on this instance")
        return _plain({"status": "ready"})

    @app.get("/bureau/openapi.json")
    def openapi() -> Response:
        """The part of the one document that this app implements (the whole is at
        ``/api/v1/openapi.json``, served by the public site)."""
        return Response(json.dumps(document_for(app.url_map), ensure_ascii=False),
                        mimetype="application/json")

    register_routes(app, services)
    app.register_blueprint(console_blueprint(services))
    app.register_blueprint(reports_blueprint(services))
    return app


def _plain(body: dict[str, str]) -> Response:
    return Response(json.dumps(body), mimetype="application/json")


def _request_id() -> str:
    supplied = request.headers.get("X-Request-Id", "")
    if 0 < len(supplied) <= 64 and supplied.isascii() and supplied.isprintable():
        return supplied
    return uuid.uuid4().hex
