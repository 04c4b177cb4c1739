"""The pages: home, QR landing, licence, search, enterprise, scan (camera or photo), PDF, trust.

All of them work with JavaScript off; the scan page's camera is the only script, and the
photo upload beside it does the same job on the server.
"""

from __future__ import annotations

import contextlib
import hashlib
from functools import lru_cache

from asn1crypto import pem as asn1_pem
from flask import Blueprint, Response, abort, current_app, redirect, render_template, request
from werkzeug.wrappers import Response as BaseResponse

from certsvc.credential.certificates import read_certificate
from certsvc.credential.qr_image import qr_png, qr_svg, read_qr
from certsvc.credential.qr_text import qr_text, token_from_text, token_to_digits
from certsvc.credential.status_list import StatusList
from certsvc.credential.verifier import Verdict, verify
from certsvc.domain.e_licence import identifier_has_placeholders, identifier_of
from certsvc.domain.licence_number import LicenceNumber
from certsvc.domain.time import china_date, utcnow
from certsvc.domain.uscc import validate_uscc
from certsvc.errors import (
    CertsvcError,
    Gone,
    MalformedToken,
    NotFound,
    TrustListError,
    ValidationError,
)
from certsvc.render.pdf import find_font, licence_pdf
from certsvc.store.db import ready
from certsvc.store.reader import current_declaration
from public_site import i18n
from public_site.search import PER_PAGE, page_number, search
from public_site.site import Site
from public_site.views import (
    claims_view,
    enterprise_licences,
    links,
    offers_sealed_file,
    verify_record,
)

MAX_PHOTO = 5 * 1024 * 1024
PHOTO_TYPES = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG": "image/png", b"RIFF": "image/webp",
               b"GIF8": "image/gif"}


def pages_blueprint(site: Site) -> Blueprint:
    bp = Blueprint("pages", __name__)

    @bp.get("/")
    def home() -> str:
        return render_template("home.html", licences=site.reader.recent(10), links=links)

    @bp.get("/v/<digits>")
    @bp.get("/V/<digits>")
    @bp.get("/v/<digits>/")
    @bp.get("/V/<digits>/")
    def landing(digits: str) -> str:
        """The QR's own URL. Its path goes through the same parser as the CLI's and the
        API's input (``token_from_text``), so every door accepts the same forms."""
        del digits  # the path as a whole is parsed
        verdict = verify(request.path, site.trust_list(), site.online_status(), None,
                         utcnow())
        return _licence_page(site, verdict)

    @bp.get("/licence/<number>")
    def licence(number: str) -> str:
        record = site.reader.by_number(LicenceNumber.parse(number))
        return _licence_page(site, verify_record(site, record))

    @bp.get("/licence/<number>.ofd")
    def licence_ofd_file(number: str) -> Response:
        """The sealed OFD, as the bureau service made it (this site holds no keys)."""
        record = site.reader.by_number(LicenceNumber.parse(number))
        if not offers_sealed_file(record):
            raise Gone(f"licence {record.number} is {i18n.STATUS_NAMES[record.status]['en']}"
                       f" ({i18n.STATUS_NAMES[record.status]['zh']}): its sealed file said it"
                       " was valid when it was made, and is no longer offered")
        stored = site.reader.stored_file(record, "ofd")
        if stored is None:
            raise NotFound(f"licence {record.number} has no OFD (its bureau seals with SM2 "
                           "only; the file is made when the licence is issued or changed)")
        data, identifier = stored
        return Response(data, mimetype="application/ofd", headers={
            "Content-Disposition": f"attachment; filename={identifier}.ofd",
            "Cache-Control": "no-cache"})

    @bp.get("/licence/<number>.pdf")
    def licence_pdf_page(number: str) -> Response:
        record = site.reader.by_number(LicenceNumber.parse(number))
        if record.token is None:
            raise NotFound(f"licence {record.number} is not signed yet")
        data = licence_pdf(record, qr_text(site.public_url, record.token),
                           find_font(current_app.config.get("PDF_FONT")),
                           i18n.STATUS_NAMES[record.status]["zh"])
        return Response(data, mimetype="application/pdf", headers={
            "Content-Disposition": f"inline; filename=licence-{record.number.serial:05d}.pdf",
            "Cache-Control": "no-cache"})

    @bp.get("/search")
    def search_page() -> str | BaseResponse:
        page = page_number(request.args.get("page", "1"))
        result = search(site.reader, request.args.get("q", ""), page)
        pages = max(1, -(-result.total // PER_PAGE))
        return render_template("search.html", result=result, page=page, pages=pages,
                               links=links)

    @bp.get("/enterprise/<uscc>")
    def enterprise(uscc: str) -> str:
        records = enterprise_licences(site, uscc)
        uscc = records[0].enterprise.uscc
        history = site.reader.declarations(uscc)
        return render_template("enterprise.html", records=records,
                               enterprise=records[0].enterprise, links=links,
                               declaration=current_declaration(history), history=history,
                               recalls=site.reader.recalls(uscc),
                               spot_checks=site.reader.spot_checks(uscc),
                               insurance=site.reader.insurance(uscc, china_date(utcnow())))

    @bp.get("/scan")
    def scan() -> str:
        return render_template("scan.html", error=None)

    @bp.post("/scan")
    def scan_upload() -> tuple[str, int] | BaseResponse:
        photo = request.files.get("photo")
        if photo is None:
            return render_template("scan.html", error="请选择一张照片 / Choose a photo"), 400
        data = photo.read(MAX_PHOTO + 1)
        if len(data) > MAX_PHOTO:
            return render_template("scan.html", error="照片超过 5 MB / The photo is over 5 MB"), 413
        if not any(data.startswith(magic) for magic in PHOTO_TYPES):
            return render_template("scan.html", error="只接受 JPEG、PNG、WebP 或 GIF 图片 / "
                                                      "Only JPEG, PNG, WebP or GIF"), 415
        try:
            text = read_qr(data)
            token = token_from_text(text)
        except (MalformedToken, ValueError, OSError):
            return render_template("scan.html", error="照片中没有找到许可证二维码 / No licence QR "
                                                      "found in the photo"), 422
        return redirect("/V/" + token_to_digits(token), 303)

    @bp.get("/progress")
    def progress() -> tuple[str, int] | str:
        """办件进度查询: an application's steps, by its number and its enterprise's USCC."""
        number, code = request.args.get("application", ""), request.args.get("uscc", "")
        if not number and not code:
            return render_template("progress.html", progress=None, asked=False)
        found = None
        if number.isascii() and number.isdigit() and len(number) < 10 and len(code) <= 18:
            with contextlib.suppress(ValidationError):
                found = site.reader.application_progress(int(number),
                                                         validate_uscc(code, "uscc"))
        return render_template("progress.html", progress=found, asked=True,
                               number=number, uscc=code), (200 if found else 404)

    @bp.get("/trust")
    def trust() -> str:
        _, _, der = asn1_pem.unarmor(site.root_certificate.read_bytes())
        certificate = read_certificate(der)
        fingerprint = hashlib.sha256(der).hexdigest()
        public_key = certificate.public_key.hex()
        status = None
        with contextlib.suppress(FileNotFoundError, TrustListError):
            status = StatusList.load(site.status_list_path.read_bytes(), site.trust_list())
        return render_template("trust.html", fingerprint=_grouped(fingerprint),
                               public_key=_grouped(public_key), status=status,
                               algorithm=certificate.algorithm.label)

    @bp.get("/qr/<number>.<kind>")
    def qr_image(number: str, kind: str) -> Response:
        if kind not in ("png", "svg"):
            abort(404)
        record = site.reader.by_number(LicenceNumber.parse(number))
        if record.token is None:
            abort(404)
        return _qr_response(qr_text(site.public_url, record.token), kind)

    @bp.get("/healthz")
    def healthz() -> dict[str, str]:
        """Liveness: the process answers (nothing else is looked at, so it stays cheap)."""
        return {"status": "ok"}

    @bp.get("/readyz")
    def readyz() -> dict[str, str]:
        """Readiness: the database answers and the trust list is published; else 503."""
        ready(site.reader.engine)
        site.trust_list()
        return {"status": "ready"}

    return bp


def _licence_page(site: Site, verdict: Verdict) -> str:
    view = claims_view(verdict)
    detail = None
    record = None
    if view is not None:
        try:
            record = site.reader.by_number(LicenceNumber.parse(view["number"]))
            detail = site.reader.status_detail(record.number)
        except CertsvcError:
            record = None
    declaration, recalls, commitment, identifier, has_ofd = None, [], None, None, False
    if record is not None:
        version = site.reader.version(record)
        identifier = str(identifier_of(record.number, version))
        has_ofd = site.reader.has_file(record, version, "ofd")
        commitment = site.reader.pending_commitment(record.number)
        declaration = current_declaration(site.reader.declarations(record.enterprise.uscc))
        units = {u.id for u in record.scope}
        recalls = [r for r in site.reader.recalls(record.enterprise.uscc)
                   if units & set(r["unit_ids"])]
    return render_template("landing.html", verdict=verdict, licence=view, record=record,
                           detail=detail, links=links, declaration=declaration,
                           recalls=recalls, commitment=commitment, identifier=identifier,
                           placeholder=record is not None and identifier_has_placeholders(
                               record.number.bureau), has_ofd=has_ofd)


def _grouped(hex_text: str) -> str:
    return " ".join(hex_text[i:i + 4] for i in range(0, len(hex_text), 4))


@lru_cache(maxsize=1024)
def _qr_bytes(text: str, kind: str) -> bytes:
    return qr_png(text) if kind == "png" else qr_svg(text).encode()


def _qr_response(text: str, kind: str) -> Response:
    mimetype = "image/png" if kind == "png" else "image/svg+xml"
    response = Response(_qr_bytes(text, kind), mimetype=mimetype)
    response.cache_control.public = True
    response.cache_control.max_age = 86400
    response.set_etag(hashlib.sha256(text.encode()).hexdigest()[:32])
    return response
