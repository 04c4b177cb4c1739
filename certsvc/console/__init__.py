"""The console: the people who run the procedure, in a browser (served by the bureau service
under ``/console/``).

Sign-in is by password and, for bureau, national and auditor accounts, a TOTP code
(``certsvc.workflow.signin``); the session lives in the database and the browser holds only
its id, in a ``__Host-`` cookie (Secure, HttpOnly, SameSite=Lax). Every form carries a CSRF
token (the session's, or before sign-in a double-submit cookie's), checked before anything
else. The console never accepts a bearer token and the API never a cookie. Pages are rendered
on the server, work with JavaScript off, Chinese first with English beside it; no rule lives
here: every action calls the same workflow services as the API.

    app.register_blueprint(console_blueprint(services))
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
import secrets
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlsplit

from flask import (
    Blueprint,
    abort,
    g,
    make_response,
    redirect,
    render_template,
    request,
)
from markupsafe import Markup
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response as BaseResponse

from certsvc.api.downloads import download
from certsvc.api.error_pages import error_pages, page_headers
from certsvc.api.services import Services
from certsvc.console.access import may, signed_in, units
from certsvc.console.forms import IRREVERSIBLE, body_from_form, document_fields, input_type
from certsvc.console.supervision import register_supervision
from certsvc.domain.accounts import Principal, Role
from certsvc.domain.documents import ACCEPT, MAX_DOCUMENT, MAX_PER_APPLICATION
from certsvc.domain.e_licence import identifier_has_placeholders, identifier_of
from certsvc.domain.fields import digits
from certsvc.domain.licence import STATUS_TERMS, LicenceStatus
from certsvc.domain.licence_number import LicenceNumber
from certsvc.domain.lifecycle import (
    APPLICATION_ACTIONS,
    APPLICATION_SPEC,
    LICENCE_ACTIONS,
    ApplicationState,
    Transition,
)
from certsvc.domain.procedure import ProcedureClosed
from certsvc.domain.specs import Spec
from certsvc.domain.time import china_date, china_time, utcnow
from certsvc.errors import CertsvcError, Forbidden, NotFound, ValidationError
from certsvc.store import audit
from certsvc.store.reader import LicenceReader
from certsvc.store.throttle import ClientThrottle
from certsvc.workflow.applications import QUEUE_PAGE
from certsvc.workflow.licences import licence_view
from certsvc.workflow.signin import (
    IDLE_LIMIT,
    REFUSED,
    Session,
    SignInRefused,
    needs_second_factor,
)

log = logging.getLogger("certsvc.console")
SESSION_COOKIE = "__Host-certsvc-session"
CSRF_COOKIE = "__Host-certsvc-csrf"  # before sign-in: a double-submit token
SIGN_IN_ATTEMPTS = 20  # per client address and 10 minutes, on top of the account lock
SIGN_IN_WINDOW = 600


def console_blueprint(services: Services) -> Blueprint:
    bp = Blueprint("console", __name__, url_prefix="/console", template_folder="templates",
                   static_folder="static", static_url_path="/static")
    signin = services.signin
    throttle = ClientThrottle(services.engine, "sign-in", SIGN_IN_ATTEMPTS, SIGN_IN_WINDOW)

    @bp.app_template_filter("status_term")
    def status_term(status: str) -> Markup:
        """A licence status in words: 有效 (valid)."""
        zh, en = STATUS_TERMS[LicenceStatus(status)]
        return Markup('{} <span lang="en">{}</span>').format(zh, en)

    @bp.app_template_filter("state_term")
    def state_term(state: str) -> Markup:
        """An application state in words: 审查中 (under_review)."""
        return Markup('{} <span lang="en">{}</span>').format(ApplicationState(state).term,
                                                            state)

    @bp.app_template_filter("beijing")
    def beijing(moment: dt.datetime | str) -> str:
        """Times are stored in UTC and shown in Beijing time."""
        return china_time(dt.datetime.fromisoformat(moment) if isinstance(moment, str)
                          else moment)

    @bp.before_request
    def load_session() -> None:
        g.request_id = uuid.uuid4().hex
        request.max_content_length = MAX_PER_APPLICATION + 1024 * 1024  # three documents
        token = request.cookies.get(SESSION_COOKIE)
        g.session = signin.session(token, utcnow()) if token else None
        if request.method == "POST":
            _check_csrf(g.session)

    page_headers(bp, images="'self' data:")
    error_pages(bp, "console/error.html", log)

    @bp.get("/")
    def home() -> str | BaseResponse:
        session = signed_in()
        if not isinstance(session, Session):
            return session
        principal = session.principal
        number = digits(request.args.get("page", "1"), 4) or 1
        queue = services.applications.queue(principal, utcnow(),
                                            offset=(number - 1) * QUEUE_PAGE)
        held = services.licences.held_by(principal, utcnow()) \
            if principal.role is Role.ENTERPRISE else []
        return render_template("console/home.html", session=session, queue=queue,
                               page=number, more=len(queue) == QUEUE_PAGE, held=held,
                               done=request.args.get("done"))

    @bp.get("/applications/<int(min=1, max=2147483647):application_id>")
    def application(application_id: int) -> str | BaseResponse:
        session = signed_in()
        if not isinstance(session, Session):
            return session
        done = request.args.get("done")
        return _application_page(session, application_id, None, {}, {}, done)

    @bp.post("/applications/<int(min=1, max=2147483647):application_id>/<action>")
    def application_action(application_id: int, action: str
                           ) -> tuple[str, int] | str | BaseResponse:
        session = signed_in()
        if not isinstance(session, Session):
            return session
        return _take(session, APPLICATION_ACTIONS, action,
                     lambda form: services.applications.act(
                         session.principal, application_id, action, form, utcnow(),
                         g.request_id),
                     lambda failed, values, errors: _application_page(
                         session, application_id, failed, values, errors, None),
                     lambda: _after_handing_on(session, application_id))


    @bp.get("/applications/<int(min=1, max=2147483647):application_id>/documents/<material>")
    def application_document(application_id: int, material: str) -> BaseResponse:
        session = signed_in()
        if not isinstance(session, Session):
            return session
        data, media_type, name = services.documents.read(session.principal, application_id,
                                                         material)
        return download(data, media_type, name)

    @bp.get("/licences/<number>")
    def licence(number: str) -> str | BaseResponse:
        session = signed_in()
        if not isinstance(session, Session):
            return session
        return _licence_page(session, LicenceNumber.parse(number), None, {}, {},
                             request.args.get("done"))

    @bp.post("/licences/<number>/<action>")
    def licence_action(number: str, action: str) -> tuple[str, int] | BaseResponse:
        session = signed_in()
        if not isinstance(session, Session):
            return session
        parsed = LicenceNumber.parse(number)
        return _take(session, LICENCE_ACTIONS, action,
                     lambda form: services.licences.act(
                         session.principal, parsed, action, form, utcnow(), g.request_id),
                     lambda failed, values, errors: _licence_page(
                         session, parsed, failed, values, errors, None),
                     f"/console/licences/{quote(parsed.canonical)}")


    def _licence_page(session: Session, number: LicenceNumber, failed: str | None,
                      values: dict[str, str], errors: dict[str, str], done: str | None
                      ) -> str:
        """A licence (public facts, so any signed-in account may read it) with the actions
        this account may take on it now."""
        reader = LicenceReader(services.engine)
        record = reader.by_number(number)
        today = china_date(utcnow())
        view = licence_view(record, today)
        version = reader.version(record)
        identifier = str(identifier_of(number, version))
        item = {"bureau_code": number.bureau_code, "institution_id": None,
                "enterprise": {"uscc": record.enterprise.uscc}}
        actions = [(name, LICENCE_ACTIONS[name]) for name in view["allowed_actions"]
                   if may(session.principal, LICENCE_ACTIONS[name], item)]
        with services.engine.connect() as conn:
            timeline = audit.search(conn, subject=f"licence:{number.canonical}", limit=500)
        return render_template(
            "console/licence.html", session=session, record=record, view=view,
            actions=actions, failed=failed, values=values, errors=errors, done=done,
            timeline=timeline, irreversible=IRREVERSIBLE, input_type=input_type,
            units=units(), quoted=quote(number.canonical), identifier=identifier,
            placeholder=identifier_has_placeholders(number.bureau),
            has_ofd=reader.has_file(record, version, "ofd"))

    @bp.get("/apply")
    def apply_form() -> str | BaseResponse:
        session = signed_in()
        if not isinstance(session, Session):
            return session
        if session.principal.role is not Role.ENTERPRISE:
            abort(403, "只有企业可以申请 / Only an enterprise applies")
        return _apply_page(session, {"enterprise.uscc": session.principal.uscc or ""}, {})

    @bp.post("/apply")
    def apply() -> tuple[str, int] | BaseResponse:
        session = signed_in()
        if not isinstance(session, Session):
            return session
        values = {k: v for k, v in request.form.items() if k != "csrf"}
        try:
            form = _with_uploads(session.principal, APPLICATION_SPEC)
            created = services.applications.submit(
                session.principal, body_from_form(APPLICATION_SPEC, form), utcnow(),
                g.request_id)
        except ValidationError as invalid:
            return _apply_page(session, values, {invalid.field: invalid.reason}), 422
        except ProcedureClosed as closed:  # the rules of the day: said beside the procedure
            return _apply_page(session, values, {"procedure": closed.detail}), 409
        return redirect(f"/console/applications/{created['id']}?done=submit", 303)

    def _after_handing_on(session: Session, application_id: int) -> str:
        """Where an application action leads: back to the case while this account may still
        read it; to the queue when the action handed the case on (a review body that records
        its visit gives the case back to the bureau: the case page was a 403 after success)."""
        try:
            services.applications.get(session.principal, application_id, utcnow())
        except (Forbidden, NotFound):
            return "/console/"
        return f"/console/applications/{application_id}"

    def _take(session: Session, table: dict[str, Transition], action: str,
              act: Callable[[dict[str, Any]], object],
              page: Callable[[str, dict[str, str], dict[str, str]], str],
              back: str | Callable[[], str]) -> tuple[str, int] | BaseResponse:
        """An action's form posted: confirmed if irreversible, its files stored, its body
        built from the action's spec and handed to the workflow; on a refusal the page again,
        with the errors beside their fields; on success a page this account may open."""
        transition = table.get(action)
        if transition is None:
            abort(404)
        values = {k: v for k, v in request.form.items() if k != "csrf"}
        if action in IRREVERSIBLE and request.form.get("confirm") != "yes":
            return page(action, values, {"confirm": "请勾选确认 / Tick to confirm"}), 422
        try:
            form = _with_uploads(session.principal, transition.spec)
            act(body_from_form(transition.spec, form))
        except ValidationError as invalid:
            return page(action, values, {invalid.field: invalid.reason}), 422
        target = back() if callable(back) else back
        return redirect(f"{target}?done={action}", 303)

    def _with_uploads(principal: Principal, spec: Spec) -> MultiDict[str, str]:
        """The form, with each uploaded file stored and replaced by its reference."""
        form = request.form.copy()
        for name in document_fields(spec):
            upload = request.files.get(name)
            if upload is not None and upload.filename:
                stored = services.documents.upload(principal, upload.filename,
                                                   upload.read(MAX_DOCUMENT + 1), utcnow(),
                                                   g.request_id)
                form[name] = stored["ref"]
        return form

    def _application_page(session: Session, application_id: int, failed: str | None,
                          values: dict[str, str], errors: dict[str, str], done: str | None
                          ) -> str:
        principal = session.principal
        item = services.applications.get(principal, application_id, utcnow())
        actions = [(name, APPLICATION_ACTIONS[name]) for name in item["allowed_actions"]
                   if may(principal, APPLICATION_ACTIONS[name], item)]
        with services.engine.connect() as conn:
            timeline = audit.search(conn, subject=f"application:{application_id}", limit=500)
        return render_template(
            "console/application.html", session=session, item=item, actions=actions,
            failed=failed, values=values, errors=errors, done=done, timeline=timeline,
            irreversible=IRREVERSIBLE, input_type=input_type, units=units(), accept=ACCEPT)

    def _apply_page(session: Session, values: dict[str, str], errors: dict[str, str]) -> str:
        return render_template("console/apply.html", session=session, spec=APPLICATION_SPEC,
                               values=values, errors=errors, input_type=input_type,
                               units=units(), accept=ACCEPT)

    @bp.get("/sign-in")
    def sign_in_form() -> BaseResponse:
        token = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)
        response = make_response(render_template("console/sign_in.html", csrf=token,
                                                 error=None))
        _set_cookie(response, CSRF_COOKIE, token)
        return response

    @bp.post("/sign-in")
    def sign_in() -> tuple[str, int] | BaseResponse:
        csrf = request.cookies.get(CSRF_COOKIE, "")
        if not throttle.allow(request.remote_addr or "-", time.time()):
            return render_template("console/sign_in.html", csrf=csrf, error=(
                "尝试次数过多，请稍后再试 / Too many attempts; try again later")), 429
        account = request.form.get("account", "").strip()
        password = request.form.get("password", "")
        refused = f"账号或密码错误，或账号因多次失败已被锁定（由管理员解锁） / {REFUSED}"
        if not (account.isascii() and account.isdigit() and len(account) < 10):
            return render_template("console/sign_in.html", csrf=csrf, error=refused), 401
        try:
            token, second = signin.sign_in(int(account), password, _client(), utcnow(),
                                           g.request_id)
        except SignInRefused:
            return render_template("console/sign_in.html", csrf=csrf, error=refused), 401
        response = redirect("/console/second-factor" if second else "/console/", 303)
        _set_cookie(response, SESSION_COOKIE, token)
        return response

    @bp.get("/second-factor")
    def second_factor_form() -> str | BaseResponse:
        session = g.session
        if session is None:
            return redirect("/console/sign-in", 303)
        return render_template("console/second_factor.html", session=session, error=None)

    @bp.post("/second-factor")
    def second_factor() -> tuple[str, int] | BaseResponse:
        session = g.session
        token = request.cookies.get(SESSION_COOKIE, "")
        if session is None:
            return redirect("/console/sign-in", 303)
        try:
            new = signin.second_factor(token, request.form.get("code", "").strip(), _client(),
                                       utcnow(), g.request_id)
        except CertsvcError as refusal:
            return render_template("console/second_factor.html", session=session,
                                   error=refusal.detail), refusal.status
        response = redirect("/console/", 303)
        _set_cookie(response, SESSION_COOKIE, new)
        return response

    @bp.get("/account")
    def account() -> str | BaseResponse:
        session = signed_in()
        if not isinstance(session, Session):
            return session
        return render_template("console/account.html", session=session,
                               sessions=signin.sessions(session.principal))

    @bp.post("/sign-out")
    def sign_out() -> BaseResponse:
        token = request.cookies.get(SESSION_COOKIE)
        if token:
            signin.sign_out(token, utcnow())
        response = redirect("/console/sign-in", 303)
        response.delete_cookie(SESSION_COOKIE, path="/", secure=True, httponly=True,
                               samesite="Lax")
        return response

    @bp.post("/sign-out-everywhere")
    def sign_out_everywhere() -> BaseResponse:
        session = signed_in()
        if not isinstance(session, Session):
            return session
        signin.sign_out_everywhere(session.principal, utcnow(), g.request_id)
        return redirect("/console/sign-in", 303)

    @bp.get("/invite/<token>")
    def invite_form(token: str) -> BaseResponse:
        principal = signin.invitation(token, utcnow())
        csrf = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)
        response = make_response(render_template(
            "console/invite.html", principal=principal, csrf=csrf, error=None,
            second=needs_second_factor(principal.role)))
        _set_cookie(response, CSRF_COOKIE, csrf)
        return response

    @bp.post("/invite/<token>")
    def accept_invite(token: str) -> tuple[str, int] | str:
        principal = signin.invitation(token, utcnow())
        second = needs_second_factor(principal.role)
        csrf = request.cookies.get(CSRF_COOKIE, "")
        password = request.form.get("password", "")
        if password != request.form.get("again", ""):
            return render_template("console/invite.html", principal=principal, csrf=csrf,
                                   second=second, error="两次输入的密码不一致 / The two "
                                   "passwords differ"), 422
        try:
            accepted = signin.accept_invite(token, password, utcnow(), g.request_id)
        except CertsvcError as refusal:
            return render_template("console/invite.html", principal=principal, csrf=csrf,
                                   second=second, error=refusal.detail), refusal.status
        return render_template("console/invite_done.html", invitation=accepted)

    register_supervision(bp, services)
    return bp


def _check_csrf(session: Session | None) -> None:
    """Every POST carries the token of its session or, before sign-in, of the CSRF cookie;
    a cross-site form has neither (SameSite keeps the cookies at home, and it cannot read
    them). And where the browser says where the form came from (Origin, Sec-Fetch-Site),
    it must be this site: a second wall, should a token ever leak."""
    refused = ("这个表单已过期或不是从本网站提交的，请返回重试 / This form expired or did not "
               "come from this site; go back and try again")
    if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
        abort(403, refused)  # the browser says: another site's page (or a sibling's)
    origin = request.headers.get("Origin")
    if origin is not None and urlsplit(origin).netloc != request.host:
        abort(403, refused)  # another site's, or "null" (a sandboxed frame, a data: URL)
    sent = request.form.get("csrf", "")
    expected = session.csrf if session is not None else request.cookies.get(CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        abort(403, refused)


def _set_cookie(response: BaseResponse, name: str, value: str) -> None:
    response.set_cookie(name, value, path="/", secure=True, httponly=True, samesite="Lax",
                        max_age=int(IDLE_LIMIT.total_seconds()) if name == SESSION_COOKIE
                        else None)


def _client() -> str:
    return f"{request.remote_addr or '-'} {request.user_agent.string[:150]}"
