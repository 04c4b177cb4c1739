"""The Flask app factory of the public site: pages and the public JSON API, read-only.

    app = create_app()        # gunicorn 'public_site.app:create_app()'

It needs read access to the database and the published files (trust list, status list) —
no keys, no signer, no workflow. Errors become a friendly page, or RFC 9457 problem JSON
under ``/api/`` and ``/.well-known/``; nothing the client sends produces a 500.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from flask import Flask, Response, render_template, request
from werkzeug.exceptions import HTTPException, TooManyRequests

from certsvc.api.redirects import keep_redirects_relative
from certsvc.config import Settings
from certsvc.domain.bureaus import Bureau, bureau_by_code
from certsvc.errors import (
    CertsvcError,
    InternalError,
    Unavailable,
    check_request_target,
)
from certsvc.store.db import unavailable
from public_site import i18n
from public_site.api import api_blueprint
from public_site.log import log_blueprint
from public_site.pages import pages_blueprint
from public_site.ratelimit import parse_limit
from public_site.site import Site, json_bytes

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
    settings.refuse_unready_production(lambda: _issuing(site), holds_keys=False)
    app.extensions["site"] = site
    limit = parse_limit(app.config["PUBLIC_API_RATE_LIMIT"])


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


def _issuing(site: Site) -> set[Bureau]:
    """The bureaus whose keys the published trust list names: the identifiers this site
    shows are theirs (none before the first publication)."""
    try:
        keys = site.trust_list().keys.values()
    except (CertsvcError, OSError):
        return set()
    return {bureau_by_code(key.bureau_code) for key in keys}
