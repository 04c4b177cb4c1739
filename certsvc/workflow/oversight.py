"""Oversight after licensing: spot-check results (监督抽查) and recalls (召回).

A bureau records spot checks of licensed enterprises in its province (the national authority
anywhere); a passed check by a provincial-or-higher authority within six months exempts a new
application from product testing. An enterprise announces recalls of defective products, sold
and unsold, which stay on the public site until it closes them. All of it is audited and in
the data-sharing feed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine

from certsvc.domain.accounts import Principal, Role
from certsvc.domain.areas import SPOT_CHECK_LEVEL, Area
from certsvc.domain.catalogue import catalogue
from certsvc.domain.duties import (
    FILING_SPEC,
    INSTITUTION_SPEC,
    RECALL_CLOSE_SPEC,
    RECALL_ORDER_SPEC,
    RECALL_ORDER_STATES,
    RECALL_SPEC,
    SPOT_CHECK_SPEC,
)
from certsvc.domain.lifecycle import Actor
from certsvc.domain.review_bodies import INSTITUTION_STATUS_SPEC
from certsvc.domain.time import as_utc, china_date
from certsvc.errors import Conflict, Forbidden, NotFound, ValidationError
from certsvc.store import accidents as accident_rows
from certsvc.store import accounts, audit, feed, oversight
from certsvc.store.reader import (
    in_force_scopes,
    qualified_institutions,
    recall_view,
    recalls_of,
    spot_check_view,
    spot_checks_of,
    supervised_scopes,
)
from certsvc.workflow.applications import return_tests
from certsvc.workflow.authz import SUPERVISORS, hidden, list_scope, missing, require


class SpotChecks:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def record(self, principal: Principal, data: Any, now: dt.datetime,
               request_id: str) -> dict[str, Any]:
        if principal.role not in (Role.PROVINCIAL, Role.NATIONAL, Role.LOCAL):
            raise Forbidden("only a market-regulation bureau may do this")
        request = SPOT_CHECK_SPEC.parse(data)
        uscc, units, checked_on = request.uscc, request.products, request.checked_on
        if checked_on > china_date(now):
            raise ValidationError("checked_on", "is in the future")
        with self.engine.begin() as conn:
            bureaus = {number.bureau_code for number, scope in supervised_scopes(conn, uscc)
                       if {u.id for u in units} & set(scope)}
            if not bureaus:
                raise ValidationError("products", "no licence of this enterprise covers these "
                                                  "products, in force or ended by the "
                                                  "catalogue's change")
            bureau = sorted(bureaus)[0]
            require(principal, Actor.SUPERVISION, bureau_code=bureau, uscc=uscc)
            if principal.role is Role.LOCAL:
                own = SPOT_CHECK_LEVEL[Area(principal.area_code or "").level]
                if request.level != own:
                    raise ValidationError("level", f"a {own} bureau records {own} spot "
                                                   "checks")
            accounts.institution(conn, request.institution_id)
            values = {"uscc": uscc, "bureau_code": bureau, "level": request.level,
                      "checked_on": checked_on, "unit_ids": [u.id for u in units],
                      "institution_id": request.institution_id, "passed": request.passed,
                      "reference": request.reference, "recorded_at": now}
            check_id = oversight.insert_row(conn, oversight.SPOT_CHECKS, values)
            (view,) = spot_checks_of(conn, uscc, check_id)
            feed.record(conn, "spot_check.recorded", uscc, f"spot_check:{check_id}", view, now)
            audit.record(conn, principal, "spot_check.record", f"spot_check:{check_id}",
                         bureau, None, view, request_id, now)
        return view


    def list(self, principal: Principal, *, before: int | None = None,
             limit: int = 100) -> list[dict[str, Any]]:
        """Spot checks this account may read (a bureau's province, an enterprise's own),
        newest first."""
        scope = list_scope(principal, "spot checks")
        with self.engine.connect() as conn:
            return [spot_check_view(r) for r in oversight.find(
                conn, oversight.SPOT_CHECKS,
                **scope.filters(), before=before, limit=limit)]


class Recalls:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def list(self, principal: Principal, *, open_only: bool = False,
             before: int | None = None, limit: int = 100) -> list[dict[str, Any]]:
        """Recalls this account may read (a bureau: of enterprises licensed in its
        province), newest first."""
        scope = list_scope(principal, "recalls")
        with self.engine.connect() as conn:
            return [recall_view(r) for r in oversight.find(
                conn, oversight.RECALLS,
                **scope.filters(), open_only=open_only,
                before=before, limit=limit)]

    def announce(self, principal: Principal, data: Any, now: dt.datetime,
                 request_id: str) -> dict[str, Any]:
        uscc = _enterprise(principal)
        request = RECALL_SPEC.parse(data)
        units = request.products
        with self.engine.begin() as conn:
            licensed = {u for _, scope in in_force_scopes(conn, uscc) for u in scope}
            if not {u.id for u in units} <= licensed:
                raise ValidationError("products", "recalls cover products of this "
                                                  "enterprise's licences")
            order = _order_answered(conn, uscc, request.order_id, {u.id for u in units})
            values = {"uscc": uscc, "unit_ids": [u.id for u in units],
                      **{name: request[name] for name in ("defect", "batches", "sold",
                                                          "unsold", "remedy", "contact")},
                      "announced_at": now}
            recall_id = oversight.insert_row(conn, oversight.RECALLS, values)
            if order is not None:
                oversight.answer_order(conn, order["id"], recall_id, now)
            view = {**_recall(conn, uscc, recall_id), "order_id": request.order_id}
            feed.record(conn, "recall.announced", uscc, f"recall:{recall_id}", view, now)
            audit.record(conn, principal, "recall.announce", f"recall:{recall_id}", None,
                         None, view, request_id, now)
        return view

    def close(self, principal: Principal, recall_id: int, data: Any, now: dt.datetime,
              request_id: str) -> dict[str, Any]:
        uscc = _enterprise(principal)
        with self.engine.begin() as conn:
            row = oversight.load(conn, oversight.RECALLS, recall_id, for_update=True)
            if row["uscc"] != uscc:
                raise NotFound(f"no recall {recall_id} of yours")
            note = RECALL_CLOSE_SPEC.parse(data).note
            if row["closed_at"] is not None:
                raise Conflict(f"recall {recall_id} is already closed")
            before = _recall(conn, uscc, recall_id)
            oversight.close_recall(conn, recall_id, note, now)
            after = _recall(conn, uscc, recall_id)
            feed.record(conn, "recall.closed", uscc, f"recall:{recall_id}", after, now)
            audit.record(conn, principal, "recall.close", f"recall:{recall_id}", None, before,
                         after, request_id, now)
        return after


def _order_answered(conn: Any, uscc: str, order_id: int | None, units: set[int]
                    ) -> Any:
    """The recall order a recall answers (None: it answers none): the enterprise's own,
    unanswered, and the recall covers every product it names."""
    if order_id is None:
        return None
    try:
        order = oversight.load(conn, oversight.RECALL_ORDERS, order_id, for_update=True)
    except NotFound:
        order = None
    if order is None or order["uscc"] != uscc:
        raise ValidationError("order_id", f"no recall order {order_id} of yours")
    if order["recall_id"] is not None:
        raise Conflict(f"recall order {order_id} was answered by recall {order['recall_id']}")
    if not set(order["unit_ids"]) <= units:
        raise ValidationError("products", "the recall must cover every product the order "
                              "names: " + "、".join(catalogue().unit(u).name
                                                    for u in order["unit_ids"]))
    return order


class RecallOrders:
    """责令召回: a bureau (a city or county bureau in its area) orders an enterprise to recall
    products, on an accident report or a failed spot check; the enterprise's recall answers
    it; an order unanswered past its deadline is overdue."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def order(self, principal: Principal, data: Any, now: dt.datetime,
              request_id: str) -> dict[str, Any]:
        if principal.role not in SUPERVISORS:
            raise Forbidden("only a market-regulation bureau may do this")
        request = RECALL_ORDER_SPEC.parse(data)
        if request.deadline <= china_date(now):
            raise ValidationError("deadline", "must be after today")
        with self.engine.begin() as conn:
            cause = _cause(conn, principal, request.cause, request.cause_id)
            values = {"uscc": cause["uscc"], "bureau_code": cause["bureau_code"],
                      "area_code": principal.area_code, "account_id": principal.account_id,
                      "cause": f"{request.cause}:{request.cause_id}",
                      "unit_ids": cause["unit_ids"], "reason": request.reason,
                      "deadline": request.deadline, "ordered_at": now}
            order_id = oversight.insert_row(conn, oversight.RECALL_ORDERS, values)
            view = recall_order_view(oversight.load(conn, oversight.RECALL_ORDERS, order_id),
                                     china_date(now))
            feed.record(conn, "recall.ordered", cause["uscc"], f"recall_order:{order_id}",
                        view, now)
            audit.record(conn, principal, "recall_order.order", f"recall_order:{order_id}",
                         cause["bureau_code"], None, view, request_id, now)
        return view

    def list(self, principal: Principal, now: dt.datetime, *, state: str | None = None,
             before: int | None = None, limit: int = 100) -> list[dict[str, Any]]:
        """Recall orders this account may read (an enterprise: those it must answer),
        newest first; ``state`` open, overdue or answered."""
        if state is not None and state not in RECALL_ORDER_STATES:
            raise ValidationError("state", "is one of " + ", ".join(RECALL_ORDER_STATES))
        scope = list_scope(principal, "recall orders")
        today = china_date(now)
        with self.engine.connect() as conn:
            return [recall_order_view(r, today) for r in oversight.find_orders(
                conn, **scope.filters(), state=state, today=today, before=before,
                limit=limit)]


def _cause(conn: Any, principal: Principal, kind: str, cause_id: int) -> dict[str, Any]:
    """The accident report or failed spot check an order rests on, if this bureau
    supervises its enterprise; another's is told apart from none as little as the API's
    paths are (:func:`certsvc.workflow.authz.hidden`)."""
    what = "accident report" if kind == "accident" else "spot check"
    try:
        row = (accident_rows.load(conn, cause_id) if kind == "accident"
               else oversight.load(conn, oversight.SPOT_CHECKS, cause_id))
    except NotFound:
        raise missing(principal, what, cause_id) from None
    try:
        require(principal, Actor.SUPERVISION, bureau_code=row["bureau_code"],
                uscc=row["uscc"])
    except Forbidden:
        raise hidden(what, cause_id) from None
    if kind == "spot_check" and row["passed"]:
        raise ValidationError("cause_id", f"spot check {cause_id} passed: a recall is "
                                          "ordered on a failed one")
    units = [row["unit_id"]] if kind == "accident" else list(row["unit_ids"])
    return {"uscc": row["uscc"], "bureau_code": row["bureau_code"], "unit_ids": units}


def recall_order_view(row: Any, today: dt.date) -> dict[str, Any]:
    state = ("answered" if row["recall_id"] is not None
             else "overdue" if row["deadline"] < today else "open")
    return {"id": row["id"], "uscc": row["uscc"], "bureau_code": row["bureau_code"],
            "area_code": row["area_code"], "cause": row["cause"],
            "products": [catalogue().unit(u).name for u in row["unit_ids"]],
            "reason": row["reason"], "deadline": row["deadline"].isoformat(),
            "state": state, "recall_id": row["recall_id"],
            "ordered_at": as_utc(row["ordered_at"]).isoformat(),
            "answered_at": as_utc(row["answered_at"]).isoformat() if row["answered_at"]
            else None}


def _recall(conn: Any, uscc: str, recall_id: int) -> dict[str, Any]:
    (recall,) = recalls_of(conn, uscc, open_only=False, recall_id=recall_id)
    return recall


def _enterprise(principal: Principal) -> str:
    if principal.role is not Role.ENTERPRISE or principal.uscc is None:
        raise Forbidden("only the enterprise announces and closes its own recalls")
    return principal.uscc


class Institutions:
    """The register of inspection institutions, kept by the national authority."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(self, principal: Principal, data: Any, now: dt.datetime,
            request_id: str) -> dict[str, Any]:
        require(principal, Actor.NATIONAL)
        request = INSTITUTION_SPEC.parse(data)
        name, accreditation, level, filed = (request.name, request.accreditation,
                                             request.level, request.filed)
        with self.engine.begin() as conn:
            if any(i["name"] == name for i in qualified_institutions(conn)):
                raise Conflict(f"{name} is already in the register")
            institution_id = accounts.create_institution(conn, name, accreditation, level,
                                                         filed)
            view = _institution(conn, institution_id)
            audit.record(conn, principal, "institution.add", f"institution:{institution_id}",
                         None, None, view, request_id, now)
        return view

    def list(self) -> list[dict[str, Any]]:
        """The register (public): every institution, and whether it may test."""
        with self.engine.connect() as conn:
            return qualified_institutions(conn)

    def file(self, principal: Principal, institution_id: int, data: Any, now: dt.datetime,
             request_id: str) -> dict[str, Any]:
        """Record (or withdraw) the institution's filing with the national authority."""
        require(principal, Actor.NATIONAL)
        filed = FILING_SPEC.parse(data).filed
        with self.engine.begin() as conn:
            accounts.institution(conn, institution_id)
            before = _institution(conn, institution_id)
            accounts.set_filing(conn, institution_id, filed)
            after = _institution(conn, institution_id)
            audit.record(conn, principal, "institution.filing", f"institution:{institution_id}",
                         None, before, after, request_id, now)
        return after


    def set_status(self, principal: Principal, institution_id: int, data: Any,
                   now: dt.datetime, request_id: str) -> dict[str, Any]:
        """Bar an institution from testing (国质检监〔2015〕364号 五(一)), or lift the bar. A
        barred institution gives back the tests it holds."""
        require(principal, Actor.NATIONAL)
        request = INSTITUTION_STATUS_SPEC.parse(data)
        with self.engine.begin() as conn:
            accounts.institution(conn, institution_id)
            before = _institution(conn, institution_id)
            barred = request.status == "barred"
            if barred == (before["barred_on"] is not None):
                raise Conflict(f"{before['name']} is {request.status} already")
            accounts.set_bar(conn, institution_id, china_date(now) if barred else None,
                             request.reason if barred else None)
            returned = return_tests(conn, principal, institution_id,
                                    f"{before['name']} barred: {request.reason}", now,
                                    request_id) if barred else []
            after = {**_institution(conn, institution_id), "returned_applications": returned}
            audit.record(conn, principal, "institution.status",
                         f"institution:{institution_id}", None, before,
                         {**after, "reason": request.reason}, request_id, now)
        return after


def _institution(conn: Any, institution_id: int) -> dict[str, Any]:
    (institution,) = qualified_institutions(conn, institution_id)
    return institution
