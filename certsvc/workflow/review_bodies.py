"""The register of review bodies (审查机构), their assignments, bars and annual reports.

国质检监〔2015〕364号 五(一). The national authority or a province registers a body (an
independent legal person, not for profit in this work) with the products it may review and
its reviewers by qualification number; a body registered by the national authority may be
assigned anywhere, a province's only there. A provincial bureau assigns an application's
on-site visit to an active body and two to four of its reviewers, never to one that declared
a conflict of interest with the enterprise (409); the body records the visit. The keeper
suspends or bars a body with a reason and the day, which gives its open assignments back to
the bureau. Each year the keeper sets the day reports are due; each body files its annual
report and its head's 述职报告; the keeper records the annual inspection. All of it is
audited.
"""

from __future__ import annotations

import builtins
import datetime as dt
from typing import Any

from sqlalchemy import Connection, Engine

from certsvc.domain.accounts import Principal, Role
from certsvc.domain.bureaus import NATIONAL_CODE
from certsvc.domain.catalogue import scope_of
from certsvc.domain.lifecycle import Actor
from certsvc.domain.review_bodies import (
    ANNUAL_REPORT_SPEC,
    BODY_STATUS_SPEC,
    CONFLICT_SPEC,
    INSPECTION_SPEC,
    REPORT_STATES,
    REPORTING_SPEC,
    REVIEW_BODY_SPEC,
    REVIEWER_SPEC,
)
from certsvc.domain.time import as_utc, china_date
from certsvc.errors import Conflict, Forbidden, NotFound, ValidationError
from certsvc.store import applications, audit
from certsvc.store import review_bodies as rows
from certsvc.store.oversight import insert_row
from certsvc.workflow.authz import require
from certsvc.workflow.documents import Documents


class ConflictOfInterest(Conflict):
    """The body, or a reviewer, declared a conflict of interest with the enterprise."""

    type = "conflict-of-interest"
    title = "Conflict of interest"


class BodyUnavailable(Conflict):
    """The body may not take on reviews: suspended or barred."""

    type = "review-body-unavailable"
    title = "Review body not active"


def assignment(conn: Connection, body_id: int, reviewers: list[str], *, uscc: str,
               unit_ids: list[int], bureau_code: str, now: dt.datetime) -> dict[str, Any]:
    """The record of an on-site visit assigned to a body and its reviewers, after every
    check: the body exists, is active, may serve this province and these products, the
    reviewers are two to four of its own, and neither it nor they declared a conflict with
    the enterprise."""
    try:
        body = rows.body(conn, body_id)
    except NotFound:
        raise ValidationError("review_body_id", f"no review body {body_id}") from None
    if body["status"] != "active":
        raise BodyUnavailable(f"{body['name']} is {body['status']} since {body['status_on']}"
                              f" ({body['status_reason']}) and may not be assigned")
    if body["keeper_code"] not in (NATIONAL_CODE, bureau_code):
        raise ValidationError("review_body_id", f"{body['name']} is registered with bureau "
                                                f"{body['keeper_code']}, not this one")
    beyond = set(unit_ids) - set(body["unit_ids"])
    if beyond:
        raise ValidationError("review_body_id", f"{body['name']} is not registered to review "
                              + "、".join(u.name for u in scope_of(sorted(beyond))))
    if len(set(reviewers)) != len(reviewers):
        raise ValidationError("reviewers", "names a reviewer twice")
    named = []
    for number in reviewers:
        found = rows.reviewer(conn, number)
        if found is None or found["body_id"] != body_id:
            raise ValidationError("reviewers", f"{number} is not a reviewer of "
                                               f"{body['name']}")
        named.append(found)
    ids = {r["id"] for r in named}
    for declared in rows.conflicts(conn, body_id, uscc):
        if declared["reviewer_id"] is None or declared["reviewer_id"] in ids:
            who = body["name"] if declared["reviewer_id"] is None else next(
                r["name"] for r in named if r["id"] == declared["reviewer_id"])
            raise ConflictOfInterest(f"{who} declared a conflict of interest with this "
                                     f"enterprise: {declared['note']}")
    return {"review_body_id": body_id, "review_body": body["name"],
            "reviewers": [{"name": r["name"], "qualification_number":
                           r["qualification_number"]} for r in named],
            "assigned": now.astimezone(dt.UTC).isoformat()}


class ReviewBodies:
    def __init__(self, engine: Engine, documents: Documents) -> None:
        self.engine = engine
        self.documents = documents

    # --- the register --------------------------------------------------------------------
    def register(self, principal: Principal, data: Any, now: dt.datetime,
                 request_id: str) -> dict[str, Any]:
        if not principal.is_bureau or principal.bureau_code is None:
            raise Forbidden("the national authority or a provincial bureau registers review "
                            "bodies")
        request = REVIEW_BODY_SPEC.parse(data)
        if not request.not_for_profit:
            raise ValidationError("not_for_profit", "a review body may not seek profit "
                                  "from the review work (国质检监〔2015〕364号 五(一))")
        with self.engine.begin() as conn:
            if rows.body_by_uscc(conn, request.uscc) is not None:
                raise Conflict(f"a review body with USCC {request.uscc} is registered")
            body_id = insert_row(conn, rows.BODIES, {
                "name": request.name, "uscc": request.uscc,
                "keeper_code": principal.bureau_code, "qualification": request.qualification,
                "unit_ids": [u.id for u in request.products], "status": "active",
                "registered_at": now})
            view = _body(conn, body_id)
            audit.record(conn, principal, "review_body.register", f"review_body:{body_id}",
                         principal.bureau_code, None, view, request_id, now)
        return view

    def add_reviewer(self, principal: Principal, body_id: int, data: Any, now: dt.datetime,
                     request_id: str) -> dict[str, Any]:
        with self.engine.begin() as conn:
            body = self._kept(conn, principal, body_id)
            request = REVIEWER_SPEC.parse(data)
            if rows.reviewer(conn, request.qualification_number) is not None:
                raise Conflict(f"reviewer {request.qualification_number} is registered")
            before = _body(conn, body_id)
            insert_row(conn, rows.REVIEWERS, {
                "body_id": body_id, "name": request.name,
                "qualification_number": request.qualification_number, "registered_at": now})
            after = _body(conn, body_id)
            audit.record(conn, principal, "review_body.reviewer", f"review_body:{body_id}",
                         body["keeper_code"], before, after, request_id, now)
        return after

    def declare_conflict(self, principal: Principal, body_id: int, data: Any,
                         now: dt.datetime, request_id: str) -> dict[str, Any]:
        """The body itself or its keeper declares that the body, or one reviewer, may not
        review an enterprise (it consulted for it, or is otherwise tied to it)."""
        with self.engine.begin() as conn:
            body = self._own_or_kept(conn, principal, body_id)
            request = CONFLICT_SPEC.parse(data)
            reviewer_id = None
            if request.reviewer is not None:
                found = rows.reviewer(conn, request.reviewer)
                if found is None or found["body_id"] != body_id:
                    raise ValidationError("reviewer", f"{request.reviewer} is not a reviewer "
                                                      f"of {body['name']}")
                reviewer_id = found["id"]
            conflict_id = insert_row(conn, rows.CONFLICTS, {
                "body_id": body_id, "reviewer_id": reviewer_id, "uscc": request.uscc,
                "note": request.note, "declared_at": now, "account_id": principal.account_id})
            view = {"id": conflict_id, "review_body_id": body_id, "uscc": request.uscc,
                    "reviewer": request.reviewer, "note": request.note,
                    "declared_at": _iso(now)}
            audit.record(conn, principal, "review_body.conflict", f"review_body:{body_id}",
                         body["keeper_code"], None, view, request_id, now)
        return view

    def set_status(self, principal: Principal, body_id: int, data: Any, now: dt.datetime,
                   request_id: str) -> dict[str, Any]:
        """Suspend, bar or reinstate a body. A body that is no longer active gives back the
        on-site visits it holds: each returns to its bureau to assign again."""
        with self.engine.begin() as conn:
            body = self._kept(conn, principal, body_id, for_update=True)
            request = BODY_STATUS_SPEC.parse(data)
            if request.status == body["status"]:
                raise Conflict(f"{body['name']} is {body['status']} already")
            before = _body(conn, body_id)
            rows.set_status(conn, body_id, request.status, request.reason, china_date(now))
            returned = []
            if request.status != "active":
                returned = self._give_back(conn, principal, body, request.status,
                                           request.reason, now, request_id)
            after = {**_body(conn, body_id), "returned_applications": returned}
            audit.record(conn, principal, "review_body.status", f"review_body:{body_id}",
                         body["keeper_code"], before, after, request_id, now)
        return after

    @staticmethod
    def _give_back(conn: Connection, principal: Principal, body: dict[str, Any],
                   status: str, reason: str, now: dt.datetime, request_id: str) -> list[int]:
        returned = []
        for row in rows.open_assignments(conn, body["id"]):
            withdrawn = {**row["review"]["assignment"], "withdrawn": _iso(now),
                         "why": f"{body['name']} {status}: {reason}"}
            review = {k: v for k, v in row["review"].items() if k != "assignment"}
            review["withdrawn_assignments"] = [*row["review"].get("withdrawn_assignments", []),
                                               withdrawn]
            applications.save(conn, row["id"], {"review_body_id": None, "review": review,
                                                 "updated_at": now})
            audit.record(conn, principal, "assignment.withdrawn", f"application:{row['id']}",
                         row["bureau_code"], {"assignment": row["review"]["assignment"]},
                         {"withdrawn": withdrawn}, request_id, now)
            returned.append(row["id"])
        return returned

    def list(self, principal: Principal, *, before: int | None = None, limit: int = 100
             ) -> list[dict[str, Any]]:
        """The bodies this account may see, newest first: a province's own and the national
        authority's (it may assign both); everything for the national authority and
        auditors; a body its own entry."""
        with self.engine.connect() as conn:
            if principal.role is Role.REVIEW_BODY:
                found = rows.bodies(conn, body_id=principal.review_body_id or 0)
            elif principal.role is Role.PROVINCIAL:
                found = rows.bodies(conn, keeper_codes=(NATIONAL_CODE, principal.bureau_code),
                                    before=before, limit=limit)
            elif principal.role in (Role.NATIONAL, Role.AUDITOR):
                found = rows.bodies(conn, before=before, limit=limit)
            else:
                raise Forbidden("the register of review bodies is for bureaus, auditors and "
                                "the bodies")
            return [_shown(conn, b) for b in found]

    # --- annual reports ------------------------------------------------------------------
    def set_deadline(self, principal: Principal, data: Any, now: dt.datetime,
                     request_id: str) -> dict[str, Any]:
        if not principal.is_bureau or principal.bureau_code is None:
            raise Forbidden("a body's keeper sets when annual reports are due")
        request = REPORTING_SPEC.parse(data)
        if request.due_on < china_date(now):
            raise ValidationError("due_on", "is in the past")
        with self.engine.begin() as conn:
            bodies = rows.set_deadline(conn, principal.bureau_code, request.year,
                                       request.due_on)
            view = {"year": request.year, "due_on": request.due_on.isoformat(),
                    "review_body_ids": bodies}
            audit.record(conn, principal, "review_body.reporting",
                         f"review_body_reports:{request.year}", principal.bureau_code, None,
                         view, request_id, now)
        return view

    def file_report(self, principal: Principal, body_id: int, year: int, data: Any,
                    now: dt.datetime, request_id: str) -> dict[str, Any]:
        if principal.role is not Role.REVIEW_BODY or principal.review_body_id != body_id:
            raise Forbidden("only the review body files its own annual report")
        request = ANNUAL_REPORT_SPEC.parse(data)
        documents = self.documents.attach(principal, {"report": request.report,
                                                      "head_report": request.head_report},
                                          field="{}")
        with self.engine.begin() as conn:
            found = rows.report(conn, body_id, year, for_update=True)
            if found["filed_at"] is not None:
                raise Conflict(f"the annual report for {year} was filed on "
                               f"{_iso(found['filed_at'])}")
            rows.save_report(conn, found["id"], {"documents": documents, "filed_at": now})
            view = _report(rows.report(conn, body_id, year), china_date(now))
            audit.record(conn, principal, "review_body.file_report",
                         f"review_body:{body_id}", found["keeper_code"], None, view,
                         request_id, now)
        return view

    def inspect(self, principal: Principal, body_id: int, year: int, data: Any,
                now: dt.datetime, request_id: str) -> dict[str, Any]:
        """年度检查: the keeper's conclusion on a filed report."""
        with self.engine.begin() as conn:
            self._kept(conn, principal, body_id)
            request = INSPECTION_SPEC.parse(data)
            found = rows.report(conn, body_id, year, for_update=True)
            if found["filed_at"] is None:
                raise Conflict(f"the annual report for {year} is not filed yet")
            if found["inspected_at"] is not None:
                raise Conflict(f"the annual report for {year} was inspected already")
            before = _report(found, china_date(now))
            rows.save_report(conn, found["id"], {"passed": request.passed,
                                                 "inspection_note": request.note,
                                                 "inspected_at": now})
            after = _report(rows.report(conn, body_id, year), china_date(now))
            audit.record(conn, principal, "review_body.inspect", f"review_body:{body_id}",
                         found["keeper_code"], before, after, request_id, now)
        return after

    def reports(self, principal: Principal, now: dt.datetime, *, state: str | None = None,
                before: int | None = None, limit: int = 100) -> builtins.list[dict[str, Any]]:
        """Annual reports newest first, ``state`` one of due, overdue, filed, inspected: a
        keeper's bodies', a body's own, everyone's for the national authority and
        auditors."""
        if state is not None and state not in REPORT_STATES:
            raise ValidationError("state", "is one of " + ", ".join(REPORT_STATES))
        keeper, body_id = None, None
        if principal.role is Role.PROVINCIAL:
            keeper = principal.bureau_code
        elif principal.role is Role.REVIEW_BODY:
            body_id = principal.review_body_id or 0
        elif principal.role not in (Role.NATIONAL, Role.AUDITOR):
            raise Forbidden("annual reports of review bodies are for their keepers, auditors "
                            "and the bodies")
        today = china_date(now)
        with self.engine.connect() as conn:
            return [_report(r, today) for r in rows.reports(
                conn, keeper_code=keeper, body_id=body_id, state=state, today=today,
                before=before, limit=limit)]

    def report_document(self, principal: Principal, body_id: int, year: int,
                        material: str) -> tuple[bytes, str, str]:
        """(bytes, media type, file name) of a filed report, for its keeper and the body."""
        with self.engine.connect() as conn:
            self._own_or_kept(conn, principal, body_id)
            found = rows.report(conn, body_id, year)
        entry = (found["documents"] or {}).get(material)
        if entry is None:
            raise NotFound(f"no {material!r} in the annual report for {year}")
        return (self.documents.store.get(entry["document"].removeprefix("sha256:")),
                entry["media_type"], entry["name"])

    # --- who may act on a body ------------------------------------------------------------
    @staticmethod
    def _kept(conn: Connection, principal: Principal, body_id: int,
              for_update: bool = False) -> dict[str, Any]:
        """The body, if this bureau keeps it (the national authority keeps every one)."""
        if not principal.is_bureau:
            raise Forbidden("only the bureau that registered a review body manages it")
        try:
            body = rows.body(conn, body_id, for_update=for_update)
        except NotFound:
            raise Forbidden(f"review body {body_id} does not exist or is not "
                            "yours") from None
        require(principal, Actor.BUREAU, bureau_code=body["keeper_code"])
        return body

    @classmethod
    def _own_or_kept(cls, conn: Connection, principal: Principal, body_id: int
                     ) -> dict[str, Any]:
        if principal.role is Role.REVIEW_BODY:
            if principal.review_body_id != body_id:
                raise Forbidden(f"review body {body_id} does not exist or is not yours")
            return rows.body(conn, body_id)
        return cls._kept(conn, principal, body_id)


def _body(conn: Connection, body_id: int) -> dict[str, Any]:
    (found,) = rows.bodies(conn, body_id=body_id)
    return _shown(conn, found)


def _shown(conn: Connection, body: dict[str, Any]) -> dict[str, Any]:
    return {"id": body["id"], "name": body["name"], "uscc": body["uscc"],
            "keeper_code": body["keeper_code"], "qualification": body["qualification"],
            "products": [{"id": u.id, "name": u.name} for u in scope_of(body["unit_ids"])],
            "status": body["status"], "status_reason": body["status_reason"],
            "status_on": body["status_on"] and body["status_on"].isoformat(),
            "reviewers": [{"name": r["name"], "qualification_number":
                           r["qualification_number"]} for r in body["reviewers"]],
            "conflicts": [{"uscc": c["uscc"], "reviewer_id": c["reviewer_id"],
                           "note": c["note"], "declared_at": _iso(c["declared_at"])}
                          for c in rows.conflicts_of(conn, body["id"])]}


def _report(row: dict[str, Any], today: dt.date) -> dict[str, Any]:
    state = ("inspected" if row["inspected_at"] else "filed" if row["filed_at"]
             else "overdue" if row["due_on"] < today else "due")
    return {"id": row["id"], "review_body_id": row["body_id"],
            "review_body": row["name"], "year": row["year"],
            "due_on": row["due_on"].isoformat(), "state": state,
            "documents": row["documents"],
            "filed_at": row["filed_at"] and _iso(row["filed_at"]),
            "passed": row["passed"], "inspection_note": row["inspection_note"],
            "inspected_at": row["inspected_at"] and _iso(row["inspected_at"])}


def _iso(moment: dt.datetime) -> str:
    return as_utc(moment).isoformat()
