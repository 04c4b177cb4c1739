"""The bureau service's routes: thin — parse the request, call the workflow, shape JSON."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
from collections.abc import Iterator
from typing import Any

from flask import Flask, Response, g, request

from certsvc.api.downloads import download, named_after
from certsvc.api.idempotent import run_idempotently
from certsvc.api.json_body import parse_json_body
from certsvc.api.services import Services
from certsvc.config import STATUS_LIST_FILE
from certsvc.console.forms import body_from_form
from certsvc.credential.feed import page_payload, render_page, signature_line
from certsvc.domain.accounts import Principal
from certsvc.domain.documents import MAX_DOCUMENT
from certsvc.domain.e_licence import HOLDER_TYPE_USCC
from certsvc.domain.fields import digits
from certsvc.domain.licence_number import LicenceNumber
from certsvc.domain.lifecycle import DUE_WITHIN_MAX
from certsvc.domain.time import as_utc, utcnow
from certsvc.domain.uscc import validate_uscc
from certsvc.errors import NotFound, ValidationError
from certsvc.publish.artefacts import delta_path
from certsvc.publish.exports import events_as_csv, licences_as_csv
from certsvc.store import feed
from certsvc.workflow.audit_log import AUDIT_QUERY
from certsvc.workflow.sharing import STANDING_READERS

STATUS_LIST_CACHE = "public, max-age=60, must-revalidate"
# Ids in paths: positive and within a 32-bit column on every database. A larger number
# names nothing (404), instead of reaching the database and failing there.
ID = "int(min=1, max=2147483647)"
MAX_PAGE = 500
YEAR = "int(min=1, max=9999)"


def register_routes(app: Flask, services: Services) -> None:
    def principal() -> Principal:
        found: Principal = g.principal
        return found

    @app.get("/api/v1/me")
    def me() -> Response:
        p = principal()
        return _json({"account_id": p.account_id, "role": p.role.value, "name": p.name,
                      "bureau_code": p.bureau_code, "uscc": p.uscc,
                      "institution_id": p.institution_id})

    @app.post("/api/v1/applications")
    def submit() -> Response:
        p = principal()
        return run_idempotently(services, p, lambda: _json(
            services.applications.submit(p, _body(), utcnow(), g.request_id), 201))

    @app.get("/api/v1/applications")
    def list_applications() -> Response:
        args = request.args
        due_within = args.get("due_within")
        items = services.applications.list(
            principal(), utcnow(), state=_text_arg("state"),
            due_within=(_int_arg("due_within", maximum=DUE_WITHIN_MAX)
                        if due_within is not None else None),
            overdue=args.get("overdue") in ("1", "true"),
            post_review=_text_arg("post_review"), after_id=_int_arg("after", 0),
            limit=_int_arg("limit", 100, MAX_PAGE))
        return _json({"items": items, "next_after": items[-1]["id"] if items else None})

    @app.get(f"/api/v1/applications/<{ID}:application_id>")
    def get_application(application_id: int) -> Response:
        return _json(services.applications.get(principal(), application_id, utcnow()))

    @app.post(f"/api/v1/applications/<{ID}:application_id>/<action>")
    def application_action(application_id: int, action: str) -> Response:
        p = principal()
        return run_idempotently(services, p, lambda: _json(services.applications.act(
            p, application_id, action, _body(empty_ok=True), utcnow(), g.request_id)))

    @app.post("/api/v1/documents")
    def upload_document() -> Response:
        """A document (multipart/form-data, part ``file``): its reference for the
        application's materials."""
        p = principal()
        request.max_content_length = MAX_DOCUMENT + 64 * 1024
        upload = request.files.get("file")
        if upload is None:
            raise ValidationError("file", "send the document as multipart/form-data, part "
                                          "'file'")
        data = upload.read(MAX_DOCUMENT + 1)
        return run_idempotently(services, p, lambda: _json(services.documents.upload(
            p, upload.filename or "", data, utcnow(), g.request_id), 201))

    @app.get(f"/api/v1/applications/<{ID}:application_id>/documents/<material>")
    def application_document(application_id: int, material: str) -> Response:
        data, media_type, name = services.documents.read(principal(), application_id,
                                                         material)
        return download(data, media_type, name)

    @app.post("/api/v1/licences/<number>/<action>")
    def licence_action(number: str, action: str) -> Response:
        p = principal()
        parsed = LicenceNumber.parse(number)
        return run_idempotently(services, p, lambda: _json(services.licences.act(
            p, parsed, action, _body(empty_ok=True), utcnow(), g.request_id)))

    @app.get("/api/v1/licences/<number>/ofd")
    def licence_ofd(number: str) -> Response:
        """The sealed OFD of the licence (made on first request if not made at issue)."""
        data, name = services.files.for_principal(principal(), LicenceNumber.parse(number),
                                                  utcnow())
        return download(data, "application/ofd", name, no_store=True)

    @app.post("/api/v1/bulk-status-changes/preview")
    def preview_bulk() -> Response:
        return _json(services.bulk.preview(principal(), _body(), utcnow()))

    @app.post("/api/v1/bulk-status-changes")
    def apply_bulk() -> Response:
        p = principal()
        return run_idempotently(services, p, lambda: _json(
            services.bulk.apply(p, _body(), utcnow(), g.request_id)))

    @app.post("/api/v1/calendar/notices")
    def load_holiday_notice() -> Response:
        p = principal()
        return run_idempotently(services, p, lambda: _json(
            services.holiday_notices.load(p, _body(), utcnow(), g.request_id), 201))

    @app.get(f"/api/v1/calendar/<{YEAR}:year>")
    def calendar_year(year: int) -> Response:
        principal()
        return _json(services.holiday_notices.year(year))

    @app.post("/api/v1/catalogue/withdrawals")
    def apply_withdrawals() -> Response:
        p = principal()
        return run_idempotently(services, p, lambda: _json({
            "no_longer_required": services.licences.apply_withdrawals(
                p, utcnow(), g.request_id)}))

    @app.post("/api/v1/declarations")
    def publish_declaration() -> Response:
        p = principal()
        return run_idempotently(services, p, lambda: _json(
            services.declarations.publish(p, _body(), utcnow(), g.request_id), 201))

    @app.post("/api/v1/declarations/withdraw")
    def withdraw_declaration() -> Response:
        p = principal()
        return run_idempotently(services, p, lambda: _json(
            services.declarations.withdraw(p, utcnow(), g.request_id)))

    @app.post("/api/v1/accidents")
    def report_accident() -> Response:
        p = principal()
        return run_idempotently(services, p, lambda: _json(
            services.accidents.report(p, _body(), utcnow(), g.request_id), 201))

    @app.post(f"/api/v1/accidents/<{ID}:accident_id>/follow_up")
    def accident_follow_up(accident_id: int) -> Response:
        p = principal()
        return run_idempotently(services, p, lambda: _json(services.accidents.follow_up(
            p, accident_id, _body(), utcnow(), g.request_id)))

    @app.get("/api/v1/accidents")
    def list_accidents() -> Response:
        return _listing(services.accidents.list(
            principal(), utcnow(), late=_flag("late"),
            missing_follow_up=_flag("missing_follow_up"), **_page_args()))

    @app.get("/api/v1/spot-checks")
    def list_spot_checks() -> Response:
        return _listing(services.spot_checks.list(principal(), **_page_args()))

    @app.get("/api/v1/recalls")
    def list_recalls() -> Response:
        return _listing(services.recalls.list(principal(), open_only=_flag("open"),
                                              **_page_args()))

    @app.get("/api/v1/measures")
    def list_measures() -> Response:
        return _listing(services.measures.list(principal(), open_only=_flag("open"),
                                               **_page_args()))

    @app.post("/api/v1/spot-checks")
    def record_spot_check() -> Response:
        p = principal()
        return run_idempotently(services, p, lambda: _json(
            services.spot_checks.record(p, _body(), utcnow(), g.request_id), 201))

    @app.post("/api/v1/recalls")
    def announce_recall() -> Response:
        p = principal()
        return run_idempotently(services, p, lambda: _json(
            services.recalls.announce(p, _body(), utcnow(), g.request_id), 201))

    @app.post(f"/api/v1/recalls/<{ID}:recall_id>/close")
    def close_recall(recall_id: int) -> Response:
        p = principal()
        return run_idempotently(services, p, lambda: _json(services.recalls.close(
            p, recall_id, _body(), utcnow(), g.request_id)))

    @app.post("/api/v1/institutions")
    def add_institution() -> Response:
        p = principal()
        return run_idempotently(services, p, lambda: _json(
            services.institutions.add(p, _body(), utcnow(), g.request_id), 201))

    @app.post(f"/api/v1/institutions/<{ID}:institution_id>/filing")
    def institution_filing(institution_id: int) -> Response:
        p = principal()
        return run_idempotently(services, p, lambda: _json(services.institutions.file(
            p, institution_id, _body(), utcnow(), g.request_id)))

    @app.post("/api/v1/evaluations")
    def record_evaluation() -> Response:
        p = principal()
        return run_idempotently(services, p, lambda: _json(
            services.grading.evaluate(p, _body(), utcnow(), g.request_id), 201))

    @app.get("/api/v1/evaluations")
    def list_evaluations() -> Response:
        return _listing(services.grading.evaluations(
            principal(), uscc=_text_arg("uscc"), **_page_args()))

    @app.get("/api/v1/grades")
    def list_grades() -> Response:
        items = services.grading.list(principal(), utcnow(), letter=_text_arg("grade"),
                                      after=_text_arg("after") or "",
                                      limit=_int_arg("limit", 100, MAX_PAGE, minimum=1))
        return _json({"items": items, "next_after": items[-1]["uscc"] if items else None})

    @app.get("/api/v1/grades/<uscc>")
    def enterprise_grade(uscc: str) -> Response:
        return _json(services.grading.grade_of(principal(), uscc, utcnow()))

    @app.post("/api/v1/grades/<uscc>/override")
    def override_grade(uscc: str) -> Response:
        p = principal()
        return run_idempotently(services, p, lambda: _json(services.grading.override(
            p, uscc, _body(), utcnow(), g.request_id)))

    @app.get("/api/v1/complaints")
    def list_complaints() -> Response:
        return _listing(services.complaints.list(
            principal(), utcnow(), state=_text_arg("state"), **_page_args()))

    @app.post(f"/api/v1/complaints/<{ID}:complaint_id>/decision")
    def decide_complaint(complaint_id: int) -> Response:
        p = principal()
        return run_idempotently(services, p, lambda: _json(services.complaints.decide(
            p, complaint_id, _body(), utcnow(), g.request_id)))

    @app.get(f"/api/v1/complaints/<{ID}:complaint_id>/photo")
    def complaint_photo(complaint_id: int) -> Response:
        data, media_type = services.complaints.photo(principal(), complaint_id)
        return download(data, media_type, named_after(f"complaint-{complaint_id}", media_type))

    @app.post("/api/v1/recall-orders")
    def order_recall() -> Response:
        p = principal()
        return run_idempotently(services, p, lambda: _json(
            services.recall_orders.order(p, _body(), utcnow(), g.request_id), 201))

    @app.get("/api/v1/recall-orders")
    def list_recall_orders() -> Response:
        return _listing(services.recall_orders.list(
            principal(), utcnow(), state=_text_arg("state"), **_page_args()))

    @app.post(f"/api/v1/institutions/<{ID}:institution_id>/status")
    def institution_status(institution_id: int) -> Response:
        p = principal()
        return run_idempotently(services, p, lambda: _json(services.institutions.set_status(
            p, institution_id, _body(), utcnow(), g.request_id)))

    @app.post("/api/v1/review-bodies")
    def register_review_body() -> Response:
        p = principal()
        return run_idempotently(services, p, lambda: _json(
            services.review_bodies.register(p, _body(), utcnow(), g.request_id), 201))

    @app.get("/api/v1/review-bodies")
    def list_review_bodies() -> Response:
        return _listing(services.review_bodies.list(principal(), **_page_args()))

    @app.post(f"/api/v1/review-bodies/<{ID}:body_id>/reviewers")
    def add_reviewer(body_id: int) -> Response:
        p = principal()
        return run_idempotently(services, p, lambda: _json(services.review_bodies.add_reviewer(
            p, body_id, _body(), utcnow(), g.request_id), 201))

    @app.post(f"/api/v1/review-bodies/<{ID}:body_id>/conflicts")
    def declare_conflict(body_id: int) -> Response:
        p = principal()
        return run_idempotently(services, p, lambda: _json(
            services.review_bodies.declare_conflict(p, body_id, _body(), utcnow(),
                                                    g.request_id), 201))

    @app.post(f"/api/v1/review-bodies/<{ID}:body_id>/status")
    def review_body_status(body_id: int) -> Response:
        p = principal()
        return run_idempotently(services, p, lambda: _json(services.review_bodies.set_status(
            p, body_id, _body(), utcnow(), g.request_id)))

    @app.post("/api/v1/review-bodies/annual-reports")
    def set_report_deadline() -> Response:
        p = principal()
        return run_idempotently(services, p, lambda: _json(
            services.review_bodies.set_deadline(p, _body(), utcnow(), g.request_id)))

    @app.get("/api/v1/review-bodies/annual-reports")
    def list_annual_reports() -> Response:
        return _listing(services.review_bodies.reports(
            principal(), utcnow(), state=_text_arg("state"), **_page_args()))

    @app.post(f"/api/v1/review-bodies/<{ID}:body_id>/annual-reports/<{YEAR}:year>")
    def file_annual_report(body_id: int, year: int) -> Response:
        p = principal()
        return run_idempotently(services, p, lambda: _json(services.review_bodies.file_report(
            p, body_id, year, _body(), utcnow(), g.request_id)))

    @app.post(f"/api/v1/review-bodies/<{ID}:body_id>/annual-reports/<{YEAR}:year>/inspection")
    def inspect_annual_report(body_id: int, year: int) -> Response:
        p = principal()
        return run_idempotently(services, p, lambda: _json(services.review_bodies.inspect(
            p, body_id, year, _body(), utcnow(), g.request_id)))

    @app.get(f"/api/v1/review-bodies/<{ID}:body_id>/annual-reports/<{YEAR}:year>/documents/"
             "<material>")
    def annual_report_document(body_id: int, year: int, material: str) -> Response:
        data, media_type, name = services.review_bodies.report_document(
            principal(), body_id, year, material)
        return download(data, media_type, name)

    @app.post("/api/v1/measures")
    def order_measure() -> Response:
        p = principal()
        return run_idempotently(services, p, lambda: _json(
            services.measures.order(p, _body(), utcnow(), g.request_id), 201))

    @app.post(f"/api/v1/measures/<{ID}:measure_id>/outcome")
    def measure_outcome(measure_id: int) -> Response:
        p = principal()
        return run_idempotently(services, p, lambda: _json(services.measures.outcome(
            p, measure_id, _body(), utcnow(), g.request_id)))

    @app.get("/api/v1/sharing/enterprises/<uscc>")
    def standing(uscc: str) -> Response:
        """For departments and insurers: licensed or not, and what measures stand."""
        code = validate_uscc(uscc, "uscc")
        services.sharing.read(principal(), f"enterprise:{code}", _text_arg("purpose"),
                              utcnow(), g.request_id, readers=STANDING_READERS)
        return _json(services.measures.standing(code, utcnow()))

    # 电子证照共享服务 (GB/T 36906): departments granted the licence type, stating a purpose
    @app.get("/api/v1/sharing/licences")
    def shared_by_holder() -> Response:
        return _json(services.licence_sharing.by_holder(
            principal(), request.args.get("holder_code", "")[:40],
            request.args.get("holder_type", HOLDER_TYPE_USCC)[:3], _text_arg("purpose"),
            utcnow(), g.request_id))

    @app.get("/api/v1/sharing/licences/<identifier>")
    def shared_licence(identifier: str) -> Response:
        return _json(services.licence_sharing.by_identifier(
            principal(), identifier, _text_arg("purpose"), utcnow(), g.request_id))

    @app.get("/api/v1/sharing/licences/<identifier>/status")
    def shared_status(identifier: str) -> Response:
        return _json(services.licence_sharing.status(
            principal(), identifier, _text_arg("purpose"), utcnow(), g.request_id))

    @app.get("/api/v1/sharing/licences/<identifier>/file")
    def shared_file(identifier: str) -> Response:
        data, media_type, name = services.licence_sharing.file(
            principal(), identifier, request.args.get("format", "pdf")[:8],
            _text_arg("purpose"), utcnow(), g.request_id)
        return download(data, media_type, name, no_store=True)

    @app.post("/api/v1/insurance-policies")
    def file_policy() -> Response:
        p = principal()
        return run_idempotently(services, p, lambda: _json(
            services.sharing.file_policy(p, _body(), utcnow(), g.request_id), 201))

    @app.get("/api/v1/insurance-policies")
    def list_policies() -> Response:
        return _listing(services.sharing.policies(principal(), **_page_args()))

    @app.get("/api/v1/audit")
    def audit_log() -> Response:
        entries = services.audit_log.search(principal(), body_from_form(AUDIT_QUERY,
                                                                        request.args))
        items = [e.to_dict() for e in entries]
        return _json({"items": items, "next_after": items[-1]["id"] if items else None})

    @app.get("/api/v1/feed")
    def feed_page() -> Response:
        """Signed JSON Lines of every change after the cursor (departments, auditors)."""
        families = services.sharing.read(principal(), f"feed:after={_raw_arg('after')}",
                                          _text_arg("purpose"), utcnow(), g.request_id)
        with services.engine.connect() as conn:
            events = feed.page(conn, _int_arg("after", 0), _int_arg("limit", 100, MAX_PAGE),
                               families)
        lines = render_page(events)
        signature = services.signer.sign_feed_page(page_payload(lines), utcnow())
        response = Response(lines + signature_line(signature), mimetype="application/jsonl")
        if events:
            response.headers["Certsvc-Next-After"] = str(events[-1]["id"])
        return response

    @app.get("/api/v1/exports/licences.csv")
    def licences_csv() -> Response:
        """Every licence, one row each, for people with a spreadsheet (departments);
        streamed as it is read."""
        services.sharing.read(principal(), "export:licences.csv", _text_arg("purpose"),
                              utcnow(), g.request_id, family="licence")
        return _csv_download(licences_as_csv(services.engine), "licences.csv")

    @app.get("/api/v1/exports/events.csv")
    def events_csv() -> Response:
        """The feed's events after a cursor, as a spreadsheet; streamed as it is read."""
        families = services.sharing.read(
            principal(), f"export:events.csv?after={_raw_arg('after')}",
            _text_arg("purpose"), utcnow(), g.request_id)
        return _csv_download(events_as_csv(services.engine, _int_arg("after", 0), families),
                             "events.csv")

    @app.get("/api/v1/status-list")
    def status_list() -> Response:
        return _static(services.publish_dir / STATUS_LIST_FILE, "the status list")

    @app.get("/api/v1/status-list/delta")
    def status_list_delta() -> Response:
        since = _int_arg("since", minimum=1)
        return _static(delta_path(services.publish_dir, since),
                       f"a delta from version {since} (too old or too new: fetch the full list)")


def _listing(items: list[dict[str, Any]]) -> Response:
    """A page of a newest-first list, with the cursor for the next (older) page."""
    return _json({"items": items, "next_before": items[-1]["id"] if items else None})


def _page_args() -> dict[str, Any]:
    before = request.args.get("before")
    return {"before": _int_arg("before", minimum=1, maximum=2**31 - 1) if before else None,
            "limit": _int_arg("limit", 100, MAX_PAGE, minimum=1)}


def _flag(name: str) -> bool:
    return request.args.get(name) in ("1", "true")


def _static(path: Any, what: str) -> Response:
    """A published file with a strong ETag (its hash), revalidated with If-None-Match."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise NotFound(f"{what} is not published") from None
    etag = hashlib.sha256(data).hexdigest()[:32]
    response = Response(data, mimetype="application/cose")
    response.set_etag(etag)
    response.headers["Cache-Control"] = STATUS_LIST_CACHE
    response.make_conditional(request)
    return response


def _csv_download(chunks: Iterator[bytes], name: str) -> Response:
    """A streamed CSV. Its first chunk is made before the answer starts, so that a database
    that is away is a 503 problem, not a download cut short after a 200."""
    first = next(chunks)
    return Response(itertools.chain((first,), chunks), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={name}"})


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status=status,
                    mimetype="application/json")


def _body(empty_ok: bool = False) -> Any:
    raw = request.get_data()
    if not raw.strip() and empty_ok:
        return {}
    if request.mimetype != "application/json":
        raise ValidationError("Content-Type", "must be application/json")
    return parse_json_body(raw)


def _int_arg(name: str, default: int | None = None, maximum: int = 10**9,
             minimum: int = 0) -> int:
    value = request.args.get(name)
    if value is None:
        if default is None:
            raise ValidationError(name, "is required")
        return default
    number = digits(value, 12)
    if number is None or not minimum <= number <= maximum:
        raise ValidationError(name, f"must be an integer from {minimum} to {maximum}")
    return number


def _raw_arg(name: str) -> str:
    """A query parameter as sent (at most 20 characters), for the audit log of a read."""
    return request.args.get(name, "")[:20]


def _text_arg(name: str) -> str | None:
    """A text filter: at most 100 characters and no control characters (PostgreSQL refuses
    NUL in text, and nothing stored contains them)."""
    value = request.args.get(name)
    if value is not None and (len(value) > 100 or any(ord(c) < 32 for c in value)):
        raise ValidationError(name, "must be at most 100 characters, without control "
                                    "characters")
    return value


def _time_arg(name: str) -> dt.datetime | None:
    value = request.args.get(name)
    if value is None:
        return None
    try:
        return as_utc(dt.datetime.fromisoformat(value))
    except ValueError:
        raise ValidationError(name, "must be an ISO 8601 time") from None
