"""The public JSON API: no account, CORS open, rate-limited per client, cache-friendly.

    GET  /api/v1/licences/{number}        a licence and its current verdict
    GET  /api/v1/licences/{number}/metadata   the licence as GB/T 36903 metadata items
    POST /api/v1/verify                   {"qr_text" | "token" | "number", "product"?}
    GET  /api/v1/enterprises/{uscc}       an enterprise's licences
    GET  /api/v1/search?q=&page=          by number (any form), USCC, or name (partial)
    GET  /.well-known/certsvc/trust-list  the signed trust list (COSE)
    GET  /.well-known/certsvc/status-list the signed status list (COSE)
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from pathlib import Path
from typing import Any

import orjson
from flask import Blueprint, Response, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

from certsvc.api.openapi import document_for, openapi_document
from certsvc.credential.verifier import verify
from certsvc.domain.licence_number import LicenceNumber
from certsvc.domain.metadata import LABELS, STANDARD, metadata
from certsvc.domain.time import china_date, utcnow
from certsvc.errors import NotFound, ValidationError
from certsvc.store.reader import current_declaration
from public_site.search import PER_PAGE, page_number, search
from public_site.site import Site, json_bytes
from public_site.views import (
    claims_view,
    enterprise_licences,
    licence_json,
    verdict_json,
    verify_record,
)

MAX_JSON_BODY = 16 * 1024
REVALIDATE = "no-cache"  # cache, but ask every time: a status change shows at once
STATIC_CACHE = "public, max-age=60, must-revalidate"


def api_blueprint(site: Site) -> Blueprint:
    bp = Blueprint("public_api", __name__)

    @bp.get("/api/v1/licences/<number>")
    def licence(number: str) -> Response:
        record = site.reader.by_number(LicenceNumber.parse(number))
        body = licence_json(site, record, verify_record(site, record),
                            site.reader.status_detail(record.number))
        return _cacheable(body)

    @bp.get("/api/v1/licences/<number>/metadata")
    def licence_metadata(number: str) -> Response:
        record = site.reader.by_number(LicenceNumber.parse(number))
        expired = china_date(utcnow()) > record.valid_until
        return _cacheable({"standard": STANDARD, "labels": LABELS,
                           "metadata": metadata(record.licence(), site.reader.version(record),
                                                       expired)})

    @bp.route("/api/v1/verify", methods=["POST", "OPTIONS"])
    def verify_endpoint() -> Response:
        if request.method == "OPTIONS":  # CORS preflight for a JSON POST from any site
            return Response(status=204, headers={
                "Access-Control-Allow-Methods": "POST", "Access-Control-Max-Age": "86400",
                "Access-Control-Allow-Headers": "Content-Type"})
        body = _json_body()
        product = body.get("product")
        if product is not None and not isinstance(product, str | int):
            raise ValidationError("product", "must be a catalogue unit name or id")
        given = [k for k in ("qr_text", "token", "number") if body.get(k) is not None]
        if len(given) != 1:
            raise ValidationError("body", "give exactly one of qr_text, token, number")
        if given == ["number"]:
            record = site.reader.by_number(LicenceNumber.parse(_text(body, "number")))
            verdict = verify_record(site, record, product)
        else:
            subject: str | bytes = (_text(body, "qr_text") if given == ["qr_text"]
                                    else _token(_text(body, "token")))
            verdict = verify(subject, site.trust_list(), site.online_status(), product,
                             utcnow())
        view = claims_view(verdict)
        licence = None
        if view is not None:
            licence = {"number": view["number"], "enterprise_name": view["enterprise_name"],
                       "uscc": view["uscc"], "scope": [u.name for u in view["scope"]],
                       "issued": view["issued"].isoformat(),
                       "valid_until": view["valid_until"].isoformat(),
                       "issuer": view["issuer"].name}
        return _json({**verdict_json(verdict), "licence": licence})

    @bp.get("/api/v1/enterprises/<uscc>")
    def enterprise(uscc: str) -> Response:
        records = enterprise_licences(site, uscc)
        history = site.reader.declarations(records[0].enterprise.uscc)
        return _cacheable({
            "uscc": records[0].enterprise.uscc, "name": records[0].enterprise.name,
            "declaration": current_declaration(history),
            "recalls": site.reader.recalls(records[0].enterprise.uscc),
            "spot_checks": site.reader.spot_checks(records[0].enterprise.uscc),
            "declaration_history": [{k: v[k] for k in ("version", "withdrawn", "published_at")}
                                    for v in history],
            "licences": [{"number": r.number.canonical, "status": r.status.value,
                          "scope": [u.name for u in r.scope], "issued": r.issued.isoformat(),
                          "valid_until": r.valid_until.isoformat(),
                          "issuer": r.issuer.name, "api": f"/api/v1/licences/{r.number}"}
                         for r in records]})

    @bp.get("/api/v1/search")
    def search_endpoint() -> Response:
        page = page_number(request.args.get("page", "1"))
        result = search(site.reader, request.args.get("q", ""), page)
        return _cacheable({
            "query": result.query, "kind": result.kind, "page": page, "per_page": PER_PAGE,
            "total": result.total, "capped": result.capped,
            "prefix_only": result.prefix_only,
            **({"identifier_status": "superseded", "current_identifier": result.superseded}
               if result.superseded else {}),
            "items": [{"number": r.number.canonical, "enterprise": r.enterprise.name,
                       "uscc": r.enterprise.uscc, "status": r.status.value,
                       "scope": [u.name for u in r.scope],
                       "valid_until": r.valid_until.isoformat(),
                       "api": f"/api/v1/licences/{r.number}"} for r in result.records]})

    @bp.get("/api/v1/institutions")
    def institutions() -> Response:
        return _cacheable({"items": site.reader.institutions()})

    @bp.get("/api/v1/openapi.json")
    def openapi() -> Response:
        """The one document of the URL space, both apps' operations."""
        return _json(openapi_document())

    @bp.get("/public/openapi.json")
    def openapi_public() -> Response:
        """The part of it that this app implements."""
        return _json(document_for(current_app.url_map))

    @bp.get("/.well-known/certsvc/trust-list")
    def trust_list() -> Response:
        return _published(site.trust_list_path, "the trust list")

    @bp.get("/.well-known/certsvc/status-list")
    def status_list() -> Response:
        return _published(site.status_list_path, "the status list")

    return bp


def _json_body() -> dict[str, Any]:
    too_large = RequestEntityTooLarge(f"a verify request is at most {MAX_JSON_BODY} bytes")
    length = request.content_length
    if length is not None and length > MAX_JSON_BODY:
        raise too_large
    if length is not None:  # read exactly what was announced, straight from the server
        raw = request.environ["wsgi.input"].read(length)
    else:  # chunked: werkzeug's stream bounds it
        raw = request.get_data(cache=False)
    if len(raw) > MAX_JSON_BODY:
        raise too_large
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ValidationError("body", f"is not JSON: {exc}") from None
    if not isinstance(body, dict):
        raise ValidationError("body", "must be a JSON object")
    return body


def _text(body: dict[str, Any], field: str) -> str:
    value = body[field]
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(field, "must be a non-empty string")
    return value


def _token(text: str) -> bytes:
    """A token as hex or base64url."""
    cleaned = text.strip()
    try:
        if all(c in "0123456789abcdefABCDEF" for c in cleaned) and len(cleaned) % 2 == 0:
            return bytes.fromhex(cleaned)
        return base64.urlsafe_b64decode(cleaned + "=" * (-len(cleaned) % 4))
    except (ValueError, binascii.Error):
        raise ValidationError("token", "must be hex or base64url") from None


def _json(body: Any, status: int = 200) -> Response:
    return Response(json_bytes(body), status=status, mimetype="application/json")


def _cacheable(body: Any) -> Response:
    response = _json(body)
    response.set_etag(hashlib.sha256(response.get_data()).hexdigest()[:32])
    response.headers["Cache-Control"] = REVALIDATE
    response.make_conditional(request)
    return response


def _published(path: Path, what: str) -> Response:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise NotFound(f"{what} is not published yet") from None
    response = Response(data, mimetype="application/cose")
    response.set_etag(hashlib.sha256(data).hexdigest()[:32])
    response.headers["Cache-Control"] = STATIC_CACHE
    response.make_conditional(request)
    return response

