"""Quality-safety evaluations by review bodies, and the supervision grade of each enterprise
(``certsvc.domain.grading``): computed from its record on read, overridden by a bureau with
a reason (audited), listed with the spot checks a year each grade asks for.

An enterprise is graded where it holds a licence in force or one its product's leaving the
catalogue made 'no longer required'; its bureau is the province of those licences (a city or
county bureau: its area).
"""

from __future__ import annotations

import builtins
import datetime as dt
from typing import Any

from sqlalchemy import Connection, Engine

from certsvc.domain.accounts import Principal, Role
from certsvc.domain.areas import province_of
from certsvc.domain.bureaus import NATIONAL_CODE, bureau_by_code
from certsvc.domain.evaluations import CRITERIA, EVALUATION_SPEC, rating
from certsvc.domain.grading import (
    CHECKS_PER_YEAR,
    GRADES,
    OVERRIDE_SPEC,
    WINDOW_MONTHS,
    Grade,
    grade,
)
from certsvc.domain.time import as_utc, china_date
from certsvc.domain.uscc import validate_uscc
from certsvc.errors import Forbidden, NotFound, ValidationError
from certsvc.store import applications, audit, feed, review_bodies
from certsvc.store import grading as rows
from certsvc.store.oversight import insert_row
from certsvc.workflow.authz import Filters, hidden, list_scope

GRADE_PAGE = 100


class Grading:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # --- evaluations ---------------------------------------------------------------------
    def evaluate(self, principal: Principal, data: Any, now: dt.datetime,
                 request_id: str) -> dict[str, Any]:
        """A review body records its evaluation of an enterprise (五(二))."""
        if principal.role is not Role.REVIEW_BODY or principal.review_body_id is None:
            raise Forbidden("a review body records the quality-safety evaluations it made")
        request = EVALUATION_SPEC.parse(data)
        if request.evaluated_on > china_date(now):
            raise ValidationError("evaluated_on", "is in the future")
        scores = {s.criterion: s.score for s in request.scores}
        if set(scores) != set(CRITERIA):
            raise ValidationError("scores", "needs one score for each condition: "
                                  + ", ".join(CRITERIA))
        with self.engine.begin() as conn:
            body = review_bodies.body(conn, principal.review_body_id)
            if body["status"] != "active":
                raise Forbidden(f"{body['name']} is {body['status']}: it may not evaluate")
            _assigned(conn, body, request.application, request.uscc)
            values = {"uscc": request.uscc, "bureau_code": _registered_in(request.uscc),
                      "body_id": body["id"], "evaluated_on": request.evaluated_on,
                      "scores": [{"criterion": c, "term": CRITERIA[c], "score": scores[c]}
                                 for c in CRITERIA],
                      "rating": rating(list(scores.values())),
                      "conclusion": request.conclusion, "recorded_at": now}
            evaluation_id = insert_row(conn, rows.EVALUATIONS, values)
            view = _evaluation({**values, "id": evaluation_id}, body["name"])
            feed.record(conn, "evaluation.recorded", request.uscc,
                        f"evaluation:{evaluation_id}", view, now)
            audit.record(conn, principal, "evaluation.record", f"evaluation:{evaluation_id}",
                         values["bureau_code"], None, view, request_id, now)
        return view

    def evaluations(self, principal: Principal, *, uscc: str | None = None,
                    before: int | None = None, limit: int = 100
                    ) -> builtins.list[dict[str, Any]]:
        """Evaluations newest first: a bureau's (of enterprises registered in its province
        or area), an enterprise's own, a review body's own."""
        body_id = None
        if principal.role is Role.REVIEW_BODY:
            filters: Filters = {"bureau_code": None, "uscc": None, "area": None}
            body_id = principal.review_body_id or 0
        else:
            filters = list_scope(principal, "quality-safety evaluations").filters()
        if uscc is not None:
            wanted = validate_uscc(uscc, "uscc")
            if filters["uscc"] not in (None, wanted):
                return []
            filters["uscc"] = wanted
        with self.engine.connect() as conn:
            found = rows.evaluations(conn, **filters, body_id=body_id, before=before,
                                     limit=limit)
            names = {b["id"]: b["name"] for b in review_bodies.bodies(conn, limit=10_000)}
        return [_evaluation(r, names.get(r["body_id"], "")) for r in found]

    # --- grades --------------------------------------------------------------------------
    def grade_of(self, principal: Principal, uscc: str, now: dt.datetime) -> dict[str, Any]:
        """One enterprise's grade: computed, its reasons, any override."""
        code = validate_uscc(uscc, "uscc")
        with self.engine.connect() as conn:
            graded = self._graded(conn, principal, code)
            return self._views(conn, [graded], now)[0]

    def override(self, principal: Principal, uscc: str, data: Any, now: dt.datetime,
                 request_id: str) -> dict[str, Any]:
        code = validate_uscc(uscc, "uscc")
        with self.engine.begin() as conn:
            graded = self._graded(conn, principal, code)
            if principal.role is Role.AUDITOR:
                raise Forbidden("an auditor reads grades; a bureau sets them")
            request = OVERRIDE_SPEC.parse(data)
            before = self._views(conn, [graded], now)[0]
            insert_row(conn, rows.OVERRIDES, {
                "uscc": code, "grade": request.grade, "reason": request.reason,
                "account_id": principal.account_id,
                "bureau_code": principal.bureau_code or NATIONAL_CODE, "at": now})
            after = self._views(conn, [graded], now)[0]
            audit.record(conn, principal, "grade.override", f"enterprise:{code}",
                         principal.bureau_code, before, after, request_id, now)
        return after

    def list(self, principal: Principal, now: dt.datetime, *, letter: str | None = None,
             after: str = "", limit: int = GRADE_PAGE) -> builtins.list[dict[str, Any]]:
        """The spot-check frequency list: the enterprises a bureau supervises by USCC after
        ``after``, each with its grade and the checks a year it asks for; ``letter``: only
        that grade (the list is read in batches until the page is full)."""
        if letter is not None and letter not in GRADES:
            raise ValidationError("grade", "is one of " + ", ".join(GRADES))
        if principal.role not in (Role.NATIONAL, Role.PROVINCIAL, Role.LOCAL, Role.AUDITOR):
            raise Forbidden("supervision grades are for the bureaus and auditors")
        filters = list_scope(principal, "grades").filters()
        found: builtins.list[dict[str, Any]] = []
        with self.engine.connect() as conn:
            while len(found) < limit:
                batch = rows.enterprises(conn, bureau_code=filters["bureau_code"],
                                         area=filters["area"], after=after, limit=limit)
                views = self._views(conn, batch, now)
                found += [v for v in views if letter is None or v["grade"] == letter]
                if len(batch) < limit:
                    break
                after = batch[-1]["uscc"]
        return found[:limit]

    def _graded(self, conn: Connection, principal: Principal, uscc: str) -> dict[str, Any]:
        """The enterprise, if graded and this account may see its grade."""
        if principal.role not in (Role.NATIONAL, Role.PROVINCIAL, Role.LOCAL, Role.AUDITOR):
            raise Forbidden("supervision grades are for the bureaus and auditors")
        filters = list_scope(principal, "grades").filters()
        found = rows.enterprises(conn, bureau_code=filters["bureau_code"],
                                 area=filters["area"], uscc=uscc, after="", limit=1)
        if found:
            return found[0]
        if principal.role in (Role.NATIONAL, Role.AUDITOR):
            raise NotFound(f"{uscc} holds no licence in force nor one its product's leaving "
                           "the catalogue ended")
        raise hidden("graded enterprise", uscc)

    @staticmethod
    def _views(conn: Connection, graded: builtins.list[dict[str, Any]], now: dt.datetime
               ) -> builtins.list[dict[str, Any]]:
        usccs = [g["uscc"] for g in graded]
        since = _months_back(now, WINDOW_MONTHS)
        records = rows.records(conn, usccs, {g["uscc"]: g["delisted"] for g in graded}, since)
        overrides = rows.overrides(conn, usccs)
        checked = rows.last_checks(conn, usccs)
        views = []
        for g in graded:
            computed = grade(records[g["uscc"]])
            override = overrides.get(g["uscc"])
            letter = override["grade"] if override is not None else computed.grade
            views.append({
                "uscc": g["uscc"], "name": g["name"], "delisted": g["delisted"],
                "grade": letter, "term": GRADES[letter],
                "computed": _computed(computed),
                "override": None if override is None else {
                    "grade": override["grade"], "reason": override["reason"],
                    "at": as_utc(override["at"]).isoformat(),
                    "account_id": override["account_id"]},
                "checks_per_year": CHECKS_PER_YEAR[letter],
                "last_spot_check": checked[g["uscc"]].isoformat()
                if g["uscc"] in checked else None})
        return views


def _computed(computed: Grade) -> dict[str, Any]:
    return {"grade": computed.grade, "reasons": list(computed.reasons),
            "rule": computed.rule}


def _months_back(now: dt.datetime, months: int) -> dt.datetime:
    return now - dt.timedelta(days=round(months * 365.25 / 12))


def _assigned(conn: Connection, body: dict[str, Any], application_id: int, uscc: str) -> None:
    """A body evaluates an enterprise in an on-site review a bureau assigned it: the
    application's current or completed assignment (not one withdrawn) names this body, and
    the application is the enterprise's. The same answer for an application that does not
    exist and one that is not this body's: it learns nothing of other cases."""
    try:
        row = applications.load(conn, application_id)
    except NotFound:
        row = None
    assignment = ((row or {}).get("review") or {}).get("assignment") or {}
    if row is None or assignment.get("review_body_id") != body["id"]:
        raise Forbidden(f"{body['name']} was assigned no on-site review of application "
                        f"{application_id}: an evaluation belongs to an assignment")
    if row["uscc"] != uscc:
        raise ValidationError("uscc", f"application {application_id} is not this "
                                      "enterprise's")


def _registered_in(uscc: str) -> str:
    """The province whose authority registered the enterprise (GB 32100-2015)."""
    try:
        return bureau_by_code(province_of(uscc)).code
    except ValidationError:
        return NATIONAL_CODE


def _evaluation(row: Any, body: str) -> dict[str, Any]:
    return {"id": row["id"], "uscc": row["uscc"], "review_body": body,
            "evaluated_on": row["evaluated_on"].isoformat(), "scores": row["scores"],
            "rating": row["rating"], "conclusion": row["conclusion"],
            "recorded_at": as_utc(row["recorded_at"]).isoformat()}

