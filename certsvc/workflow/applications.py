"""The licence application, from 申请 to 发证, under the 30-working-day limit.

Each action runs in one transaction: lock the application, check who may act (role and
jurisdiction) and whether its state allows the action, validate the input, apply it, write
the audit event — and, for 发证, store and sign the licence. Either all of it happens or
none of it does.

    service = Applications(engine, issuer, documents)
    view = service.submit(enterprise, {...}, now, request_id)
    service.act(bureau, view["id"], "accept", {}, now, request_id)
"""

from __future__ import annotations

import builtins
import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, Engine

from certsvc.domain.accounts import Principal, Role
from certsvc.domain.bars import refusal as bar_refusal
from certsvc.domain.bureaus import Bureau, bureau_by_code, find_bureau
from certsvc.domain.calendar import UnknownYear, working_days
from certsvc.domain.catalogue import Unit, procedure_rules, scope_of
from certsvc.domain.jurisdiction import check_jurisdiction
from certsvc.domain.licence import (
    Enterprise,
    Licence,
    LicenceStatus,
    check_licence,
    default_valid_until,
    enterprise_from_dict,
)
from certsvc.domain.licence_number import LicenceNumber
from certsvc.domain.lifecycle import (
    APPLICATION_ACTIONS,
    APPLICATION_SPEC,
    POST_REVIEW_FINDINGS,
    POST_REVIEW_LISTS,
    ApplicationState,
    InvalidTransition,
    allowed_application_actions,
    application_transition,
)
from certsvc.domain.procedure import (
    ProcedureClosed,
    check_renewable,
    choose,
    renewal_commitment_open,
)
from certsvc.domain.specs import Values
from certsvc.domain.time import china_date, months_before
from certsvc.domain.time_limit import (
    CLOCK_STATES,
    TIME_LIMIT,
    clock_due_on,
    correction_notice_due,
    post_review_due_on,
)
from certsvc.errors import Forbidden, NotFound, ValidationError
from certsvc.store import accounts, applications, audit, bars, writer
from certsvc.store import grading as grading_rows
from certsvc.store.reader import LicenceReader, held_from, licence_in, spot_checks_of
from certsvc.workflow.authz import hidden, jurisdiction, may_read, missing, require
from certsvc.workflow.documents import Documents
from certsvc.workflow.issuance import IssuedLicence, Issuer
from certsvc.workflow.licences import LicenceActions
from certsvc.workflow.review_bodies import assignment

_REVOKE = "revoke licence"  # a step's request to revoke, carried out by act() with its audit
POST_REVIEW_BASIS = ("《国务院关于进一步压减工业产品生产许可证管理目录和简化审批程序的决定》"
                     "（国发〔2018〕33号）")
EXEMPTING_LEVELS = ("national", "provincial")  # spot checks that can exempt from testing
QUEUE_PAGE = 50  # applications a page of the console's queue shows
EVALUATIONS_SHOWN = 3  # the latest quality-safety evaluations an application shows
OPEN_STATES = (ApplicationState.SUBMITTED, ApplicationState.AWAITING_CORRECTION,
               ApplicationState.UNDER_REVIEW, ApplicationState.TESTING)
_S = ApplicationState


class Applications:
    def __init__(self, engine: Engine, issuer: Issuer, documents: Documents,
                 publish: Callable[[], None] = lambda: None) -> None:
        """``publish`` runs after a commit that changed the register's status list: an
        issue, or a revocation after a failed on-site review."""
        self.engine = engine
        self.issuer = issuer
        self.documents = documents
        self.publish = publish
        self.licences = LicenceActions(engine, issuer)

    # --- application ---------------------------------------------------------------------
    def submit(self, principal: Principal, data: Any, now: dt.datetime,
               request_id: str) -> dict[str, Any]:
        """申请: the enterprise files its application with the three materials."""
        if principal.role is not Role.ENTERPRISE:
            raise Forbidden("only an enterprise may apply for a licence")
        values = APPLICATION_SPEC.parse(data)
        kind = values.kind or "new"
        enterprise = Enterprise(**values.enterprise)
        if enterprise.uscc != principal.uscc:
            raise Forbidden("an enterprise applies only for itself (enterprise.uscc)")
        commitment = values.materials.get("renewal_commitment")
        report = values.get("test_report")
        documents = {k: v for k, v in values.materials.items() if k != "renewal_commitment"}
        if report is not None:  # 国发〔2018〕33号: the passing report comes with it
            documents["test_report"] = report["report"]
        if kind == "renewal":
            number = values.licence_number
            if number is None:
                raise ValidationError("licence_number", "is required for a renewal")
            record = LicenceReader(self.engine).by_number(number)
            if record.enterprise.uscc != principal.uscc:
                raise Forbidden("an enterprise renews only its own licence (licence_number)")
            if record.status is not LicenceStatus.VALID:
                raise ValidationError("licence_number", f"is {record.status.value}; only a "
                                                        "valid licence can be renewed")
            check_renewable(record.valid_until, china_date(now))
            bureau, scope = record.issuer, values.scope or record.scope
        else:
            number = None
            if values.bureau is None:
                raise ValidationError("bureau", "is required for a new licence")
            if values.scope is None:
                raise ValidationError("scope", "is required for a new licence")
            bureau = find_bureau(values.bureau, "bureau")
            scope = values.scope
            check_jurisdiction(enterprise, bureau)
        today = china_date(now)
        check_licence(Licence(number, enterprise, scope, today, default_valid_until(today),
                              bureau))
        procedure = choose(scope, bureau, today, values.procedure)
        review: dict[str, Any] = {"procedure": procedure}
        if procedure["path"] == "commitment":
            for name in ("test_report", "commitment_statement"):
                if values.get(name) is None:
                    raise ValidationError(name, "is required for the commitment procedure "
                                                "(告知承诺)")
            procedure["statement"] = values.commitment_statement
        # the uploads are stored only once the application passed every check above
        materials: dict[str, Any] = self.documents.attach(principal, documents)
        if kind == "renewal" and commitment is not None:
            materials["renewal_commitment"] = commitment
        row_values = {
            "kind": kind, "state": _S.SUBMITTED.value, "bureau_code": bureau.code,
            "uscc": enterprise.uscc,
            "enterprise": {"name": enterprise.name, "uscc": enterprise.uscc,
                           "residence": enterprise.residence,
                           "production_address": enterprise.production_address},
            "scope": [u.id for u in scope], "licence_number": number and number.canonical,
            "materials": materials, "review": review, "submitted_at": now, "paused_days": 0,
            "updated_at": now,
        }
        with self.engine.begin() as conn:
            _not_barred_by_law(conn, enterprise.uscc, scope, today)
            held = held_from(conn, enterprise.uscc, bureau.code, today)
            if kind == "new" and held:  # 一企一证: issue extends the licence held
                procedure["extends"] = held[0].canonical
            if procedure["path"] == "commitment":
                _not_barred(conn, enterprise.uscc, today)
            if report is not None:
                _qualified_institution(conn, report["institution_id"],
                                       "test_report.institution_id")
                review["testing"] = {"method": "submitted_report", "passed": True,
                                     "institution_id": report["institution_id"],
                                     "report_number": report["report_number"],
                                     "submitted": _iso(now)}
            application_id = applications.insert_application(conn, row_values)
            after = applications.load(conn, application_id)
            audit.record(conn, principal, "submit", f"application:{application_id}",
                         bureau.code, None, _audit_view(after), request_id, now)
        return view(after, now)

    def get(self, principal: Principal, application_id: int, now: dt.datetime) -> dict[str, Any]:
        """The application; for a bureau, an auditor or the review body, with the
        enterprise's latest quality-safety evaluations (五(二): an input to the review)."""
        with self.engine.begin() as conn:
            row = self._readable(conn, principal, application_id)
            row = _deem_accepted(conn, row, now) or row
            found = view(row, now)
            if principal.role is not Role.ENTERPRISE:
                found["evaluations"] = [
                    {"id": e["id"], "evaluated_on": e["evaluated_on"].isoformat(),
                     "rating": e["rating"], "conclusion": e["conclusion"]}
                    for e in grading_rows.evaluations(
                        conn, bureau_code=None, uscc=row["uscc"], area=None, body_id=None,
                        before=None, limit=EVALUATIONS_SHOWN)]
        return found

    @staticmethod
    def _readable(conn: Connection, principal: Principal, application_id: int,
                  for_update: bool = False) -> dict[str, Any]:
        """The application, if this account may see it; a stranger is told the same of
        another's application as of one that does not exist."""
        try:
            row = applications.load(conn, application_id, for_update=for_update)
        except NotFound:
            raise missing(principal, "application", application_id) from None
        if not may_read(principal, bureau_code=row["bureau_code"], uscc=row["uscc"],
                        institution_id=row["institution_id"],
                        review_body_id=row["review_body_id"]):
            raise hidden("application", application_id)
        return row

    def queue(self, principal: Principal, now: dt.datetime, limit: int = QUEUE_PAGE,
              offset: int = 0) -> list[dict[str, Any]]:
        """The console's work queue: the open applications this account may read, most
        urgent first (the order of ``store.applications.queue``, on the stored due date, so
        the cost is the page's, not the province's open cases): number, kind, state, the
        enterprise's name and the deadline of each."""
        try:
            scope = _scope(principal)
        except Forbidden:
            return []  # a department, an insurer, a city or county bureau: no applications
        states = [s.value for s in OPEN_STATES]
        if principal.role is Role.REVIEW_BODY:  # its visits: before the decision, or after
            states.append(_S.ISSUED.value)      # a licence issued on commitment
        self.deem_lapsed(now, **scope)
        with self.engine.connect() as conn:
            rows = applications.queue(conn, states, limit, offset, **scope)
        return [{"id": row["id"], "kind": row["kind"], "state": row["state"],
                 "enterprise_name": row["enterprise"]["name"],
                 "deadline": deadline(row, now)} for row in rows]

    def list(self, principal: Principal, now: dt.datetime, *, state: str | None = None,
             due_within: int | None = None, overdue: bool = False,
             post_review: str | None = None, after_id: int = 0, newest_first: bool = False,
             limit: int = 100) -> list[dict[str, Any]]:
        """Applications this account may read; ``overdue`` / ``due_within`` for bureaus;
        ``post_review`` (due, overdue, failed): licences issued on commitment by the state
        of the on-site review that follows."""
        if principal.role is Role.DEPARTMENT:
            raise Forbidden("a department reads the data-sharing feed, not applications")
        self.deem_lapsed(now, **_scope(principal))
        if post_review is not None:
            if post_review not in POST_REVIEW_LISTS:
                raise ValidationError("post_review", "is one of " + ", ".join(
                    POST_REVIEW_LISTS))
            with self.engine.connect() as conn:
                rows = applications.find(conn, post_review=post_review,
                                         today=china_date(now), after_id=after_id,
                                         newest_first=newest_first, limit=limit,
                                         **_scope(principal))
            return [view(row, now) for row in rows]
        states = None
        if state is not None:
            try:
                states = [ApplicationState(state).value]
            except ValueError:
                raise ValidationError("state", f"unknown state {state!r}") from None
        if not overdue and due_within is None:
            with self.engine.connect() as conn:
                rows = applications.find(conn, states=states, after_id=after_id, limit=limit,
                                         **_scope(principal))
            return [view(row, now) for row in rows]
        return self._due(principal, now, overdue, due_within, after_id, limit)

    def _due(self, principal: Principal, now: dt.datetime, overdue: bool,
             due_within: int | None, after_id: int, limit: int) -> builtins.list[dict[str, Any]]:
        """Running clocks overdue, or due within ``due_within`` working days. The stored due
        date (a pause in progress not counted) narrows the rows in the query: a clock
        overdue or due by then has it before today, or by the working day ``due_within``
        from today — a pause only moves the real date later. The deadline of each row so
        found decides, and the rows are read in batches until the page is full."""
        today = china_date(now)
        due_by = (today - dt.timedelta(days=1) if overdue
                  else working_days().add(today, max(due_within or 0, 0)))
        found: builtins.list[dict[str, Any]] = []
        with self.engine.connect() as conn:
            while len(found) < limit:
                rows = applications.find(conn, states=list(CLOCK_STATES), due_by=due_by,
                                         after_id=after_id, limit=limit, **_scope(principal))
                for row in rows:
                    v = view(row, now)
                    d = v["deadline"]
                    if "error" in d or (d["overdue"] if overdue
                                        else d["working_days_left"] <= (due_within or 0)):
                        found.append(v)
                if len(rows) < limit:
                    break
                after_id = rows[-1]["id"]
        return found[:limit]

    def deem_lapsed(self, now: dt.datetime, **scope: Any) -> int:
        """Every submitted application (of ``scope``: ``_scope``'s keys) whose correction
        notice did not come in time is deemed accepted (行政许可法第三十二条), before a list
        of them is read; how many."""
        with self.engine.begin() as conn:
            rows = applications.find(conn, states=[_S.SUBMITTED.value], limit=10_000, **scope)
            return sum(_deem_accepted(conn, row, now) is not None for row in rows)

    # --- transitions ---------------------------------------------------------------------
    def act(self, principal: Principal, application_id: int, action: str, data: Any,
            now: dt.datetime, request_id: str) -> dict[str, Any]:
        transition = APPLICATION_ACTIONS.get(action)
        if transition is None:  # before anything is looked up: the same answer for everyone
            raise NotFound(f"no application action {action!r}; the actions are "
                           f"{', '.join(sorted(APPLICATION_ACTIONS))}")
        with self.engine.begin() as conn:
            # who first: a stranger learns nothing of the application, its state or the body
            row = self._readable(conn, principal, application_id, for_update=True)
            require(principal, transition.actor, bureau_code=row["bureau_code"],
                    uscc=row["uscc"], institution_id=row["institution_id"],
                    review_body_id=row["review_body_id"])
            values = transition.spec.parse(data)
            lapsed = correction_notice_due(row)
            row = _deem_accepted(conn, row, now) or row
            state = ApplicationState(row["state"])
            if lapsed is not None and row["state"] != _S.SUBMITTED.value and action in (
                    "request_correction", "refuse_acceptance", "accept"):
                raise InvalidTransition(
                    f"no correction notice was sent by {lapsed}, the fifth working day after "
                    "receipt: the application is deemed accepted from receipt (视为受理, "
                    "行政许可法第三十二条) and under review", row["state"], _allowed(row))
            target = application_transition(state, action)
            before = _audit_view(row)
            changes = _STEPS[action](self, conn, principal, row, values, now)
            revocation = changes.pop(_REVOKE, None)
            if revocation is not None:  # the licence workflow's own revocation, audited
                revoked, reasons = revocation
                self.licences.act_in(conn, principal, revoked, "revoke", reasons, now,
                                     request_id, by_rule=True)
            changes.update(state=target.value, updated_at=now)
            changes["clock_due_on"] = clock_due_on({**row, **changes})
            applications.save(conn, application_id, changes)
            after = applications.load(conn, application_id)
            audit.record(conn, principal, action, f"application:{application_id}",
                         row["bureau_code"], before, _audit_view(after), request_id, now)
        if action == "issue" or revocation is not None:
            self.publish()
        if action == "issue" and after["licence_number"]:  # issued, renewed or extended
            self.licences.after_signing(after["licence_number"], now)
        return view(after, now)

    def _accept(self, conn: Connection, p: Principal, row: dict[str, Any],
                values: Values, now: dt.datetime) -> dict[str, Any]:
        review = _review(row, acceptance={"decision": "accepted", "on": _iso(now)})
        return {"review": review, "accepted_on": china_date(now)}

    def _refuse_acceptance(self, conn: Connection, p: Principal, row: dict[str, Any],
                           values: Values, now: dt.datetime) -> dict[str, Any]:
        _bar_if_false(conn, row, values, now)
        return {"review": _review(row, acceptance={
            "decision": "not_accepted", "reasons": values.reasons, "on": _iso(now),
            **_false_information(values)})}

    def _request_correction(self, conn: Connection, p: Principal, row: dict[str, Any],
                            values: Values, now: dt.datetime) -> dict[str, Any]:
        if "correction" in row["review"]:
            raise InvalidTransition(
                "missing material may be requested only once (一次性告知); accept the "
                "application or refuse it", row["state"],
                [a for a in allowed_application_actions(_S.SUBMITTED)
                 if a != "request_correction"])
        return {"review": _review(row, correction={"missing": values.missing,
                                                   "on": _iso(now)})}

    def _resubmit(self, conn: Connection, p: Principal, row: dict[str, Any],
                  values: Values, now: dt.datetime) -> dict[str, Any]:
        supplied: dict[str, Any] = self.documents.attach(p, {
            k: v for k, v in values.materials.items()
            if k != "renewal_commitment" and v is not None})
        if values.materials.get("renewal_commitment") is not None:
            supplied["renewal_commitment"] = values.materials["renewal_commitment"]
        if not supplied:
            raise ValidationError("materials", "supplies no material")
        materials = dict(row["materials"], **supplied)
        correction = dict(row["review"]["correction"], supplied_on=_iso(now))
        return {"materials": materials, "review": _review(row, correction=correction)}

    def _assign_review(self, conn: Connection, p: Principal, row: dict[str, Any],
                       values: Values, now: dt.datetime) -> dict[str, Any]:
        """指派审查机构: the on-site visit (核查 before the decision, or the review after a
        licence issued on commitment) to an active review body and two to four of its
        reviewers. Assigning again replaces the assignment (the audit keeps the old)."""
        if row["state"] == _S.ISSUED.value:
            if row["review"].get("post_review", {}).get("state") != "pending":
                raise InvalidTransition(
                    "an issued licence has an on-site review to assign only when it was "
                    "issued on commitment and the review is pending", row["state"],
                    _allowed_except(row, "assign_review", "record_post_review"))
        else:
            if _procedure(row)["path"] == "commitment":
                raise InvalidTransition(
                    "on commitment (告知承诺) the on-site review follows the licence: assign "
                    "it after issue", row["state"], _allowed_except(row, "assign_review",
                                                                  "record_onsite"))
            _conditions_open(row)
        record = assignment(conn, values.review_body_id, values.reviewers, uscc=row["uscc"],
                            unit_ids=row["scope"], bureau_code=row["bureau_code"], now=now)
        return {"review_body_id": values.review_body_id,
                "review": _review(row, assignment=record)}

    def _record_onsite(self, conn: Connection, p: Principal, row: dict[str, Any],
                       values: Values, now: dt.datetime) -> dict[str, Any]:
        _conditions_open(row)
        visited = _visit_date(values, now)
        conditions = {"method": "onsite", "passed": values.passed,
                      "review_body": row["review"]["assignment"]["review_body"],
                      "reviewers": _reviewers(row, values.reviewers),
                      "date": visited.isoformat(), "notes": values.notes or ""}
        return {"review_body_id": None, "review": _review(row, conditions=conditions)}

    def _accept_commitment(self, conn: Connection, p: Principal, row: dict[str, Any],
                           values: Values, now: dt.datetime) -> dict[str, Any]:
        _conditions_open(row)
        if row["kind"] != "renewal" or "renewal_commitment" not in row["materials"]:
            raise InvalidTransition(
                "a written commitment replaces on-site verification only for a renewal whose "
                "enterprise committed that production conditions have not changed",
                row["state"], _allowed_except(row, "accept_commitment"))
        closed = renewal_commitment_open(_procedure(row))
        if closed is not None:
            rule = _procedure(row)["rules"][closed]
            raise ProcedureClosed(
                f"a renewal of {closed} needs the on-site verification: the rule of "
                f"{rule['since']} ({', '.join(rule['sources'])}) ends renewal on commitment")
        conditions = {"method": "commitment", "passed": True, "date": china_date(now).isoformat(),
                      "commitment": row["materials"]["renewal_commitment"]}
        return {"review": _review(row, conditions=conditions)}

    def _choose_institution(self, conn: Connection, p: Principal, row: dict[str, Any],
                            values: Values, now: dt.datetime) -> dict[str, Any]:
        _testing_open(row)
        institution_id = values.institution_id
        _qualified_institution(conn, institution_id)
        return {"institution_id": institution_id, "testing_since": china_date(now),
                "review": _review(row, testing={"method": "test", "institution_id":
                                                institution_id, "since": _iso(now)})}

    def _record_test(self, conn: Connection, p: Principal, row: dict[str, Any],
                     values: Values, now: dt.datetime) -> dict[str, Any]:
        report = self.documents.attach(p, {"test_report": values.report},
                                       field="report")
        testing = dict(row["review"]["testing"],
                       passed=values.passed, report_number=values.report_number,
                       reported=_iso(now))
        return {"review": _review(row, testing=testing),
                "materials": dict(row["materials"], **report), **_resume_clock(row, now)}

    def _exempt_testing(self, conn: Connection, p: Principal, row: dict[str, Any],
                        values: Values, now: dt.datetime) -> dict[str, Any]:
        """免于产品检验: a passed spot check of the same products by a provincial-or-higher
        authority within six months, taken from the spot-check register."""
        _testing_open(row)
        found = spot_checks_of(conn, row["uscc"], values.spot_check_id)
        if not found:
            raise ValidationError("spot_check_id", "is not a spot check of this enterprise")
        check = found[0]
        if check["level"] not in EXEMPTING_LEVELS:
            raise ValidationError("spot_check_id", f"a {check['level']} spot check does not "
                                                   "exempt: it must be provincial or national")
        if not check["passed"]:
            raise ValidationError("spot_check_id", "only a passed spot check exempts")
        today = china_date(now)
        checked_on = dt.date.fromisoformat(check["checked_on"])
        if checked_on < months_before(today, procedure_rules().testing_exemption_months):
            raise ValidationError("spot_check_id", "the spot check is older than six months")
        if set(row["scope"]) - set(check["unit_ids"]):
            raise ValidationError("spot_check_id", "the spot check does not cover every unit "
                                                   "applied for")
        testing = {"method": "exemption", "passed": True, "spot_check": {
            k: check[k] for k in ("id", "checked_on", "level", "reference", "products")}}
        return {"review": _review(row, testing=testing)}

    def _accept_prior_report(self, conn: Connection, p: Principal, row: dict[str, Any],
                             values: Values, now: dt.datetime) -> dict[str, Any]:
        _testing_open(row)
        institution_id = values.institution_id
        _qualified_institution(conn, institution_id)
        commissioned = values.commissioned
        conditions = row["review"].get("conditions")
        visit = (dt.date.fromisoformat(conditions["date"])
                 if conditions and conditions["method"] == "onsite" else china_date(now))
        if commissioned > visit:
            raise ValidationError("commissioned", "the report must have been commissioned "
                                                  "before the on-site verification")
        if not values.passed:
            raise ValidationError("passed", "only a passing report can be accepted")
        testing = {"method": "prior_report", "passed": True, "institution_id": institution_id,
                   "report_number": values.report_number,
                   "commissioned": commissioned.isoformat()}
        return {"review": _review(row, testing=testing)}

    def _approve(self, conn: Connection, p: Principal, row: dict[str, Any],
                 values: Values, now: dt.datetime) -> dict[str, Any]:
        review = row["review"]
        # 告知承诺: the licence follows the formal review; the on-site review comes after
        steps = ("testing",) if _procedure(row)["path"] == "commitment" else (
            "conditions", "testing")
        missing = [name for name in steps if not review.get(name, {}).get("passed")]
        if missing:
            raise InvalidTransition(
                f"cannot approve before {' and '.join(missing)} passed; refuse instead if "
                "they failed", row["state"], _allowed_except(row, "approve"))
        return {"review": _review(row, decision={"approved": True, "on": _iso(now)})}

    def _refuse(self, conn: Connection, p: Principal, row: dict[str, Any],
                values: Values, now: dt.datetime) -> dict[str, Any]:
        _bar_if_false(conn, row, values, now)
        return {"review": _review(row, decision={
            "approved": False, "reasons": values.reasons, "on": _iso(now),
            **_false_information(values)}), **_resume_clock(row, now)}

    def _issue(self, conn: Connection, p: Principal, row: dict[str, Any],
               values: Values, now: dt.datetime) -> dict[str, Any]:
        enterprise = enterprise_from_dict(row["enterprise"])
        scope = scope_of(row["scope"])
        today = china_date(now)
        bureau = bureau_by_code(row["bureau_code"])
        if row["kind"] == "renewal":
            number = LicenceNumber.parse(row["licence_number"])
            current = licence_in(conn, number)
            valid_until = default_valid_until(current.valid_until + dt.timedelta(days=1))
            licence = Licence(number, enterprise, scope, today, valid_until, bureau)
            issued = self.issuer.reissue_in(conn, licence, now)
        else:
            issued = self._issue_new(conn, enterprise, scope, bureau, today, now)
        changes: dict[str, Any] = {"licence_number": issued.number.canonical}
        steps: dict[str, Any] = {"issued": {"number": issued.number.canonical, "on": _iso(now)}}
        if _procedure(row)["path"] == "commitment":
            due = post_review_due_on(today)
            steps["post_review"] = {"state": "pending", "due": due.isoformat()}
            changes["post_review_due_on"] = due
        return {**changes, "review": _review(row, **steps)}

    def _issue_new(self, conn: Connection, enterprise: Enterprise, scope: tuple[Unit, ...],
                   bureau: Bureau, today: dt.date, now: dt.datetime) -> IssuedLicence:
        """A new licence — or, 一企一证 (国发〔2018〕33号), for an enterprise that holds a
        licence from this bureau, that licence, re-signed under its number with every
        product; its term stays, so no product's licence is lengthened unreviewed. The pair
        is locked first, so two issues at once cannot both find no licence."""
        writer.lock_holder(conn, enterprise.uscc, bureau.code)
        held = held_from(conn, enterprise.uscc, bureau.code, today)
        if not held:
            return self.issuer.issue_in(conn, Licence(
                None, enterprise, scope, today, default_valid_until(today), bureau), now)
        current = licence_in(conn, held[0], for_update=True)
        licence = Licence(current.number, enterprise,
                          scope_of(sorted({u.id for u in (*current.scope, *scope)})),
                          current.issued, current.valid_until, bureau, current.status)
        check_licence(licence)
        return self.issuer.reissue_in(conn, licence, now)

    def _record_post_review(self, conn: Connection, p: Principal, row: dict[str, Any],
                            values: Values, now: dt.datetime) -> dict[str, Any]:
        """后置现场审查: the on-site review of a licence issued on commitment. A failure
        revokes the licence in this transaction, with the finding as its reason."""
        pending = row["review"].get("post_review", {}).get("state") == "pending"
        if not pending:
            raise InvalidTransition(
                "only a licence issued on commitment (告知承诺) has an on-site review after "
                "issue, and it is recorded once", row["state"],
                _allowed_except(row, "record_post_review"))
        reviewed = _visit_date(values, now)
        if not values.passed and values.finding is None:
            raise ValidationError("finding", "is required when the review failed: "
                                  + " or ".join(POST_REVIEW_FINDINGS))
        if values.passed and values.finding is not None:
            raise ValidationError("finding", "is only for a review that failed")
        outcome = {**row["review"]["post_review"], "state": "passed" if values.passed
                   else "failed",
                   "review_body": row["review"]["assignment"]["review_body"],
                   "reviewers": _reviewers(row, values.reviewers),
                   "date": reviewed.isoformat(), "notes": values.notes or "",
                   "recorded": _iso(now)}
        changes: dict[str, Any] = {"post_review_due_on": None, "review_body_id": None}
        if not values.passed:
            finding = POST_REVIEW_FINDINGS[values.finding]
            outcome["finding"] = values.finding
            number = LicenceNumber.parse(row["licence_number"])
            current = licence_in(conn, number)
            if current.status in (LicenceStatus.VALID, LicenceStatus.SUSPENDED):
                changes[_REVOKE] = (number, {
                    "reason": f"{finding}（告知承诺后置现场审查）" + (
                        f"：{values.notes}" if values.notes else ""),
                    "legal_basis": POST_REVIEW_BASIS,
                    # a false commitment is a licence obtained by deceit (bars: 3 years)
                    "ground": "deceit" if values.finding == "false_commitment" else "other"})
                outcome["revoked"] = True
            changes["post_review_failed_on"] = reviewed
        return {**changes, "review": _review(row, post_review=outcome)}


_STEPS: dict[str, Callable[..., dict[str, Any]]] = {
    name: getattr(Applications, f"_{name}") for name in APPLICATION_ACTIONS
}


def view(row: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    """The API's picture of an application: state, allowed actions, review, deadline."""
    state = ApplicationState(row["state"])
    return {
        "id": row["id"], "kind": row["kind"], "state": state.value,
        "allowed_actions": _allowed(row),
        "procedure": _procedure(row)["path"],
        "bureau_code": row["bureau_code"], "enterprise": row["enterprise"],
        "scope": [{"id": u.id, "name": u.name} for u in scope_of(row["scope"])],
        "licence_number": row["licence_number"],
        "materials": row["materials"], "review": row["review"],
        "institution_id": row["institution_id"],
        "review_body_id": row["review_body_id"],
        "submitted_at": _iso(row["submitted_at"]),
        "accepted_on": row["accepted_on"] and row["accepted_on"].isoformat(),
        "deadline": deadline(row, now),
        "certificate_due": certificate_due(row, now),
        "correction_notice_due": _iso_date(correction_notice_due(row)),
        "post_review": post_review(row, now),
    }


def post_review(row: dict[str, Any], now: dt.datetime) -> dict[str, Any] | None:
    """告知承诺: the on-site review after issue, with its working days left while pending."""
    review = row["review"].get("post_review")
    if review is None:
        return None
    if review["state"] != "pending":
        return dict(review)
    calendar = working_days()
    today = china_date(now)
    due = dt.date.fromisoformat(review["due"])
    left = calendar.between(today, due) if today <= due else -calendar.between(due, today)
    return {**review, "working_days_left": left, "overdue": left < 0,
            "provisional": calendar.provisional(issued_on(row["review"]), max(due, today))}


def issued_on(review: dict[str, Any]) -> dt.date:
    """The day (in China) the application's licence was issued, from its review."""
    return china_date(dt.datetime.fromisoformat(review["issued"]["on"]))


def _procedure(row: dict[str, Any]) -> dict[str, Any]:
    """The procedure the application follows, kept at submission (an application older than
    the rules data followed the one procedure there was)."""
    found: dict[str, Any] = row["review"].get("procedure") or {"path": "verify_first",
                                                               "rules": {}}
    return found


def _allowed(row: dict[str, Any]) -> list[str]:
    """The actions the state allows, less an on-site visit's assignment where there is none
    to make (recorded already; on commitment, before issue) and its record where nobody is
    assigned."""
    pending = row["review"].get("post_review", {}).get("state") == "pending"
    issued = row["state"] == _S.ISSUED.value
    assigned = row["review_body_id"] is not None
    visit_open = pending if issued else (
        _procedure(row)["path"] != "commitment" and "conditions" not in row["review"])
    return [a for a in allowed_application_actions(ApplicationState(row["state"]))
            if (pending or not issued or a != "record_post_review")
            and (visit_open or a != "assign_review")
            and (assigned or a not in ("record_onsite", "record_post_review"))]


def deadline(row: dict[str, Any], now: dt.datetime) -> dict[str, Any] | None:
    """The 30-working-day clock: starts the day after acceptance, pauses during testing;
    ``provisional`` while it counts on a year whose holiday notice is not out yet."""
    state = ApplicationState(row["state"])
    accepted_on = row["accepted_on"]
    if accepted_on is None or state not in (_S.UNDER_REVIEW, _S.TESTING):
        return None
    calendar = working_days()
    today = china_date(now)
    try:
        paused = row["paused_days"]
        if row["testing_since"] is not None:
            paused += calendar.between(row["testing_since"], today)
        due = calendar.add(accepted_on, TIME_LIMIT + paused)
        left = calendar.between(today, due) if today <= due else -calendar.between(due, today)
    except UnknownYear as exc:
        return {"error": exc.detail, "unknown_year": exc.year}
    return {"due": due.isoformat(), "working_days_left": left, "overdue": left < 0,
            "provisional": calendar.provisional(accepted_on, max(due, today)),
            "paused": state is _S.TESTING, "paused_working_days": paused}


def certificate_due(row: dict[str, Any], now: dt.datetime) -> dict[str, Any] | None:
    """The certificate after 准予许可: within 10 working days of the decision (行政许可法
    第四十四条; the number and its source in the catalogue data file), while it waits."""
    if row["state"] != _S.APPROVED.value:
        return None
    decided = china_date(dt.datetime.fromisoformat(row["review"]["decision"]["on"]))
    calendar = working_days()
    today = china_date(now)
    try:
        due = calendar.add(decided, procedure_rules().certificate_working_days)
        left = calendar.between(today, due) if today <= due else -calendar.between(due, today)
    except UnknownYear as exc:
        return {"error": exc.detail, "unknown_year": exc.year}
    return {"due": due.isoformat(), "working_days_left": left, "overdue": left < 0,
            "provisional": calendar.provisional(decided, max(due, today))}


def _resume_clock(row: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    if row["testing_since"] is None:
        return {}
    paused = working_days().between(row["testing_since"], china_date(now))
    return {"testing_since": None, "paused_days": row["paused_days"] + paused}


def _review(row: dict[str, Any], **steps: Any) -> dict[str, Any]:
    return {**row["review"], **steps}


def return_tests(conn: Connection, principal: Principal, institution_id: int, why: str,
                 now: dt.datetime, request_id: str) -> builtins.list[int]:
    """An institution barred from testing gives back the tests it holds: each application
    returns to review (its clock runs again) and its enterprise chooses another
    institution. Each is audited."""
    returned = []
    for row in applications.find(conn, institution_id=institution_id,
                                 states=[_S.TESTING.value], limit=10**6):
        withdrawn = {**row["review"]["testing"], "withdrawn": _iso(now), "why": why}
        review = {k: v for k, v in row["review"].items() if k != "testing"}
        review["withdrawn_tests"] = [*row["review"].get("withdrawn_tests", []), withdrawn]
        changes = {"state": _S.UNDER_REVIEW.value, "institution_id": None, "review": review,
                   "updated_at": now, **_resume_clock(row, now)}
        changes["clock_due_on"] = clock_due_on({**row, **changes})
        applications.save(conn, row["id"], changes)
        audit.record(conn, principal, "test.withdrawn", f"application:{row['id']}",
                     row["bureau_code"], _audit_view(row),
                     _audit_view(applications.load(conn, row["id"])), request_id, now)
        returned.append(row["id"])
    return returned


def _visit_date(values: Values, now: dt.datetime) -> dt.date:
    today = china_date(now)
    visited: dt.date = values.date or today
    if visited > today:
        raise ValidationError("date", "is in the future")
    return visited


def _reviewers(row: dict[str, Any], numbers: list[str]) -> list[dict[str, str]]:
    """The reviewers who took part in a visit: two to four of those assigned, named."""
    assigned = {r["qualification_number"]: r for r in row["review"]["assignment"]["reviewers"]}
    strangers = [n for n in numbers if n not in assigned]
    if strangers:
        raise ValidationError("reviewers", f"{', '.join(strangers)} not assigned this visit")
    if len(set(numbers)) != len(numbers):
        raise ValidationError("reviewers", "names a reviewer twice")
    return [assigned[n] for n in numbers]


def _conditions_open(row: dict[str, Any]) -> None:
    if "conditions" in row["review"]:
        raise InvalidTransition("production conditions are already recorded", row["state"],
                                _allowed_except(row, "record_onsite", "accept_commitment",
                                                "assign_review"))


def _testing_open(row: dict[str, Any]) -> None:
    if row["review"].get("testing", {}).get("passed"):
        raise InvalidTransition(
            "product testing is already settled", row["state"],
            _allowed_except(row, "choose_institution", "exempt_testing", "accept_prior_report"))


def _allowed_except(row: dict[str, Any], *actions: str) -> list[str]:
    return [a for a in _allowed(row) if a not in actions]


def _qualified_institution(conn: Connection, institution_id: int,
                           field: str = "institution_id") -> None:
    try:
        found = accounts.institution(conn, institution_id)
    except NotFound:
        raise ValidationError(field, f"no inspection institution {institution_id}") from None
    if found.barred_on is not None:
        raise ValidationError(field, f"{found.name} is barred from testing since "
                                     f"{found.barred_on}: {found.barred_reason}")
    if not found.filed or found.level > procedure_rules().max_testing_level:
        raise ValidationError(field, f"{found.name} may not test for licences: it must be "
                                     "filed and of level II or above")


def _deem_accepted(conn: Connection, row: dict[str, Any], now: dt.datetime
                   ) -> dict[str, Any] | None:
    """行政许可法第三十二条: no correction notice by the fifth working day after receipt, and
    the application is accepted from receipt (视为受理): it goes under review, its 30-day
    clock counting from the day received. Recorded, and audited as the law's doing; the
    row as it now is, or None where the notice's time has not run out."""
    due = correction_notice_due(row)
    if due is None or china_date(now) <= due:
        return None
    # locked and read again: of readers at the same instant, one deems it, once
    row = applications.load(conn, row["id"], for_update=True)
    due = correction_notice_due(row)
    if due is None or china_date(now) <= due:
        return None
    received = china_date(row["submitted_at"])
    changes: dict[str, Any] = {
        "state": _S.UNDER_REVIEW.value, "accepted_on": received, "updated_at": now,
        "review": _review(row, acceptance={
            "decision": "deemed_accepted", "on": received.isoformat(),
            "notice_due": due.isoformat(), "basis": "行政许可法第三十二条"})}
    changes["clock_due_on"] = clock_due_on({**row, **changes})
    applications.save(conn, row["id"], changes)
    after = applications.load(conn, row["id"])
    audit.record_by_law(conn, "deemed_accept", f"application:{row['id']}", row["bureau_code"],
                        _audit_view(row), _audit_view(after),
                        "行政许可法第三十二条 (no correction notice within 5 working days)", now)
    return after


def _false_information(values: Values) -> dict[str, bool]:
    """What a refusal records of 行政许可法第七十八条: said only where it applies."""
    return {"false_information": True} if values.false_information else {}


def _bar_if_false(conn: Connection, row: dict[str, Any], values: Values,
                  now: dt.datetime) -> None:
    """行政许可法第七十八条: a refusal for false information bars the products a year."""
    if values.false_information:
        bars.record(conn, row["uscc"], "false_information",
                    {u.product.code for u in scope_of(row["scope"])}, china_date(now),
                    f"application:{row['id']}", now)


def _not_barred_by_law(conn: Connection, uscc: str, scope: tuple[Unit, ...],
                       today: dt.date) -> None:
    """No statutory bar (certsvc.domain.bars) runs for any product of the scope."""
    wanted = {u.product.code for u in scope}
    for bar in bars.in_force(conn, uscc, today):
        hit = sorted(wanted & set(bar.product_codes))
        if hit:
            names = [u.product.name for u in scope if u.product.code in hit]
            raise bar_refusal(bar.kind, bar.subject, bar.since, bar.until,
                              sorted(set(names)))


def _not_barred(conn: Connection, uscc: str, today: dt.date) -> None:
    """After a licence issued on commitment was revoked for a false commitment or a failed
    on-site review, the commitment path stays closed to the enterprise for a while."""
    months = procedure_rules().commitment_bar_months
    failed = applications.last_post_review_failure(conn, uscc)
    if failed is not None and failed > months_before(today, months):
        raise ProcedureClosed(
            f"an on-site review after a licence issued on commitment failed on {failed}; "
            f"the commitment procedure (告知承诺) is closed to this enterprise for "
            f"{months} months from then: apply with procedure verify_first")


def _iso_date(day: dt.date | None) -> str | None:
    return None if day is None else day.isoformat()


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat()


def _scope(principal: Principal) -> dict[str, Any]:
    """The applications an account's lists cover: its province, its own, its tests."""
    if principal.role is Role.PROVINCIAL:
        return {"bureau_code": jurisdiction(principal)}
    if principal.role is Role.ENTERPRISE:
        return {"uscc": principal.uscc}
    if principal.role is Role.INSTITUTION:
        return {"institution_id": principal.institution_id}
    if principal.role is Role.REVIEW_BODY:
        return {"review_body_id": principal.review_body_id or 0}
    if principal.role in (Role.NATIONAL, Role.AUDITOR):
        return {}
    # any other account (a department, a city or county bureau) has no applications: an
    # account whose role this does not know sees none rather than all
    raise Forbidden(f"a {principal.role.value} account has no applications to list")


def _audit_view(row: dict[str, Any]) -> dict[str, Any]:
    """What the audit log keeps of an application: its state, review and materials (the
    documents by SHA-256, so a document cannot be swapped unnoticed)."""
    return {"state": row["state"], "review": row["review"], "materials": row["materials"],
            "institution_id": row["institution_id"], "licence_number": row["licence_number"]}
