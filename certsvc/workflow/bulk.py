"""Revoking or cancelling many licences at once: a preview that says, number by number,
what would happen; then all of them in one transaction (each audited, each in the feed, as
if done one by one) and one status-list publication — or, if any one cannot be done, none.

    batch = BulkStatusChanges(engine, licence_actions)
    batch.preview(bureau, {"action": "cancel", "numbers": [...], "reason": "…"}, now)
    batch.apply(bureau, {...}, now, request_id)
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine

from certsvc.domain.accounts import Principal, Role
from certsvc.domain.bulk import BULK_SPEC, numbers_in
from certsvc.domain.licence_number import LicenceNumber
from certsvc.domain.lifecycle import LICENCE_ACTIONS, InvalidTransition, licence_transition
from certsvc.domain.time import china_date
from certsvc.errors import Forbidden, NotFound, ValidationError
from certsvc.store.reader import licence_in
from certsvc.workflow.authz import require
from certsvc.workflow.licences import LicenceActions


class BulkStatusChanges:
    def __init__(self, engine: Engine, licences: LicenceActions) -> None:
        self.engine = engine
        self.licences = licences

    def preview(self, principal: Principal, data: Any, now: dt.datetime) -> dict[str, Any]:
        """What the batch would do: the licences ready for the action, and those refused
        with the reason. Nothing is written."""
        action, numbers, body = _parse(principal, data)
        today = china_date(now)
        ready: list[dict[str, Any]] = []
        refused: list[dict[str, str]] = []
        transition = LICENCE_ACTIONS[action]
        with self.engine.connect() as conn:
            for number in numbers:
                try:
                    record = licence_in(conn, number)
                    require(principal, transition.actor, bureau_code=number.bureau_code)
                    licence_transition(record.status, today > record.valid_until, action)
                except (NotFound, Forbidden, InvalidTransition) as refusal:
                    refused.append({"number": number.canonical, "reason": refusal.detail})
                    continue
                ready.append({"number": number.canonical, "holder": record.enterprise.name,
                              "uscc": record.enterprise.uscc,
                              "status": record.status.value,
                              "valid_until": record.valid_until.isoformat()})
        return {"action": action, "term": transition.term, **body, "ready": ready,
                "refused": refused}

    def apply(self, principal: Principal, data: Any, now: dt.datetime,
              request_id: str) -> dict[str, Any]:
        """All the licences, or none (a 422 naming those that cannot be done)."""
        plan = self.preview(principal, data, now)
        if plan["refused"]:
            shown = "; ".join(f"{r['number']}: {r['reason']}" for r in plan["refused"][:5])
            more = len(plan["refused"]) - 5
            raise ValidationError("numbers", f"{len(plan['refused'])} of the licences cannot "
                                  f"be changed, so none was: {shown}"
                                  + (f" (and {more} more)" if more > 0 else ""))
        body = {k: plan[k] for k in ("reason", "legal_basis") if k in plan}
        with self.engine.begin() as conn:
            for entry in plan["ready"]:
                self.licences.act_in(conn, principal, LicenceNumber.parse(entry["number"]),
                                     plan["action"], body, now, request_id)
        self.licences.on_status_change()
        return {"action": plan["action"], "term": plan["term"],
                "changed": [entry["number"] for entry in plan["ready"]]}


def _parse(principal: Principal, data: Any) -> tuple[str, list[LicenceNumber],
                                                     dict[str, Any]]:
    """The action, the numbers and the action's body; the account's role is checked before
    the body is looked at."""
    if principal.role not in (Role.PROVINCIAL, Role.NATIONAL):
        raise Forbidden("only a licensing bureau may do this")
    values = BULK_SPEC.parse(data)
    numbers = numbers_in("\n".join(values.numbers))
    spec = LICENCE_ACTIONS[values.action].spec
    body = {f.name: values[f.name] for f in spec.fields if values.get(f.name) is not None}
    spec.parse(body)  # what the action itself requires: revoke needs a legal basis
    return values.action, numbers, body
