"""The Flask app factory of the public site: pages and the public JSON API, read-only.

    app = create_app()        # gunicorn 'public_site.app:create_app()'

It needs read access to the database and the published files (trust list, status list) —
no keys, no signer, no workflow. Errors become a friendly page, or RFC 9457 problem JSON
under ``/api/`` and ``/.well-known/``; nothing the client sends produces a 500.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import time
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from flask import Flask, Response, render_template, request
from werkzeug.exceptions import HTTPException, TooManyRequests

from certsvc.api.redirects import keep_redirects_relative
from certsvc.config import STATUS_LIST_FILE, TRUST_LIST_FILE, Settings
from certsvc.credential.trust_list import LogPolicy, TrustList, load_root_public_key
from certsvc.credential.verifier import NOT_IN_LOG, NOT_IN_REGISTER, PENDING_LOG
from certsvc.domain.licence import SUPERSEDED, LicenceStatus
from certsvc.domain.time import utcnow
from certsvc.errors import (
    CertsvcError,
    InternalError,
    TrustUnavailable,
    Unavailable,
    check_request_target,
)
from certsvc.store.db import make_engine, unavailable
from certsvc.store.log_check import LogState
from certsvc.store.reader import LicenceReader
from certsvc.store.status_lookup import RETIRED
from certsvc.transparency.note import NoteError, NoteVerifier
from public_site import i18n
from public_site.ratelimit import parse_limit

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

log = logging.getLogger("public_site")
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
        "media-src 'self' blob:; connect-src 'self'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(self), microphone=(), geolocation=()",
}
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "ETag, Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining",
}
API_PREFIXES = ("/api/", "/.well-known/", "/log/")  # machines read these: CORS, problem JSON
JSON_PREFIXES = (*API_PREFIXES, "/healthz", "/readyz")  # errors there are problem JSON
PROBLEM_PREFIX = "urn:certsvc:problem:"


class OnlineStatus:
    """The register as a verifier status source: current, and the judge of which token is
    its own. A token whose index the register gives to another token, or to none, is not in
    the register, however genuine its signature; nor is the register's own token if its
    issuance is not in the transparency log (written into the database some other way)."""

    def __init__(self, reader: LicenceReader, log: LogPolicy | None) -> None:
        self.reader = reader
        # the trust list's log key: the heads it signed count
        self.log_key = _log_key(log)
        self.as_of = utcnow()

    def is_current(self, now: dt.datetime) -> bool:
        return True  # read now, from the register itself

    def status_at(self, index: int, token: bytes) -> LicenceStatus | str:
        found = self.reader.status_by_index(index)
        if found == RETIRED:
            return SUPERSEDED
        digest = hashlib.sha256(token).digest()
        if isinstance(found, tuple) and found[1] == digest:
            state = self.reader.log_state(digest, self.log_key)
            if state is LogState.CONFIRMED:
                return found[0]
            return PENDING_LOG if state is LogState.PENDING else NOT_IN_LOG
        return NOT_IN_REGISTER


class ConstantHeaders:
    """WSGI middleware: the security headers on every response, and CORS on the API's.

    They never vary, so they are appended to the header list as it leaves, instead of set
    one by one on each response object (werkzeug checks and searches the list per header:
    a tenth of a trivial request's time).
    """

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app
        self.page_headers = list(SECURITY_HEADERS.items())
        self.api_headers = self.page_headers + list(CORS_HEADERS.items())

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse
                 ) -> Iterable[bytes]:
        extra = (self.api_headers if environ.get("PATH_INFO", "").startswith(API_PREFIXES)
                 else self.page_headers)

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None
                  ) -> Callable[[bytes], object]:
            return start_response(status, headers + extra, exc_info)

        return self.app(environ, start)


class Site:
    """What the views share: the reader, and the published files (re-read when changed)."""

    def __init__(self, app: Flask) -> None:
        self.reader = LicenceReader(make_engine(
            app.config["DATABASE_URL"], app.config["DB_CONNECT_TIMEOUT"],
            app.config["DB_STATEMENT_TIMEOUT"]))
        self.publish_dir = Path(app.config["PUBLISH_DIR"])
        self.root_certificate = Path(app.config["ROOT_CERTIFICATE"])
        self.public_url: str = app.config["PUBLIC_URL"]

        self.trust_list_path = self.publish_dir / TRUST_LIST_FILE
        self._trust: TrustList | None = None
        self._trust_checked = 0.0
        self.status_list_path = self.publish_dir / STATUS_LIST_FILE

    def trust_list(self) -> TrustList:
        """The published trust list, re-read when the file changes (looked at once a second:
        a stat per verification costs more than the rest of the lookup)."""
        now = time.monotonic()
        if now - self._trust_checked < 1.0 and self._trust is not None:
            return self._trust
        path = self.trust_list_path
        try:
            self._trust = _trust_list(path, path.stat().st_mtime_ns, self.root_certificate)
        except FileNotFoundError as missing:
            raise TrustUnavailable(
                f"{Path(str(missing.filename)).name} is not installed on this server; "
                "verification is unavailable until the operator publishes it") from None
        self._trust_checked = now
        return self._trust

    def online_status(self) -> OnlineStatus:
        return OnlineStatus(self.reader, self.trust_list().log)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    # "/V/<digits>//" is not a QR form: refuse it, as the CLI and the API do, rather than
    # redirect it to a page that would say 有效
    app.url_map.merge_slashes = False
    settings = Settings.from_env()
    app.config.update(
        DATABASE_URL=settings.database_url,
        PUBLISH_DIR=str(settings.publish_dir),
        ROOT_CERTIFICATE=str(settings.root_certificate_path),
        PUBLIC_URL=settings.public_url,
        DB_CONNECT_TIMEOUT=settings.db_connect_timeout,
        DB_STATEMENT_TIMEOUT=settings.db_statement_timeout,
        MAX_CONTENT_LENGTH=6 * 1024 * 1024,  # photo uploads; JSON bodies are capped lower
        # per client address and worker process (see public_site/ratelimit.py)
        PUBLIC_API_RATE_LIMIT=os.environ.get("CERTSVC_PUBLIC_RATE_LIMIT", "300 per minute"),
    )
    app.config.update(config or {})
    site = Site(app)
    app.extensions["site"] = site
    limit = parse_limit(app.config["PUBLIC_API_RATE_LIMIT"])

    from public_site.api import api_blueprint
    from public_site.pages import pages_blueprint

    @app.before_request
    def request_target() -> None:
        check_request_target(request.path, request.query_string)

    app.register_blueprint(pages_blueprint(site))
    public_api = api_blueprint(site)

    @public_api.before_request
    def rate_limit() -> None:
        retry_after = limit.hit(request.remote_addr or "-", time.time())
        if retry_after is not None:
            raise TooManyRequests(retry_after=retry_after)

    app.register_blueprint(public_api)
    from public_site.log import log_blueprint

    public_log = log_blueprint(site)

    @public_log.before_request
    def rate_limit_proofs() -> None:
        if not request.path.startswith("/log/"):  # static files: any CDN serves them freely
            rate_limit()

    app.register_blueprint(public_log)

    keep_redirects_relative(app)

    @app.after_request
    def remember_language(response: Response) -> Response:
        if request.query_string and request.args.get("lang") in i18n.LANGUAGES:
            response.set_cookie(i18n.COOKIE, request.args["lang"], max_age=365 * 86400,
                                samesite="Lax", httponly=True)
        return response

    app.wsgi_app = ConstantHeaders(app.wsgi_app)  # type: ignore[method-assign]

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        status = error.code or 500
        headers = dict(error.get_headers()) if status in (405, 429) else {}
        headers.pop("Content-Type", None)
        return _error(status, f"http-{status}", error.name, error.description or "", headers)

    @app.errorhandler(CertsvcError)
    def certsvc_error(error: CertsvcError) -> Response:
        problem = error.problem()
        return _error(error.status, problem.pop("type"), problem.pop("title"),
                      problem.pop("detail"), {}, problem)

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Response:
        if unavailable(error):
            log.warning("database unavailable on %s: %s", request.path, error)
            gone = Unavailable("the database is unavailable; please retry in a few seconds")
            return _error(503, gone.type, gone.title, gone.detail,
                          {"Retry-After": str(gone.retry_after)})
        log.exception("unexpected error on %s", request.path)
        return _error(500, InternalError.type, InternalError.title,
                      "the request failed; please try again later", {})

    app.jinja_env.globals.update(
        local_time=i18n.local_time, local_time_iso=i18n.local_time_iso, name=i18n.bilingual,
        t=i18n.t, record_state=i18n.record_state, headline=i18n.headline,
        verdict_message=i18n.verdict_message, verdict_detail=i18n.verdict_detail,
        lang=i18n.language)
    return app


def _error(status: int, kind: str, title: str, detail: str, headers: dict[str, str],
           extra: dict[str, Any] | None = None) -> Response:
    if request.path.startswith(JSON_PREFIXES):
        body = {"type": PROBLEM_PREFIX + kind, "title": title, "status": status,
                "detail": detail, "instance": request.path, **(extra or {})}
        response = Response(json_bytes(body), status=status, mimetype="application/problem+json")
    else:
        response = Response(render_template("error.html", title=title, detail=detail),
                            status=status, mimetype="text/html")
    response.headers.update(headers)
    return response


def json_bytes(body: Any) -> bytes:
    """Answers as compact UTF-8 JSON by orjson (a sixth of the standard library's time on
    the verify path); dates and times in ISO 8601, anything else JSON lacks as its str()."""
    return orjson.dumps(body, default=str)


@lru_cache(maxsize=8)
def _log_key(log: LogPolicy | None) -> NoteVerifier | None:
    try:
        return None if log is None else NoteVerifier.parse(log.log_key)
    except NoteError:
        return None  # a trust list whose log key does not parse confirms nothing


@lru_cache(maxsize=4)
def _trust_list(path: Path, mtime_ns: int, root: Path) -> TrustList:
    """Re-read the trust list only when the file changes."""
    del mtime_ns  # part of the cache key
    return TrustList.load(path.read_bytes(), load_root_public_key(root.read_bytes()))
