"""The audit log: append one event per action, in the same transaction as the action.

Nothing here updates or deletes; the database refuses it too (see ``append_only``).
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
import uuid
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Connection, Table, insert, select

from certsvc.domain.accounts import Principal
from certsvc.domain.time import as_utc
from certsvc.store.models import AuditEvent

_T = cast(Table, AuditEvent.__table__)


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: dt.datetime
    account_id: int | None
    actor: str
    action: str
    subject: str
    bureau_code: str | None
    before: Any
    after: Any
    request_id: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "at": self.at.isoformat(), "account_id": self.account_id,
            "actor": self.actor, "action": self.action, "subject": self.subject,
            "bureau_code": self.bureau_code, "before": self.before, "after": self.after,
            "request_id": self.request_id,
        }


SUBJECT_LENGTH = 64  # the column's; PostgreSQL refuses a longer value, SQLite would keep it


def _fitted(subject: str, after: Any) -> tuple[str, Any]:
    """A subject that fits its column on every database; an over-long one is cut, and kept
    whole in the event's details, so nothing said is lost and no write fails."""
    if len(subject) <= SUBJECT_LENGTH:
        return subject, after
    details = after if isinstance(after, dict) else {"value": after}
    return subject[:SUBJECT_LENGTH], {**details, "subject": subject}


def record(conn: Connection, principal: Principal, action: str, subject: str,
           bureau_code: str | None, before: Any, after: Any, request_id: str,
           now: dt.datetime) -> None:
    subject, after = _fitted(subject, after)
    conn.execute(insert(_T).values(
        at=now, account_id=principal.account_id, actor=principal.label, action=action,
        subject=subject, bureau_code=bureau_code, before=before, after=after,
        request_id=request_id))


def record_operator(conn: Connection, action: str, subject: str, bureau_code: str | None,
                    after: Any, now: dt.datetime) -> None:
    """An action taken on the server's command line (keys, migration imports): the actor is
    the operating-system user, as there is no account behind it."""
    subject, after = _fitted(subject, after)
    conn.execute(insert(_T).values(
        at=now, account_id=None, actor=f"operator:{_os_user()} (command line)", action=action,
        subject=subject, bureau_code=bureau_code, before=None, after=after,
        request_id=f"cli-{uuid.uuid4().hex}"))


def record_by_law(conn: Connection, action: str, subject: str, bureau_code: str | None,
                  before: Any, after: Any, rule: str, now: dt.datetime) -> None:
    """What the law makes happen when a limit passes with nothing done (an application
    deemed accepted): no account acted; the actor names the rule."""
    subject, after = _fitted(subject, after)
    conn.execute(insert(_T).values(
        at=now, account_id=None, actor=f"law: {rule}", action=action, subject=subject,
        bureau_code=bureau_code, before=before, after=after,
        request_id=f"law-{uuid.uuid4().hex}"))


def record_public(conn: Connection, action: str, subject: str, bureau_code: str | None,
                  after: Any, request_id: str, now: dt.datetime) -> None:
    """An action of the public, which has no account (a report received)."""
    subject, after = _fitted(subject, after)
    conn.execute(insert(_T).values(
        at=now, account_id=None, actor="public (no account)", action=action,
        subject=subject, bureau_code=bureau_code, before=None, after=after,
        request_id=request_id))


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid {os.getuid()}"


def search(conn: Connection, *, bureau_code: str | None = None, subject: str | None = None,
           action: str | None = None, account_id: int | None = None,
           since: dt.datetime | None = None, until: dt.datetime | None = None,
           after_id: int = 0, limit: int = 100) -> list[AuditEntry]:
    """Events in order, filtered; page with ``after_id`` (the last id of the previous page)."""
    query = select(_T).where(_T.c.id > after_id).order_by(_T.c.id).limit(limit)
    for column, value in ((_T.c.bureau_code, bureau_code), (_T.c.subject, subject),
                          (_T.c.action, action), (_T.c.account_id, account_id)):
        if value is not None:
            query = query.where(column == value)
    if since is not None:
        query = query.where(_T.c.at >= since)
    if until is not None:
        query = query.where(_T.c.at < until)
    return [
        AuditEntry(r.id, as_utc(r.at), r.account_id, r.actor, r.action, r.subject,
                   r.bureau_code, r.before, r.after, r.request_id)
        for r in conn.execute(query)
    ]
