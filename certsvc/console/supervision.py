"""The console's supervision pages: the duty lists, each duty as its form (declarations,
accidents, recalls, spot checks, measures, institutions, catalogue withdrawals), bulk
revocation and cancellation, the audit log and a bureau's staff.

Every form is made from the duty's spec and posts to the same workflow call as the API; the
lists are the API's lists. What a role is not offered here, the workflow refuses anyway.

    register_supervision(blueprint, services)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, g, redirect, render_template, request
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response as BaseResponse

from certsvc.api.downloads import download, named_after
from certsvc.api.services import Services
from certsvc.console.access import signed_in, units
from certsvc.console.forms import IRREVERSIBLE, body_from_form, form_errors, input_type
from certsvc.domain.accidents import ACCIDENT_SPEC, FOLLOW_UP_SPEC
from certsvc.domain.accounts import Principal, Role
from certsvc.domain.bulk import BULK_SPEC, MAX_BULK
from certsvc.domain.catalogue import Unit
from certsvc.domain.complaints import DECISION_SPEC
from certsvc.domain.declarations import DECLARATION_SPEC, STANDARD_COMMITMENT
from certsvc.domain.duties import (
    FILING_SPEC,
    INSTITUTION_SPEC,
    MEASURE_SPEC,
    OUTCOME_SPEC,
    RECALL_CLOSE_SPEC,
    RECALL_ORDER_SPEC,
    RECALL_SPEC,
    SPOT_CHECK_SPEC,
)
from certsvc.domain.evaluations import EVALUATION_SPEC
from certsvc.domain.fields import digits
from certsvc.domain.holiday_notice import NOTICE_SPEC
from certsvc.domain.review_bodies import (
    BODY_STATUS_SPEC,
    CONFLICT_SPEC,
    INSTITUTION_STATUS_SPEC,
    REPORTING_SPEC,
    REVIEW_BODY_SPEC,
    REVIEWER_SPEC,
)
from certsvc.domain.specs import NO_BODY, Spec
from certsvc.domain.time import utcnow
from certsvc.errors import ValidationError
from certsvc.workflow.audit_log import AUDIT_QUERY, READERS
from certsvc.workflow.authz import SUPERVISORS
from certsvc.workflow.signin import Session, administers_staff

Act = Callable[["Services", Principal, int, Any, dt.datetime, str], object]
BUREAUS = frozenset({Role.PROVINCIAL, Role.NATIONAL})
ENTERPRISE = frozenset({Role.ENTERPRISE})
LIST_READERS = frozenset({Role.PROVINCIAL, Role.NATIONAL, Role.AUDITOR, Role.ENTERPRISE,
                          Role.LOCAL})
REGISTER_READERS = frozenset({Role.PROVINCIAL, Role.NATIONAL, Role.AUDITOR,
                              Role.REVIEW_BODY})  # the review bodies and their reports
MAX_NUMBERS_FILE = 64 * 1024  # a list of 1,000 licence numbers is about 25 kB
ACCIDENTS_SHOWN = 100  # accident reports the supervision page lists (late and overdue first)
GRADES_SHOWN = 50  # enterprises the supervision page grades (the API pages on)
REVIEWS_SHOWN = 50  # on-site reviews after issue on commitment it lists, due and failed each


@dataclass(frozen=True)
class Duty:
    """A supervision duty offered as a form: who is offered it, its spec, the workflow
    call; ``subject`` names the record it acts on (its id is in the URL), if any."""

    term_zh: str
    term_en: str
    spec: Spec
    roles: frozenset[Role]
    act: Act
    subject: str | None = None


DUTIES: dict[str, Duty] = {
    "declaration": Duty(
        "标准自我声明与公开承诺", "Standards declaration", DECLARATION_SPEC, ENTERPRISE,
        lambda s, p, _, body, now, rid: s.declarations.publish(p, body, now, rid)),
    "declaration-withdrawal": Duty(
        "撤回标准自我声明", "Withdraw the declaration", NO_BODY, ENTERPRISE,
        lambda s, p, _, body, now, rid: s.declarations.withdraw(p, now, rid)),
    "accident": Duty(
        "产品质量安全事故报告", "Report an accident", ACCIDENT_SPEC, ENTERPRISE,
        lambda s, p, _, body, now, rid: s.accidents.report(p, body, now, rid)),
    "accident-follow-up": Duty(
        "事故后续报告", "Accident follow-up", FOLLOW_UP_SPEC, ENTERPRISE,
        lambda s, p, i, body, now, rid: s.accidents.follow_up(p, i, body, now, rid),
        "accident"),
    "recall": Duty(
        "召回公告", "Announce a recall", RECALL_SPEC, ENTERPRISE,
        lambda s, p, _, body, now, rid: s.recalls.announce(p, body, now, rid)),
    "recall-close": Duty(
        "结束召回", "Close a recall", RECALL_CLOSE_SPEC, ENTERPRISE,
        lambda s, p, i, body, now, rid: s.recalls.close(p, i, body, now, rid), "recall"),
    "spot-check": Duty(
        "监督抽查结果", "Record a spot check", SPOT_CHECK_SPEC, SUPERVISORS,
        lambda s, p, _, body, now, rid: s.spot_checks.record(p, body, now, rid)),
    "measure": Duty(
        "监管措施", "Order a measure", MEASURE_SPEC, SUPERVISORS,
        lambda s, p, _, body, now, rid: s.measures.order(p, body, now, rid)),
    "measure-outcome": Duty(
        "措施结论", "Close a measure", OUTCOME_SPEC, SUPERVISORS,
        lambda s, p, i, body, now, rid: s.measures.outcome(p, i, body, now, rid), "measure"),
    "recall-order": Duty(
        "责令召回", "Order a recall", RECALL_ORDER_SPEC, SUPERVISORS,
        lambda s, p, _, body, now, rid: s.recall_orders.order(p, body, now, rid)),
    "institution": Duty(
        "检验机构登记", "Add an inspection institution", INSTITUTION_SPEC,
        frozenset({Role.NATIONAL}),
        lambda s, p, _, body, now, rid: s.institutions.add(p, body, now, rid)),
    "institution-filing": Duty(
        "检验机构备案", "Institution filing", FILING_SPEC, frozenset({Role.NATIONAL}),
        lambda s, p, i, body, now, rid: s.institutions.file(p, i, body, now, rid),
        "institution"),
    "evaluation": Duty(
        "质量安全评价", "Record a quality-safety evaluation", EVALUATION_SPEC,
        frozenset({Role.REVIEW_BODY}),
        lambda s, p, _, body, now, rid: s.grading.evaluate(p, body, now, rid)),
    "complaint-decision": Duty(
        "举报核查结论", "Decide on a report", DECISION_SPEC, SUPERVISORS,
        lambda s, p, i, body, now, rid: s.complaints.decide(p, i, body, now, rid), "report"),
    "institution-status": Duty(
        "禁止或恢复承担检验任务", "Bar an institution, or lift the bar", INSTITUTION_STATUS_SPEC,
        frozenset({Role.NATIONAL}),
        lambda s, p, i, body, now, rid: s.institutions.set_status(p, i, body, now, rid),
        "institution"),
    "review-body": Duty(
        "审查机构登记", "Register a review body", REVIEW_BODY_SPEC, BUREAUS,
        lambda s, p, _, body, now, rid: s.review_bodies.register(p, body, now, rid)),
    "reviewer": Duty(
        "审查员登记", "Register a reviewer", REVIEWER_SPEC, BUREAUS,
        lambda s, p, i, body, now, rid: s.review_bodies.add_reviewer(p, i, body, now, rid),
        "review body"),
    "review-conflict": Duty(
        "利益冲突声明", "Declare a conflict of interest", CONFLICT_SPEC,
        BUREAUS | {Role.REVIEW_BODY},
        lambda s, p, i, body, now, rid: s.review_bodies.declare_conflict(p, i, body, now,
                                                                         rid),
        "review body"),
    "review-body-status": Duty(
        "暂停、禁止或恢复审查机构", "Suspend, bar or reinstate a review body",
        BODY_STATUS_SPEC, BUREAUS,
        lambda s, p, i, body, now, rid: s.review_bodies.set_status(p, i, body, now, rid),
        "review body"),
    "report-deadline": Duty(
        "年度报告提交期限", "Set when annual reports are due", REPORTING_SPEC, BUREAUS,
        lambda s, p, _, body, now, rid: s.review_bodies.set_deadline(p, body, now, rid)),
    "holiday-notice": Duty(
        "放假安排通知", "Load a holiday notice", NOTICE_SPEC, frozenset({Role.NATIONAL}),
        lambda s, p, _, body, now, rid: s.holiday_notices.load(p, body, now, rid)),
    "catalogue-withdrawals": Duty(
        "目录调整：不再实行许可", "Apply catalogue withdrawals", NO_BODY,
        frozenset({Role.NATIONAL}),
        lambda s, p, _, body, now, rid: s.licences.apply_withdrawals(p, now, rid)),
}


def _accidents_first_due(services: Services, p: Principal, now: dt.datetime
                         ) -> list[dict[str, Any]]:
    """The accident reports a clerk sees first: late ones, then those whose follow-up is
    overdue, then the newest — a bounded page of each, without repeats."""
    shown: dict[int, dict[str, Any]] = {}
    for page in (services.accidents.list(p, now, late=True, limit=ACCIDENTS_SHOWN),
                 services.accidents.list(p, now, missing_follow_up=True,
                                         limit=ACCIDENTS_SHOWN),
                 services.accidents.list(p, now, limit=ACCIDENTS_SHOWN)):
        for accident in page:
            shown.setdefault(accident["id"], accident)
    return list(shown.values())[:ACCIDENTS_SHOWN]


def register_supervision(bp: Blueprint, services: Services) -> None:
    @bp.get("/supervision")
    def supervision() -> str | BaseResponse:
        session = signed_in()
        if not isinstance(session, Session):
            return session
        p = session.principal
        lists: dict[str, Any] = {}
        if p.role in LIST_READERS:
            now = utcnow()
            lists = {
                "accidents": _accidents_first_due(services, p, now),
                "recalls": services.recalls.list(p, open_only=True),
                "measures": services.measures.list(p, open_only=True),
                "spot_checks": services.spot_checks.list(p, limit=50),
            }
            lists["recall_orders"] = services.recall_orders.list(p, now, state="open",
                                                                 limit=50)
            if p.role is not Role.ENTERPRISE:  # grades; never the reports about itself
                lists["grades"] = services.grading.list(p, now, limit=GRADES_SHOWN)
                lists["complaints"] = services.complaints.list(p, now, state="open",
                                                              limit=50)
            if p.is_bureau:  # 告知承诺: the on-site reviews due (soonest first), failed
                reviews = services.applications.list(p, now, post_review="due",
                                                     limit=REVIEWS_SHOWN)
                lists["post_reviews"] = sorted(reviews, key=lambda r: r["post_review"]["due"])
                lists["failed_reviews"] = services.applications.list(
                    p, now, post_review="failed", newest_first=True, limit=REVIEWS_SHOWN)
        if p.role is Role.ENTERPRISE:
            lists["declaration"] = services.declarations.current(p)
        if p.role in REGISTER_READERS:
            lists["review_bodies"] = services.review_bodies.list(p, limit=50)
            lists["annual_reports"] = [
                *services.review_bodies.reports(p, utcnow(), state="overdue", limit=50),
                *services.review_bodies.reports(p, utcnow(), state="due", limit=50),
                *services.review_bodies.reports(p, utcnow(), state="filed", limit=50)]
        return render_template(
            "console/supervision.html", session=session, lists=lists,
            institutions=services.institutions.list(), duties=_offered(p),
            done=request.args.get("done"))

    @bp.get("/duties/<name>")
    @bp.get("/duties/<name>/<int(min=1, max=2147483647):subject_id>")
    def duty_form(name: str, subject_id: int = 0) -> str | BaseResponse:
        session = signed_in()
        if not isinstance(session, Session):
            return session
        duty = _duty(session.principal, name, subject_id)
        values = {"commitment": STANDARD_COMMITMENT} if name == "declaration" else {}
        return _duty_page(session, name, duty, subject_id, values, {})

    @bp.post("/duties/<name>")
    @bp.post("/duties/<name>/<int(min=1, max=2147483647):subject_id>")
    def take_duty(name: str, subject_id: int = 0) -> tuple[str, int] | BaseResponse:
        session = signed_in()
        if not isinstance(session, Session):
            return session
        duty = _duty(session.principal, name, subject_id)
        values = {k: v for k, v in request.form.items() if k != "csrf"}
        if name in IRREVERSIBLE and request.form.get("confirm") != "yes":
            return _duty_page(session, name, duty, subject_id, values,
                              {"confirm": "请勾选确认 / Tick to confirm"}), 422
        try:
            duty.act(services, session.principal, subject_id,
                     body_from_form(duty.spec, request.form), utcnow(), g.request_id)
        except ValidationError as invalid:
            return _duty_page(session, name, duty, subject_id, values,
                              form_errors(invalid)), 422
        return redirect(f"/console/supervision?done={name}", 303)

    def _duty_page(session: Session, name: str, duty: Duty, subject_id: int,
                   values: dict[str, str], errors: dict[str, str]) -> str:
        return render_template(
            "console/duty.html", session=session, name=name, duty=duty,
            subject_id=subject_id, values=values, errors=errors,
            units=_units_for(session.principal, name), input_type=input_type,
            irreversible=IRREVERSIBLE)

    def _units_for(p: Principal, name: str) -> list[Unit]:
        """An enterprise picks among the units of its licences in force; a bureau among
        the catalogue's."""
        if p.role is Role.ENTERPRISE:
            return services.declarations.declarable_units(p)
        return units()

    @bp.get("/complaints/<int(min=1, max=2147483647):complaint_id>/photo")
    def complaint_photo(complaint_id: int) -> BaseResponse:
        session = signed_in()
        if not isinstance(session, Session):
            return session
        data, media_type = services.complaints.photo(session.principal, complaint_id)
        return download(data, media_type, named_after(f"complaint-{complaint_id}", media_type))

    @bp.get("/bulk")
    def bulk_form() -> str | BaseResponse:
        session = signed_in()
        if not isinstance(session, Session):
            return session
        _bureau_only(session.principal)
        return _bulk_page(session, {}, {})

    @bp.post("/bulk/preview")
    def bulk_preview() -> tuple[str, int] | str | BaseResponse:
        session = signed_in()
        if not isinstance(session, Session):
            return session
        _bureau_only(session.principal)
        values = {k: v for k, v in request.form.items() if k != "csrf"}
        try:
            form = _with_numbers_file()
            plan = services.bulk.preview(session.principal, body_from_form(BULK_SPEC, form),
                                         utcnow())
        except ValidationError as invalid:
            return _bulk_page(session, values, form_errors(invalid)), 422
        values["numbers"] = form["numbers"]
        return render_template("console/bulk_preview.html", session=session, plan=plan,
                               values=values, irreversible=IRREVERSIBLE)

    @bp.post("/bulk")
    def bulk_apply() -> tuple[str, int] | str | BaseResponse:
        session = signed_in()
        if not isinstance(session, Session):
            return session
        _bureau_only(session.principal)
        values = {k: v for k, v in request.form.items() if k not in ("csrf", "confirm")}
        if request.form.get("confirm") != "yes":
            return _bulk_page(session, values, {"confirm": "请勾选确认 / Tick to confirm"}), 422
        try:
            done = services.bulk.apply(session.principal,
                                       body_from_form(BULK_SPEC, request.form), utcnow(),
                                       g.request_id)
        except ValidationError as invalid:
            return _bulk_page(session, values, form_errors(invalid)), 422
        return render_template("console/bulk_done.html", session=session, done=done)

    def _with_numbers_file() -> MultiDict[str, str]:
        """The form, with an uploaded list of numbers (text or CSV, UTF-8) added to the
        pasted ones."""
        form = request.form.copy()
        upload = request.files.get("numbers_file")
        if upload is not None and upload.filename:
            data = upload.read(MAX_NUMBERS_FILE + 1)
            if len(data) > MAX_NUMBERS_FILE:
                raise ValidationError("numbers_file", f"is larger than "
                                      f"{MAX_NUMBERS_FILE // 1024} kB ({MAX_BULK} numbers)")
            try:
                listed = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                raise ValidationError("numbers_file", "is not UTF-8 text") from None
            form["numbers"] = form.get("numbers", "") + "\n" + listed
        return form

    def _bulk_page(session: Session, values: dict[str, str], errors: dict[str, str]) -> str:
        return render_template("console/bulk.html", session=session, spec=BULK_SPEC,
                               values=values, errors=errors, input_type=input_type,
                               units=[], max_bulk=MAX_BULK)

    @bp.get("/audit")
    def audit_page() -> tuple[str, int] | str | BaseResponse:
        session = signed_in()
        if not isinstance(session, Session):
            return session
        if session.principal.role not in READERS:
            abort(403, "审计日志仅供审计人员和监管部门查看 / The audit log is for auditors "
                       "and bureaus")
        values = {k: v for k, v in request.args.items() if v}
        try:
            entries = services.audit_log.search(session.principal,
                                                body_from_form(AUDIT_QUERY, request.args))
        except ValidationError as invalid:
            return render_template("console/audit.html", session=session, spec=AUDIT_QUERY,
                                   values=values, errors=form_errors(invalid), entries=[],
                                   input_type=input_type, units=[], next_page=None), 422
        limit = digits(values.get("limit", ""), 3) or 100
        next_page = None
        if entries and len(entries) >= limit:
            next_page = {**values, "after": str(entries[-1].id)}
        return render_template("console/audit.html", session=session, spec=AUDIT_QUERY,
                               values=values, errors={}, entries=entries,
                               input_type=input_type, units=[], next_page=next_page)

    @bp.get("/staff")
    def staff() -> str | BaseResponse:
        session = signed_in()
        if not isinstance(session, Session):
            return session
        return _staff_page(session, None, None, {})

    @bp.post("/staff")
    def add_staff() -> tuple[str, int] | str | BaseResponse:
        session = signed_in()
        if not isinstance(session, Session):
            return session
        try:
            account_id, token = services.signin.add_staff(
                session.principal, request.form.get("name", ""), utcnow(), g.request_id)
        except ValidationError as invalid:
            return _staff_page(session, None, None, form_errors(invalid)), 422
        return _staff_page(session, account_id, token, {})

    @bp.post("/staff/<int(min=1, max=2147483647):account_id>/<step>")
    def staff_step(account_id: int, step: str) -> str | BaseResponse:
        session = signed_in()
        if not isinstance(session, Session):
            return session
        if step == "invite":
            token = services.signin.invite(session.principal, account_id, utcnow(),
                                           g.request_id)
            return _staff_page(session, account_id, token, {})
        if step == "unlock":
            services.signin.unlock(session.principal, account_id, utcnow(), g.request_id)
            return _staff_page(session, None, None, {})
        abort(404)

    def _staff_page(session: Session, account_id: int | None, token: str | None,
                    errors: dict[str, str]) -> str:
        if not administers_staff(session.principal):
            abort(403, "只有本部门的人员管理员管理人员 / Only the bureau's staff administrator "
                       "administers its staff")
        link = f"{request.host_url.rstrip('/')}/console/invite/{token}" if token else None
        return render_template("console/staff.html", session=session,
                               staff=services.signin.staff(session.principal),
                               invited=account_id, link=link, errors=errors)


def _offered(p: Principal) -> list[tuple[str, Duty]]:
    """The new-record duties offered to this role (the others start from a list's row)."""
    return [(name, duty) for name, duty in DUTIES.items()
            if p.role in duty.roles and duty.subject is None]


def _duty(p: Principal, name: str, subject_id: int) -> Duty:
    """The duty, if this role is offered it and the URL has an id exactly when it acts on
    a record."""
    duty = DUTIES.get(name)
    if duty is None or (duty.subject is None) != (subject_id == 0):
        abort(404)
    if p.role not in duty.roles:
        abort(403, "这项工作不属于您的角色 / This is not a duty of your role")
    return duty


def _bureau_only(p: Principal) -> None:
    if p.role not in BUREAUS:
        abort(403, "批量操作仅限许可机关 / Bulk changes are for licensing bureaus")
