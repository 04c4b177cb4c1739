"""举报: the public's report form and its receipt, served by the bureau service (it writes),
with no account: ``/report`` (the form, filled in from the page that links to it) and
``/report/status`` (a report's state by its receipt code, asked with POST so the code stays
out of addresses and logs).

The form works with JavaScript off. What keeps machines out needs none either: the form's
sealed one-time token, a minimum time to fill it in, a trap field hidden from people, and a
limit of reports per client address (``certsvc.workflow.complaints``). A refusal is a page
that says why, with the status a machine can read (400, 413, 422 or 429).

    app.register_blueprint(reports_blueprint(services))
"""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any

from flask import Blueprint, g, render_template, request

from certsvc.api.error_pages import error_pages, page_headers
from certsvc.api.services import Services
from certsvc.console.forms import body_from_form, form_errors, input_type
from certsvc.domain.complaints import COMPLAINT_SPEC, KINDS, KINDS_EN, MAX_PHOTO, STATES_EN
from certsvc.domain.time import utcnow
from certsvc.errors import CertsvcError, ValidationError
from certsvc.store.throttle import ClientThrottle

log = logging.getLogger("certsvc.reports")
PREFIX = "/report"
STATUS_LOOKUPS = 30  # receipt lookups per client address and 10 minutes
# what a linking page may fill in: query parameter → form field
PREFILL = {"kind": "kind", "number": "licence_number", "uscc": "uscc",
           "name": "enterprise_name", "qr": "qr_text"}


def reports_blueprint(services: Services) -> Blueprint:
    bp = Blueprint("reports", __name__, url_prefix=PREFIX, template_folder="templates")
    complaints = services.complaints
    limits: dict[str, ClientThrottle] = {}

    @bp.record_once
    def _limits(state: Any) -> None:
        app_config = state.app.config
        limits["report"] = ClientThrottle(services.engine, "report",
                                          int(app_config["REPORTS_PER_HOUR"]), 3600)
        limits["status"] = ClientThrottle(services.engine, "report-status", STATUS_LOOKUPS, 600)

    @bp.before_request
    def request_id() -> None:
        g.request_id = uuid.uuid4().hex
        request.max_content_length = MAX_PHOTO + 64 * 1024

    page_headers(bp)
    error_pages(bp, "reports/error.html", log)

    @bp.get("")
    def form() -> str:
        values = {field: request.args.get(arg, "")[:2000] for arg, field in PREFILL.items()}
        if values["kind"] not in KINDS:
            values["kind"] = "product_problem"
        return _form_page(values, {})

    @bp.post("")
    def submit() -> tuple[str, int] | tuple[str, int, dict[str, str]]:
        client = request.remote_addr or "-"
        if not limits["report"].allow(client, time.time()):
            return (render_template(
                "reports/error.html", title="提交过于频繁 Too many reports",
                detail="同一网络一小时内的举报次数已达上限，请稍后再试 / This network has sent "
                       "the most reports an hour allows; try again later"),
                429, {"Retry-After": "3600"})
        values = {k: v for k, v in request.form.items()
                  if k not in ("token", "website")}
        upload = request.files.get("photo")
        photo = upload.read(MAX_PHOTO + 1) if upload is not None and upload.filename else None
        try:
            receipt = complaints.submit(
                body_from_form(COMPLAINT_SPEC, request.form), photo,
                request.form.get("token", ""), request.form.get("website", ""), utcnow(),
                g.request_id)
        except ValidationError as invalid:
            return _form_page(values, form_errors(invalid)), 422
        return render_template("reports/receipt.html", receipt=receipt,
                               kinds_en=KINDS_EN, states_en=STATES_EN), 201

    @bp.get("/status")
    def status_form() -> str:
        return render_template("reports/status.html", report=None, error=None)

    @bp.post("/status")
    def status() -> tuple[str, int] | tuple[str, int, dict[str, str]]:
        if not limits["status"].allow(request.remote_addr or "-", time.time()):
            return (render_template("reports/error.html", title="查询过于频繁 Too many lookups",
                                    detail="请稍后再试 / Try again later"),
                    429, {"Retry-After": "600"})
        code = request.form.get("receipt", "")[:64]
        try:
            report = complaints.status(code, utcnow())
        except CertsvcError as missing:
            return render_template("reports/status.html", report=None,
                                   error=missing.detail), missing.status
        return render_template("reports/status.html", report=report, error=None,
                               kinds_en=KINDS_EN, states_en=STATES_EN), 200

    def _form_page(values: dict[str, str], errors: dict[str, str]) -> str:
        return render_template("reports/form.html", spec=COMPLAINT_SPEC, values=values,
                               errors=errors, token=complaints.form_token(utcnow()),
                               input_type=input_type, units=[], max_photo=MAX_PHOTO,
                               choice_labels={"kind": {k: f"{v} {KINDS_EN[k]}"
                                                       for k, v in KINDS.items()}})

    return bp
