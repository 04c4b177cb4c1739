"""Accident reports: the enterprise reports within 24 hours of learning; bureaus see what is
late or has no follow-up. Each report and follow-up is audited and in the data-sharing feed.

    Accidents(engine).report(enterprise, {...}, now, request_id)
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine

from certsvc.domain.accidents import (
    FOLLOW_UP_DUE,
    FOLLOW_UP_SPEC,
    REPORT_DEADLINE,
    is_late,
    parse_accident,
)
from certsvc.domain.accounts import Principal, Role
from certsvc.domain.catalogue import catalogue
from certsvc.domain.time import as_utc
from certsvc.errors import Forbidden, NotFound, ValidationError
from certsvc.store import accidents, audit, feed
from certsvc.store.reader import in_force_scopes
from certsvc.workflow.authz import hidden, list_scope, missing


class Accidents:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def report(self, principal: Principal, data: Any, now: dt.datetime,
               request_id: str) -> dict[str, Any]:
        if principal.role is not Role.ENTERPRISE or principal.uscc is None:
            raise Forbidden("only the enterprise reports its own accidents")
        accident = parse_accident(data, now)
        with self.engine.begin() as conn:
            bureaus = [number.bureau_code for number, scope in
                       in_force_scopes(conn, principal.uscc) if accident.unit.id in scope]
            if not bureaus:
                raise ValidationError("product", f"{accident.unit.name} is not made under a "
                                                 "licence of this enterprise in force")
            values: dict[str, Any] = {
                "uscc": principal.uscc, "bureau_code": bureaus[0], "unit_id": accident.unit.id,
                "occurred_at": accident.occurred_at, "learned_at": accident.learned_at,
                "reported_at": now, "late": is_late(accident.learned_at, now),
                "description": accident.description, "cause": accident.cause,
                "measures": accident.measures, "follow_ups": [],
            }
            accident_id = accidents.insert_report(conn, values)
            view = _view(accidents.load(conn, accident_id), now)
            feed.record(conn, "accident.reported", principal.uscc, f"accident:{accident_id}",
                        {k: view[k] for k in ("id", "product", "occurred_at", "learned_at",
                                              "reported_at", "late")}, now)
            audit.record(conn, principal, "accident.report", f"accident:{accident_id}",
                         values["bureau_code"], None, view, request_id, now)
        return view

    def follow_up(self, principal: Principal, accident_id: int, data: Any,
                  now: dt.datetime, request_id: str) -> dict[str, Any]:
        if principal.role is not Role.ENTERPRISE:
            raise Forbidden("only the enterprise follows up its own accident report")
        with self.engine.begin() as conn:
            try:
                row = accidents.load(conn, accident_id, for_update=True)
            except NotFound:
                raise missing(principal, "accident report", accident_id) from None
            if row["uscc"] != principal.uscc:  # another's report: do not even confirm it
                raise hidden("accident report", accident_id)
            request = FOLLOW_UP_SPEC.parse(data)
            entry = {"at": now.isoformat(), "cause": request.cause,
                     "measures": request.measures}
            accidents.amend(conn, accident_id, {
                "follow_ups": [*row["follow_ups"], entry], "cause": entry["cause"],
                "measures": entry["measures"]})
            after = _view(accidents.load(conn, accident_id), now)
            feed.record(conn, "accident.follow_up", row["uscc"], f"accident:{accident_id}",
                        {"id": accident_id, **entry}, now)
            audit.record(conn, principal, "accident.follow_up", f"accident:{accident_id}",
                         row["bureau_code"], _view(row, now), after, request_id, now)
        return after

    def list(self, principal: Principal, now: dt.datetime, *, late: bool = False,
             missing_follow_up: bool = False, before: int | None = None,
             limit: int = 100) -> list[dict[str, Any]]:
        """Reports this account may read (a bureau's province, an enterprise's own), newest
        first, a page at a time: ``late`` ones, or those ``missing_follow_up``."""
        scope = list_scope(principal, "accident reports")
        with self.engine.connect() as conn:
            return [_view(r, now) for r in accidents.find(
                conn, **scope.filters(), late=late,
                follow_up_due_before=now - FOLLOW_UP_DUE if missing_follow_up else None,
                before=before, limit=limit)]


def _view(row: Any, now: dt.datetime) -> dict[str, Any]:
    reported_at = as_utc(row["reported_at"])
    learned_at = as_utc(row["learned_at"])
    return {
        "id": row["id"], "uscc": row["uscc"], "bureau_code": row["bureau_code"],
        "product": catalogue().unit(row["unit_id"]).name,
        "occurred_at": as_utc(row["occurred_at"]).isoformat(),
        "learned_at": learned_at.isoformat(), "reported_at": reported_at.isoformat(),
        "deadline": (learned_at + REPORT_DEADLINE).isoformat(), "late": row["late"],
        "description": row["description"], "cause": row["cause"], "measures": row["measures"],
        "follow_ups": row["follow_ups"],
        "follow_up_overdue": not row["follow_ups"] and now - reported_at > FOLLOW_UP_DUE,
    }
