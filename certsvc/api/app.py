"""The bureau service: the authenticated half of ``/api/v1/`` (every write lives here).

    app = create_app({"DATABASE_URL": "sqlite:///instance/certsvc.db"})

Every request is authenticated with ``Authorization: Bearer <token>`` (except the OpenAPI
document and the published status list), every error leaves as RFC 9457 problem JSON, and
every write accepts an ``Idempotency-Key``. Errors are translated here and only here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import uuid
from pathlib import Path
from typing import Any

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException

from certsvc.api.openapi import document_for
from certsvc.api.problems import problem_response
from certsvc.api.redirects import keep_redirects_relative
from certsvc.api.routes import register_routes
from certsvc.config import Settings
from certsvc.console import console_blueprint
from certsvc.domain.accounts import Principal
from certsvc.domain.time import utcnow
from certsvc.errors import (
    CertsvcError,
    IdempotencyKeyInProgress,
    IdempotencyKeyInvalid,
    InternalError,
    Unauthenticated,
    Unavailable,
    check_request_target,
)
from certsvc.publish.artefacts import publish_status_list
from certsvc.reports import reports_blueprint
from certsvc.signer.keystore import KeyStore
from certsvc.signer.secret_box import secret_box
from certsvc.signer.signer import Signer
from certsvc.store import accounts, idempotency
from certsvc.store.db import make_engine, ready, unavailable
from certsvc.store.documents import document_store
from certsvc.workflow.accidents import Accidents
from certsvc.workflow.applications import Applications
from certsvc.workflow.audit_log import AuditLog
from certsvc.workflow.bulk import BulkStatusChanges
from certsvc.workflow.complaints import Complaints
from certsvc.workflow.declarations import Declarations
from certsvc.workflow.documents import Documents
from certsvc.workflow.grading import Grading
from certsvc.workflow.holiday_notices import HolidayNotices
from certsvc.workflow.issuance import Issuer
from certsvc.workflow.licence_files import LicenceFiles
from certsvc.workflow.licence_sharing import LicenceSharing
from certsvc.workflow.licences import LicenceActions
from certsvc.workflow.measures import Measures
from certsvc.workflow.oversight import Institutions, RecallOrders, Recalls, SpotChecks
from certsvc.workflow.review_bodies import ReviewBodies
from certsvc.workflow.sharing import Sharing
from certsvc.workflow.signin import SignIn

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
MAX_KEY_LENGTH = 128


class Services:
    """The parts the routes use, built once per app."""

    def __init__(self, app: Flask) -> None:
        self.engine = make_engine(app.config["DATABASE_URL"], app.config["DB_CONNECT_TIMEOUT"],
                                  app.config["DB_STATEMENT_TIMEOUT"])
        keystore = KeyStore(Path(app.config["KEYS_DIR"]), app.config["KEY_PASSPHRASE"])
        self.signer: Signer = Signer(keystore)
        self.publish_dir: Path = Path(app.config["PUBLISH_DIR"])
        self.issuer: Issuer = Issuer(self.engine, self.signer, app.config["PUBLIC_URL"])
        self.documents: Documents = Documents(
            self.engine, document_store(Path(app.config["DOCUMENTS_DIR"]),
                                        app.config["DOCUMENTS_S3_BUCKET"],
                                        app.config["DOCUMENTS_S3_ENDPOINT"]))
        self.applications: Applications = Applications(self.engine, self.issuer,
                                                       self.documents, self.publish)
        self.licences: LicenceActions = LicenceActions(self.engine, self.issuer, self.publish)
        self.declarations: Declarations = Declarations(self.engine)
        self.accidents: Accidents = Accidents(self.engine)
        self.spot_checks: SpotChecks = SpotChecks(self.engine)
        self.recalls: Recalls = Recalls(self.engine)
        self.recall_orders: RecallOrders = RecallOrders(self.engine)
        self.institutions: Institutions = Institutions(self.engine)
        self.measures: Measures = Measures(self.engine, self.licences)
        self.review_bodies: ReviewBodies = ReviewBodies(self.engine, self.documents)
        self.sharing: Sharing = Sharing(self.engine)
        self.files: LicenceFiles = LicenceFiles(self.engine, self.signer,
                                                app.config["PUBLIC_URL"],
                                                app.config.get("PDF_FONT"))
        self.licences.after_signing = self.files.refresh
        self.licence_sharing: LicenceSharing = LicenceSharing(
            self.engine, self.sharing, self.files, app.config["PUBLIC_URL"],
            app.config.get("PDF_FONT"))
        self.grading: Grading = Grading(self.engine)
        self.bulk: BulkStatusChanges = BulkStatusChanges(self.engine, self.licences)
        self.audit_log: AuditLog = AuditLog(self.engine)
        self.holiday_notices: HolidayNotices = HolidayNotices(self.engine)
        box = secret_box(Path(app.config["KEYS_DIR"]), app.config["KEY_PASSPHRASE"])
        self.signin: SignIn = SignIn(self.engine, box)
        self.complaints: Complaints = Complaints(
            self.engine, self.documents.store, box,
            dt.timedelta(seconds=float(app.config["REPORT_MIN_FILL_SECONDS"])))

    def publish(self) -> None:
        """A new status list after a status change; a failure is logged, never lost: the
        change is committed and the periodic ``certsvc publish --every`` catches up."""
        try:
            publish_status_list(self.engine, self.signer, self.publish_dir, utcnow())
        except Exception:
            log.exception("publishing the status list failed; the next publish catches up")


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
