"""Supervision measures against a licensee (事中事后监管): an interview (约谈), a demand for a
written report (责令报告) and an order to rectify within a time limit (限期整改).

A rectification that fails ends in revocation of the licence, through the licence workflow
(so it is authorised, audited, published in the status list and the feed like any other),
in the transaction that closes the measure: both happen, or neither.
The insurer's question — is this enterprise licensed, and what stands against it — is
answered from the same records.

    Measures(engine, licence_actions).order(bureau, {...}, now, request_id)
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine, RowMapping

from certsvc.domain.accounts import Principal, Role
from certsvc.domain.duties import MEASURE_KINDS, MEASURE_SPEC, OUTCOME_SPEC
from certsvc.domain.licence_number import LicenceNumber
from certsvc.domain.lifecycle import Actor
from certsvc.domain.time import as_utc, china_date
from certsvc.errors import Conflict, Forbidden, NotFound, ValidationError
from certsvc.store import audit, feed, oversight
from certsvc.store.reader import LicenceReader, licence_in
from certsvc.workflow.authz import SUPERVISORS, hidden, list_scope, missing, require
from certsvc.workflow.licences import LicenceActions


class Measures:
    def __init__(self, engine: Engine, licences: LicenceActions) -> None:
        self.engine = engine
        self.licences = licences

    def order(self, principal: Principal, data: Any, now: dt.datetime,
              request_id: str) -> dict[str, Any]:
        if principal.role not in SUPERVISORS:
            raise Forbidden("only a market-regulation bureau may do this")
        request = MEASURE_SPEC.parse(data)
        number, kind, deadline = request.licence_number, request.kind, request.deadline
        if kind == "interview":
            deadline = None
        elif deadline is None:
            raise ValidationError("deadline", "is required for a report or a rectification")
        elif deadline <= china_date(now):
            raise ValidationError("deadline", "must be after today")
        with self.engine.begin() as conn:
            record = licence_in(conn, number)
            require(principal, Actor.SUPERVISION, bureau_code=number.bureau_code,
                    uscc=record.enterprise.uscc)
            values = {"number": number.canonical, "uscc": record.enterprise.uscc,
                      "bureau_code": number.bureau_code, "kind": kind,
                      "reason": request.reason, "deadline": deadline,
                      "ordered_at": now}
            measure_id = oversight.insert_row(conn, oversight.MEASURES, values)
            view = measure_view(oversight.load(conn, oversight.MEASURES, measure_id))
            feed.record(conn, "measure.ordered", record.enterprise.uscc,
                        f"measure:{measure_id}", view, now)
            audit.record(conn, principal, "measure.order", f"measure:{measure_id}",
                         number.bureau_code, None, view, request_id, now)
        return view

    def outcome(self, principal: Principal, measure_id: int, data: Any, now: dt.datetime,
                request_id: str) -> dict[str, Any]:
        """Close a measure; a failed rectification revokes the licence (legal_basis needed)."""
        if principal.role not in SUPERVISORS:
            raise Forbidden("only a market-regulation bureau may do this")
        with self.engine.connect() as conn:
            try:
                row = oversight.load(conn, oversight.MEASURES, measure_id)
            except NotFound:
                raise missing(principal, "measure", measure_id) from None
        try:
            require(principal, Actor.SUPERVISION, bureau_code=row["bureau_code"],
                    uscc=row["uscc"])
        except Forbidden:
            raise hidden("measure", measure_id) from None
        request = OUTCOME_SPEC.parse(data)
        passed, note = request.passed, request.note
        revokes = not passed and row["kind"] == "rectify"
        if revokes and principal.role is Role.LOCAL:
            raise Forbidden("a failed rectification revokes the licence, which the licensing "
                            "bureau does: the provincial bureau records this outcome")
        with self.engine.begin() as conn:  # the revocation and the closing, or neither
            current = oversight.load(conn, oversight.MEASURES, measure_id, for_update=True)
            if current["closed_at"] is not None:
                raise Conflict(
                    f"measure {measure_id} is already closed ({current['outcome']})")
            if revokes:
                self.licences.act_in(conn, principal, LicenceNumber.parse(row["number"]),
                                     "revoke", {
                                         "reason": f"限期整改不合格：{note}",
                                         "legal_basis": request.legal_basis},
                                     now, request_id)
            before = measure_view(current)
            oversight.close_measure(conn, measure_id, "passed" if passed else "failed", note,
                                    now)
            after = measure_view(oversight.load(conn, oversight.MEASURES, measure_id))
            feed.record(conn, "measure.closed", row["uscc"], f"measure:{measure_id}", after,
                        now)
            audit.record(conn, principal, "measure.outcome", f"measure:{measure_id}",
                         row["bureau_code"], before, after, request_id, now)
        if revokes:
            self.licences.on_status_change()
        return after

    def list(self, principal: Principal, *, open_only: bool = False,
             before: int | None = None, limit: int = 100) -> list[dict[str, Any]]:
        """Measures this account may read (a bureau's province, an enterprise's own), newest
        first."""
        scope = list_scope(principal, "supervision measures")
        with self.engine.connect() as conn:
            return [measure_view(r) for r in oversight.find(
                conn, oversight.MEASURES,
                **scope.filters(), open_only=open_only,
                before=before, limit=limit)]

    def standing(self, uscc: str, now: dt.datetime) -> dict[str, Any]:
        """For an insurer: the enterprise's licences and what measures stand against them."""
        records = LicenceReader(self.engine).by_uscc(uscc)
        today = china_date(now)
        with self.engine.connect() as conn:
            open_measures = [measure_view(m) for m in oversight.measures_of(conn, uscc, True)]
        return {
            "uscc": uscc,
            "licensed": any(r.status.value == "valid" and today <= r.valid_until
                            for r in records),
            "licences": [{"number": r.number.canonical, "status": r.status.value,
                          "expired": today > r.valid_until,
                          "valid_until": r.valid_until.isoformat(),
                          "products": [u.name for u in r.scope]} for r in records],
            "open_measures": open_measures,
        }


def measure_view(row: RowMapping) -> dict[str, Any]:
    return {
        "id": row["id"], "licence_number": row["number"], "uscc": row["uscc"],
        "bureau_code": row["bureau_code"], "kind": row["kind"], "term": MEASURE_KINDS[row["kind"]],
        "reason": row["reason"],
        "deadline": row["deadline"].isoformat() if row["deadline"] else None,
        "outcome": row["outcome"], "outcome_note": row["outcome_note"],
        "ordered_at": as_utc(row["ordered_at"]).isoformat(),
        "closed_at": as_utc(row["closed_at"]).isoformat() if row["closed_at"] else None,
    }
