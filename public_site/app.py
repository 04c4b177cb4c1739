"""The Flask app factory of the public site."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import Flask, Response, abort, render_template, request
from werkzeug.exceptions import HTTPException

from certsvc.config import Settings
from certsvc.credential.qr_image import qr_png, qr_svg
from certsvc.credential.qr_text import qr_text, token_to_digits
from certsvc.credential.trust_list import TrustList, load_root_public_key
from certsvc.credential.verifier import Verdict, verify
from certsvc.domain.catalogue import catalogue
from certsvc.domain.licence import LicenceStatus
from certsvc.domain.licence_number import LicenceNumber
from certsvc.domain.time import china_time, utcnow
from certsvc.errors import CertsvcError
from certsvc.store.db import make_engine
from certsvc.store.reader import LicenceReader

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


class OnlineStatus:
    """Current status from the database, as a verifier status source."""

    def __init__(self, reader: LicenceReader) -> None:
        self.reader = reader
        self.as_of = utcnow()

    def status_at(self, index: int) -> LicenceStatus | None:
        return self.reader.status_by_index(index)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    settings = Settings.from_env()
    app.config.update(
        DATABASE_URL=settings.database_url,
        TRUST_LIST=str(settings.trust_list_path),
        ROOT_CERTIFICATE=str(settings.root_certificate_path),
        PUBLIC_URL=settings.public_url,
        MAX_CONTENT_LENGTH=64 * 1024,
    )
    app.config.update(config or {})
    reader = LicenceReader(make_engine(app.config["DATABASE_URL"]))

    def trust_list() -> TrustList:
        path = Path(app.config["TRUST_LIST"])
        return _trust_list(path, path.stat().st_mtime_ns, Path(app.config["ROOT_CERTIFICATE"]))

    @app.after_request
    def headers(response: Response) -> Response:
        response.headers.update(SECURITY_HEADERS)
        return response

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int]:
        return render_template("error.html", error=error), error.code or 500

    @app.errorhandler(CertsvcError)
    def certsvc_error(error: CertsvcError) -> tuple[str, int]:
        return render_template("error.html", error=error), error.status

    @app.get("/")
    def home() -> str:
        licences = reader.recent(20)
        return render_template(
            "home.html", licences=licences, status_names=STATUS_NAMES,
            landing=lambda record: "/V/" + token_to_digits(record.token),
        )

    @app.get("/v/<digits>")
    @app.get("/V/<digits>")
    def landing(digits: str) -> str:
        verdict = verify(digits, trust_list(), OnlineStatus(reader), None, utcnow())
        return render_template("landing.html", **landing_context(verdict))

    @app.get("/qr/<number>.<kind>")
    def qr_image(number: str, kind: str) -> Response:
        if kind not in ("png", "svg"):
            abort(404)
        record = reader.by_number(LicenceNumber.parse(number))
        if record.token is None:
            abort(404)
        return _qr_response(qr_text(app.config["PUBLIC_URL"], record.token), kind)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    app.jinja_env.globals.update(china_time=china_time, lang=lambda: request.args.get("lang"))
    return app


STATUS_NAMES = {
    LicenceStatus.VALID: "有效", LicenceStatus.SUSPENDED: "已暂停",
    LicenceStatus.REVOKED: "已撤销", LicenceStatus.CANCELLED: "已注销",
}


def landing_context(verdict: Verdict) -> dict[str, Any]:
    """What the landing page shows; licence data only when the signature verified."""
    context: dict[str, Any] = {"verdict": verdict, "licence": None}
    claims = verdict.claims
    if claims is not None:
        units = catalogue()
        context["licence"] = {
            "number": claims.number.canonical,
            "enterprise_name": claims.enterprise_name,
            "uscc": claims.uscc,
            "scope": [units.unit(u) for u in claims.scope],
            "issued": claims.issued, "valid_until": claims.valid_until,
            "issuer": claims.number.bureau,
        }
    return context


@lru_cache(maxsize=4)
def _trust_list(path: Path, mtime_ns: int, root: Path) -> TrustList:
    """Re-read the trust list only when the file changes."""
    del mtime_ns  # part of the cache key
    return TrustList.load(path.read_bytes(), load_root_public_key(root.read_bytes()))


@lru_cache(maxsize=1024)
def _qr_bytes(text: str, kind: str) -> bytes:
    return qr_png(text) if kind == "png" else qr_svg(text).encode()


def _qr_response(text: str, kind: str) -> Response:
    mimetype = "image/png" if kind == "png" else "image/svg+xml"
    response = Response(_qr_bytes(text, kind), mimetype=mimetype)
    response.cache_control.public = True
    response.cache_control.max_age = 86400
    return response

