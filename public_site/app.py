"""The Flask app factory of the public site: pages and the public JSON API, read-only.

    app = create_app()        # gunicorn 'public_site.app:create_app()'

It needs read access to the database and the published files (trust list, status list) —
no keys, no signer, no workflow. Errors become a friendly page, or RFC 9457 problem JSON
under ``/api/`` and ``/.well-known/``; nothing the client sends produces a 500.
"""

from __future__ import annotations

import json
import logging
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import Flask, Response, g, render_template, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from werkzeug.exceptions import HTTPException

from certsvc.config import STATUS_LIST_FILE, TRUST_LIST_FILE, Settings
from certsvc.credential.trust_list import TrustList, load_root_public_key
from certsvc.domain.licence import LicenceStatus
from certsvc.domain.time import utcnow
from certsvc.errors import CertsvcError
from certsvc.store.db import make_engine
from certsvc.store.reader import LicenceReader
from public_site import i18n

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
API_PREFIXES = ("/api/", "/.well-known/")
PROBLEM_PREFIX = "urn:certsvc:problem:"


class OnlineStatus:
    """Current status from the database, as a verifier status source."""

    def __init__(self, reader: LicenceReader) -> None:
        self.reader = reader
        self.as_of = utcnow()

    def status_at(self, index: int) -> LicenceStatus | None:
        return self.reader.status_by_index(index)


class Site:
    """What the views share: the reader, and the published files (re-read when changed)."""

    def __init__(self, app: Flask) -> None:
        self.reader = LicenceReader(make_engine(app.config["DATABASE_URL"]))
        self.publish_dir = Path(app.config["PUBLISH_DIR"])
        self.root_certificate = Path(app.config["ROOT_CERTIFICATE"])
        self.public_url: str = app.config["PUBLIC_URL"]

        self.trust_list_path = self.publish_dir / TRUST_LIST_FILE
        self.status_list_path = self.publish_dir / STATUS_LIST_FILE

    def trust_list(self) -> TrustList:
        path = self.trust_list_path
        return _trust_list(path, path.stat().st_mtime_ns, self.root_certificate)

    def online_status(self) -> OnlineStatus:
        return OnlineStatus(self.reader)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    settings = Settings.from_env()
    app.config.update(
        DATABASE_URL=settings.database_url,
        PUBLISH_DIR=str(settings.publish_dir),
        ROOT_CERTIFICATE=str(settings.root_certificate_path),
        PUBLIC_URL=settings.public_url,
        MAX_CONTENT_LENGTH=6 * 1024 * 1024,  # photo uploads; JSON bodies are capped lower
        PUBLIC_API_RATE_LIMIT="300 per minute",
        RATELIMIT_STORAGE_URI="memory://",
        RATELIMIT_HEADERS_ENABLED=True,
    )
    app.config.update(config or {})
    site = Site(app)
    app.extensions["site"] = site
    limiter = Limiter(get_remote_address, app=app,
                      storage_uri=app.config["RATELIMIT_STORAGE_URI"])

    from public_site.api import api_blueprint
    from public_site.pages import pages_blueprint

    app.register_blueprint(pages_blueprint(site))
    public_api = api_blueprint(site)
    limiter.limit(app.config["PUBLIC_API_RATE_LIMIT"])(public_api)  # per client address
    app.register_blueprint(public_api)

    @app.before_request
    def remember_language() -> None:
        g.lang = i18n.language()

    @app.after_request
    def headers(response: Response) -> Response:
        response.headers.update(SECURITY_HEADERS)
        if request.args.get("lang") in i18n.LANGUAGES:
            response.set_cookie(i18n.COOKIE, request.args["lang"], max_age=365 * 86400,
                                samesite="Lax", httponly=True)
        if request.path.startswith(API_PREFIXES):
            response.headers["Access-Control-Allow-Origin"] = "*"
            response.headers["Access-Control-Expose-Headers"] = (
                "ETag, Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining")
        return response

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        status = error.code or 500
        headers = dict(error.get_headers()) if status in (405, 429) else {}
        headers.pop("Content-Type", None)
        if status == 429 and "Retry-After" not in headers:
            headers["Retry-After"] = "60"
        return _error(status, f"http-{status}", error.name, error.description or "", headers)

    @app.errorhandler(CertsvcError)
    def certsvc_error(error: CertsvcError) -> Response:
        problem = error.problem()
        return _error(error.status, problem.pop("type"), problem.pop("title"),
                      problem.pop("detail"), {}, problem)

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Response:
        log.exception("unexpected error on %s", request.path)
        return _error(500, "internal-error", "Internal error",
                      "the request failed; please try again later", {})

    app.jinja_env.globals.update(
        local_time=i18n.local_time, name=i18n.bilingual, t=i18n.t, status_name=i18n.status_name,
        headline=i18n.headline, verdict_message=i18n.verdict_message, lang=i18n.language)
    return app


def _error(status: int, kind: str, title: str, detail: str, headers: dict[str, str],
           extra: dict[str, Any] | None = None) -> Response:
    if request.path.startswith(API_PREFIXES):
        body = {"type": PROBLEM_PREFIX + kind, "title": title, "status": status,
                "detail": detail, "instance": request.path, **(extra or {})}
        response = Response(json.dumps(body, ensure_ascii=False, default=str), status=status,
                            mimetype="application/problem+json")
    else:
        response = Response(render_template("error.html", title=title, detail=detail),
                            status=status, mimetype="text/html")
    response.headers.update(headers)
    return response


@lru_cache(maxsize=4)
def _trust_list(path: Path, mtime_ns: int, root: Path) -> TrustList:
    """Re-read the trust list only when the file changes."""
    del mtime_ns  # part of the cache key
    return TrustList.load(path.read_bytes(), load_root_public_key(root.read_bytes()))
