"""Data sharing: insurers' liability policies, and who reads the feed, the exports and an
enterprise's standing, for which purpose (``certsvc.domain.sharing``).

A department reads only the event families it was granted and states the purpose of each
read (用证事由), audited with it; an insurer files its policies and reads the standing of the
enterprises it insures, stating its purpose too; the national authority and auditors read
everything without one (theirs is supervision itself).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine

from certsvc.domain.accounts import Principal, Role
from certsvc.domain.sharing import POLICY_SPEC, PURPOSE_SPEC
from certsvc.domain.time import as_utc
from certsvc.errors import Conflict, Forbidden, ValidationError
from certsvc.store import audit, feed
from certsvc.store import insurance as rows
from certsvc.store.oversight import insert_row
from certsvc.workflow.authz import list_scope

# who reads what: the feed and the exports; an enterprise's standing
FEED_READERS = (Role.DEPARTMENT, Role.NATIONAL, Role.AUDITOR)
STANDING_READERS = (*FEED_READERS, Role.INSURER)


class Sharing:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def read(self, principal: Principal, what: str, purpose: str | None, now: dt.datetime,
             request_id: str, *, family: str | None = None,
             readers: tuple[Role, ...] = FEED_READERS) -> tuple[str, ...] | None:
        """Authorise a read of shared data and audit a department's or insurer's: the event
        families it may see (None: every one). ``family``: the read needs that one."""
        if principal.role not in readers:
            raise Forbidden("shared data is for the departments and insurers granted it, and "
                            "auditors")
        if principal.role not in (Role.DEPARTMENT, Role.INSURER):
            return None
        kinds = principal.granted_kinds if principal.role is Role.DEPARTMENT else ()
        if family is not None and principal.role is Role.DEPARTMENT and family not in kinds:
            raise Forbidden(f"this account is not granted the {family} events")
        stated = PURPOSE_SPEC.parse({"purpose": purpose} if purpose is not None else {})
        with self.engine.begin() as conn:
            audit.record(conn, principal, "sharing.read", what, None, None,
                         {"purpose": stated.purpose}, request_id, now)
        return kinds

    def file_policy(self, principal: Principal, data: Any, now: dt.datetime,
                    request_id: str) -> dict[str, Any]:
        if principal.role is not Role.INSURER:
            raise Forbidden("an insurer files its liability policies")
        request = POLICY_SPEC.parse(data)
        if request.ends_on <= request.starts_on:
            raise ValidationError("ends_on", "must be after starts_on")
        with self.engine.begin() as conn:
            if rows.exists(conn, principal.account_id, request.policy_number):
                raise Conflict(f"policy {request.policy_number} is filed already")
            policy_id = insert_row(conn, rows.POLICIES, {
                "account_id": principal.account_id, "insurer": principal.name,
                "uscc": request.uscc, "policy_number": request.policy_number,
                "cover_yuan": request.cover_yuan, "starts_on": request.starts_on,
                "ends_on": request.ends_on, "filed_at": now})
            view = policy_view(rows.load(conn, policy_id))
            feed.record(conn, "insurance.filed", request.uscc, f"policy:{policy_id}", view,
                        now)
            audit.record(conn, principal, "insurance.file", f"policy:{policy_id}", None,
                         None, view, request_id, now)
        return view

    def policies(self, principal: Principal, *, before: int | None = None,
                 limit: int = 100) -> list[dict[str, Any]]:
        """Policies this account may read, newest first: an insurer its own, a bureau those
        of enterprises it supervises, an enterprise its own."""
        with self.engine.connect() as conn:
            if principal.role is Role.INSURER:
                found = rows.find(conn, bureau_code=None, uscc=None, area=None,
                                  account_id=principal.account_id, before=before,
                                  limit=limit)
            else:
                scope = list_scope(principal, "insurance policies")
                found = rows.find(conn, **scope.filters(), account_id=None, before=before,
                                  limit=limit)
        return [policy_view(r) for r in found]


def policy_view(row: Any) -> dict[str, Any]:
    return {"id": row["id"], "insurer": row["insurer"], "uscc": row["uscc"],
            "policy_number": row["policy_number"], "cover_yuan": row["cover_yuan"],
            "starts_on": row["starts_on"].isoformat(), "ends_on": row["ends_on"].isoformat(),
            "filed_at": as_utc(row["filed_at"]).isoformat()}
