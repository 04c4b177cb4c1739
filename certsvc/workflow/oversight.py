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
from certsvc.domain.catalogue import scope_of
from certsvc.domain.fields import boolean, choice, date, integer, obj, text
from certsvc.domain.lifecycle import Actor
from certsvc.domain.time import china_date
from certsvc.domain.uscc import validate_uscc
from certsvc.errors import Conflict, Forbidden, NotFound, ValidationError
from certsvc.store import accounts, audit, feed, oversight
from certsvc.store.reader import (
    in_force_scopes,
    qualified_institutions,
    recalls_of,
    spot_checks_of,
)
from certsvc.workflow.authz import require

SPOT_CHECK_LEVELS = ("national", "provincial", "municipal", "county")


class SpotChecks:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def record(self, principal: Principal, data: Any, now: dt.datetime,
               request_id: str) -> dict[str, Any]:
        body = obj(data, "spot_check")
        uscc = validate_uscc(text(body.get("uscc"), "uscc", 18), "uscc")
        units = scope_of(body.get("products"))
        level = choice(body.get("level"), "level", SPOT_CHECK_LEVELS,
                       "must be national, provincial, municipal or county")
        checked_on = date(body.get("checked_on"), "checked_on")
        if checked_on > china_date(now):
            raise ValidationError("checked_on", "is in the future")
        with self.engine.begin() as conn:
            bureaus = {number.bureau_code for number, scope in in_force_scopes(conn, uscc)
                       if {u.id for u in units} & set(scope)}
            if not bureaus:
                raise ValidationError("products", "no licence of this enterprise in force "
                                                  "covers these products")
            bureau = sorted(bureaus)[0]
            require(principal, Actor.BUREAU, bureau_code=bureau)
            institution_id = integer(body.get("institution_id"), "institution_id", 1)
            accounts.institution(conn, institution_id)
            values = {"uscc": uscc, "bureau_code": bureau, "level": level,
                      "checked_on": checked_on, "unit_ids": [u.id for u in units],
                      "institution_id": institution_id,
                      "passed": boolean(body.get("passed"), "passed"),
                      "reference": text(body.get("reference"), "reference", 100),
                      "recorded_at": now}
            check_id = oversight.insert_row(conn, oversight.SPOT_CHECKS, values)
            (view,) = spot_checks_of(conn, uscc, check_id)
            feed.record(conn, "spot_check.recorded", uscc, f"spot_check:{check_id}", view, now)
            audit.record(conn, principal, "spot_check.record", f"spot_check:{check_id}",
                         bureau, None, view, request_id, now)
        return view


class Recalls:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def announce(self, principal: Principal, data: Any, now: dt.datetime,
                 request_id: str) -> dict[str, Any]:
        uscc = _enterprise(principal)
        body = obj(data, "recall")
        units = scope_of(body.get("products"))
        with self.engine.begin() as conn:
            licensed = {u for _, scope in in_force_scopes(conn, uscc) for u in scope}
            if not {u.id for u in units} <= licensed:
                raise ValidationError("products", "recalls cover products of this "
                                                  "enterprise's licences")
            values = {"uscc": uscc, "unit_ids": [u.id for u in units],
                      "defect": text(body.get("defect"), "defect", 4000),
                      "batches": text(body.get("batches"), "batches", 2000),
                      "sold": integer(body.get("sold"), "sold"),
                      "unsold": integer(body.get("unsold"), "unsold"),
                      "remedy": text(body.get("remedy"), "remedy", 2000),
                      "contact": text(body.get("contact"), "contact", 200),
                      "announced_at": now}
            recall_id = oversight.insert_row(conn, oversight.RECALLS, values)
            view = _recall(conn, uscc, recall_id)
            feed.record(conn, "recall.announced", uscc, f"recall:{recall_id}", view, now)
            audit.record(conn, principal, "recall.announce", f"recall:{recall_id}", None,
                         None, view, request_id, now)
        return view

    def close(self, principal: Principal, recall_id: int, data: Any, now: dt.datetime,
              request_id: str) -> dict[str, Any]:
        uscc = _enterprise(principal)
        note = text(obj(data, "body").get("note"), "note", 2000)
        with self.engine.begin() as conn:
            row = oversight.load(conn, oversight.RECALLS, recall_id, for_update=True)
            if row["uscc"] != uscc:
                raise NotFound(f"no recall {recall_id} of yours")
            if row["closed_at"] is not None:
                raise Conflict(f"recall {recall_id} is already closed")
            before = _recall(conn, uscc, recall_id)
            oversight.close_recall(conn, recall_id, note, now)
            after = _recall(conn, uscc, recall_id)
            feed.record(conn, "recall.closed", uscc, f"recall:{recall_id}", after, now)
            audit.record(conn, principal, "recall.close", f"recall:{recall_id}", None, before,
                         after, request_id, now)
        return after


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
        body = obj(data, "institution")
        name = text(body.get("name"), "name", 100)
        accreditation = text(body.get("accreditation"), "accreditation", 64)
        level = integer(body.get("level"), "level", 1, 3)
        filed = boolean(body.get("filed"), "filed")
        with self.engine.begin() as conn:
            if any(i["name"] == name for i in qualified_institutions(conn)):
                raise Conflict(f"{name} is already in the register")
            institution_id = accounts.create_institution(conn, name, accreditation, level,
                                                         filed)
            view = _institution(conn, institution_id)
            audit.record(conn, principal, "institution.add", f"institution:{institution_id}",
                         None, None, view, request_id, now)
        return view

    def file(self, principal: Principal, institution_id: int, data: Any, now: dt.datetime,
             request_id: str) -> dict[str, Any]:
        """Record (or withdraw) the institution's filing with the national authority."""
        require(principal, Actor.NATIONAL)
        filed = boolean(obj(data, "body").get("filed"), "filed")
        with self.engine.begin() as conn:
            accounts.institution(conn, institution_id)
            before = _institution(conn, institution_id)
            accounts.set_filing(conn, institution_id, filed)
            after = _institution(conn, institution_id)
            audit.record(conn, principal, "institution.filing", f"institution:{institution_id}",
                         None, before, after, request_id, now)
        return after


def _institution(conn: Any, institution_id: int) -> dict[str, Any]:
    (institution,) = qualified_institutions(conn, institution_id)
    return institution
