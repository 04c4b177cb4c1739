"""After issue: change, suspension and its lifting, revocation, cancellation, withdrawal.

Like applications, each action is one transaction: lock the licence, check role and
jurisdiction, check the status allows it, validate, apply, audit. A status change then
publishes a new status list (``on_status_change``), after the commit — so a change that the
client saw acknowledged is already durable, and the online status shows it on the very next
request even before the list is out.

    service = LicenceActions(engine, issuer, publish)
    service.act(bureau, number, "revoke", {"reason": "...", "legal_basis": "..."}, now, rid)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, Engine

from certsvc.domain.accounts import Principal, Role
from certsvc.domain.catalogue import catalogue, scope_of
from certsvc.domain.licence import (
    Enterprise,
    Licence,
    LicenceStatus,
    check_licence,
)
from certsvc.domain.licence_number import LicenceNumber
from certsvc.domain.lifecycle import (
    LICENCE_ACTIONS,
    Actor,
    allowed_licence_actions,
    licence_transition,
)
from certsvc.domain.procedure import choose
from certsvc.domain.specs import Values
from certsvc.domain.time import china_date
from certsvc.errors import Conflict, Forbidden, NotFound, ValidationError
from certsvc.store import audit, bars, feed, writer
from certsvc.store.reader import LicenceReader, held_from, in_force_scopes, licence_in
from certsvc.store.records import LicenceRecord
from certsvc.workflow.authz import require
from certsvc.workflow.issuance import Issuer


class LicenceActions:
    def __init__(self, engine: Engine, issuer: Issuer,
                 on_status_change: Callable[[], None] = lambda: None) -> None:
        self.engine = engine
        self.issuer = issuer
        self.on_status_change = on_status_change
        # after a licence was (re-)signed: its number, once committed (the OFD is made)
        self.after_signing: Callable[[str, dt.datetime], None] = lambda number, now: None

    def act(self, principal: Principal, number: LicenceNumber, action: str, data: Any,
            now: dt.datetime, request_id: str) -> dict[str, Any]:
        with self.engine.begin() as conn:
            after = self.act_in(conn, principal, number, action, data, now, request_id)
        self.on_status_change()  # a change supersedes the old token's index, too
        if action == "change":
            self.after_signing(number.canonical, now)
        return after

    def act_in(self, conn: Connection, principal: Principal, number: LicenceNumber,
               action: str, data: Any, now: dt.datetime, request_id: str,
               by_rule: bool = False) -> dict[str, Any]:
        """:meth:`act` inside the caller's transaction, for a step that must commit together
        with it (a failed rectification's revocation and the measure's closing). The caller
        calls ``on_status_change`` after its commit. ``by_rule``: the caller's own step,
        already authorised, brings this action with it under a rule that leaves no choice
        (a review body's failed on-site review after issue on commitment revokes the licence:
        国发〔2018〕33号); it is audited as that account's."""
        transition = LICENCE_ACTIONS.get(action)
        if transition is None:  # before anything is looked up: the same answer for everyone
            raise NotFound(f"no licence action {action!r}; the actions are "
                           f"{', '.join(sorted(LICENCE_ACTIONS))}")
        today = china_date(now)
        record = licence_in(conn, number, for_update=True)
        if not by_rule:
            require(principal, transition.actor, bureau_code=number.bureau_code,
                    uscc=record.enterprise.uscc)
        values = transition.spec.parse(data)
        expired = today > record.valid_until
        target = licence_transition(record.status, expired, action)
        before = licence_view(record, today)
        if action == "change":
            self._change(conn, record, values, now)
        else:
            if action == "no_longer_required":
                _check_withdrawn(record, today)
            writer.set_status(conn, number, target, now, _detail(action, values))
            kind = _bar_kind(action, values)
            if kind is not None:
                bars.record(conn, record.enterprise.uscc, kind,
                            {u.product.code for u in record.scope}, today,
                            f"licence:{number.canonical}", now)
        after = licence_view(licence_in(conn, number), today)
        if action != "change":  # a change is in the feed as the re-issued licence
            feed.record(conn, "licence.status", record.enterprise.uscc,
                        f"licence:{number.canonical}", {
                            "number": number.canonical, "bureau": number.bureau_code,
                            "status": target.value, "action": action,
                            **{k: v for k, v in _public_detail(values).items()
                               if v is not None}}, now)
        audit.record(conn, principal, action, f"licence:{number.canonical}",
                     number.bureau_code, before, after, request_id, now)
        return after

    def _change(self, conn: Connection, record: LicenceRecord, values: Values,
                now: dt.datetime) -> None:
        """变更: name, addresses or scope. The licence is re-signed under its number."""
        e = record.enterprise
        fields = {"name": e.name, "residence": e.residence,
                  "production_address": e.production_address}
        fields.update({k: v for k, v in (values.enterprise or {}).items() if v is not None})
        scope = values.scope or record.scope
        if fields == {"name": e.name, "residence": e.residence,
                      "production_address": e.production_address} and scope == record.scope:
            raise ValidationError("body", "changes nothing: give enterprise fields or scope")
        added = tuple(u for u in scope if u not in record.scope)
        if added:  # 一企一证: a product added follows the rules of the day, as a new one would
            choose(added, record.issuer, china_date(now), None)
        licence = Licence(record.number, Enterprise(fields["name"], e.uscc, fields["residence"],
                                                    fields["production_address"]),
                          scope, record.issued, record.valid_until, record.issuer,
                          record.status)
        check_licence(licence)
        self.issuer.reissue_in(conn, licence, now)

    def merge(self, principal: Principal, uscc: str, bureau_code: str, now: dt.datetime,
              request_id: str) -> dict[str, Any]:
        """一企一证 for an enterprise that holds several licences from one bureau (issued
        before the rule): the oldest takes every product of the others and is re-signed
        under its number; the others are marked merged, their QR codes read superseded and
        their numbers still resolve, saying where their products went. The merged licence
        ends on the earliest end date among them, so no product's licence is lengthened
        without a review. One transaction, one publication."""
        require(principal, Actor.PROVINCE, bureau_code=bureau_code)
        today = china_date(now)
        with self.engine.begin() as conn:
            numbers = held_from(conn, uscc, bureau_code, today)
            if len(numbers) < 2:
                raise Conflict(f"the enterprise holds {len(numbers)} licence(s) in force from "
                               f"bureau {bureau_code}: nothing to merge")
            records = [licence_in(conn, n, for_update=True) for n in numbers]
            suspended = [r.number.canonical for r in records
                         if r.status is not LicenceStatus.VALID]
            if suspended:
                raise Conflict("a suspended licence is not merged (the merge would lift its "
                               "suspension): " + ", ".join(suspended))
            survivor, absorbed = records[0], records[1:]
            scope = scope_of(sorted({u.id for r in records for u in r.scope}))
            before = licence_view(survivor, today)
            merged = Licence(survivor.number, survivor.enterprise, scope, survivor.issued,
                             min(r.valid_until for r in records), survivor.issuer)
            check_licence(merged)
            self.issuer.reissue_in(conn, merged, now)
            for record in absorbed:
                number = record.number
                reason = f"一企一证：并入 {survivor.number}"
                writer.set_status(conn, number, LicenceStatus.MERGED, now,
                                  {"action": "merge", "reason": reason})
                feed.record(conn, "licence.status", uscc, f"licence:{number.canonical}", {
                    "number": number.canonical, "bureau": number.bureau_code,
                    "status": LicenceStatus.MERGED.value,
                    "action": "merge", "reason": reason,
                    "merged_into": survivor.number.canonical}, now)
                audit.record(conn, principal, "merge", f"licence:{number.canonical}",
                             bureau_code, licence_view(record, today),
                             licence_view(licence_in(conn, number), today), request_id, now)
            after = licence_view(licence_in(conn, survivor.number), today)
            audit.record(conn, principal, "merge", f"licence:{survivor.number.canonical}",
                         bureau_code, before, after, request_id, now)
        self.on_status_change()
        return {**after, "merged": [r.number.canonical for r in absorbed]}

    def held_by(self, principal: Principal, now: dt.datetime) -> list[dict[str, Any]]:
        """An enterprise's own licences, as the licence page shows them (public facts, listed
        for the enterprise's console)."""
        if principal.role is not Role.ENTERPRISE or principal.uscc is None:
            raise Forbidden("only an enterprise holds licences")
        today = china_date(now)
        return [licence_view(r, today) for r in LicenceReader(self.engine).by_uscc(
            principal.uscc)]

    def apply_withdrawals(self, principal: Principal, now: dt.datetime,
                          request_id: str) -> list[str]:
        """Mark licences whose every unit the catalogue has withdrawn: no longer required."""
        require(principal, Actor.NATIONAL)
        today = china_date(now)
        withdrawn = {u.id for u in catalogue().units.values() if u.is_withdrawn(today)}
        with self.engine.connect() as conn:
            candidates = [number for number, scope in in_force_scopes(conn)
                          if set(scope) <= withdrawn]
        with self.engine.begin() as conn:  # all of them, then one publication
            for number in candidates:
                self.act_in(conn, principal, number, "no_longer_required",
                            {"reason": "产品已调出许可目录 (the product left the catalogue)"},
                            now, request_id)
        if candidates:
            self.on_status_change()
        return [n.canonical for n in candidates]


def _public_detail(values: Values) -> dict[str, Any]:
    deadline = values.get("deadline")
    return {"reason": values.get("reason"), "legal_basis": values.get("legal_basis"),
            "deadline": deadline.isoformat() if deadline else None,
            "order": values.get("order")}


def _bar_kind(action: str, values: Values) -> str | None:
    """The statutory bar a status change brings (certsvc.domain.bars), if any."""
    if action == "penalty_revoke":
        return "penalty_revocation"
    if action == "revoke" and values.get("ground") == "deceit":
        return "deceit"
    return None


def _check_withdrawn(record: LicenceRecord, today: dt.date) -> None:
    listed = [u.name for u in record.scope if not u.is_withdrawn(today)]
    if listed:
        raise ValidationError("scope", "the catalogue still requires a licence for "
                                       + "、".join(listed) + "; revoke or cancel instead")


def _detail(action: str, values: Values) -> dict[str, Any]:
    """What the status change records: its reason, legal basis, order and deadline."""
    detail: dict[str, Any] = {"action": action, "reason": values.reason}
    if values.get("legal_basis") is not None:
        detail["legal_basis"] = values.legal_basis
    if action == "suspend":
        detail["action"] = f"suspend:{values.order}"
        if values.order == "rectify" and values.deadline is None:
            raise ValidationError("deadline", "is required for rectification (限期整改)")
        if values.deadline is not None:
            detail["deadline"] = values.deadline
    return detail


def licence_view(record: LicenceRecord, today: dt.date) -> dict[str, Any]:
    expired = today > record.valid_until
    return {
        "number": record.number.canonical, "status": record.status.value, "expired": expired,
        "allowed_actions": allowed_licence_actions(record.status, expired),
        "enterprise": {"name": record.enterprise.name, "uscc": record.enterprise.uscc,
                       "residence": record.enterprise.residence,
                       "production_address": record.enterprise.production_address},
        "scope": [u.name for u in record.scope], "issued": record.issued.isoformat(),
        "valid_until": record.valid_until.isoformat(),
    }
