"""Console credentials, invitations and sessions: rows only; the rules are in
``certsvc.workflow.signin``. Invitation tokens and session ids are stored as SHA-256 digests,
as API tokens are (256 random bits: a fast hash is enough, and a copy of the database signs
nobody in)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any, cast

from sqlalchemy import Connection, Table, delete, insert, select, update

from certsvc.store.models import AccountCredentials, AccountInvite, ConsoleSession

_C = cast(Table, AccountCredentials.__table__)
_I = cast(Table, AccountInvite.__table__)
_S = cast(Table, ConsoleSession.__table__)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def credentials(conn: Connection, account_id: int, for_update: bool = False) -> Any | None:
    query = select(_C).where(_C.c.account_id == account_id)
    return conn.execute(query.with_for_update() if for_update else query).first()


def set_credentials(conn: Connection, account_id: int, password_hash: str,
                    totp_secret: str | None) -> None:
    conn.execute(delete(_C).where(_C.c.account_id == account_id))
    conn.execute(insert(_C).values(account_id=account_id, password_hash=password_hash,
                                   totp_secret=totp_secret, failed_sign_ins=0))


def update_credentials(conn: Connection, account_id: int, **values: Any) -> None:
    conn.execute(update(_C).where(_C.c.account_id == account_id).values(**values))


def count_failure(conn: Connection, account_id: int) -> int | None:
    """One more failed attempt on an unlocked account, counted in a single statement (so
    parallel attempts, in any worker, on either database, each get their own number); the
    new count, or None where the account is locked or has no password."""
    row = conn.execute(
        update(_C).where(_C.c.account_id == account_id, _C.c.locked_at.is_(None),
                         _C.c.password_hash.is_not(None))
        .values(failed_sign_ins=_C.c.failed_sign_ins + 1)
        .returning(_C.c.failed_sign_ins)).first()
    return None if row is None else int(row[0])


def uncount_failure(conn: Connection, account_id: int) -> None:
    """The attempt counted by ``count_failure`` turned out right."""
    conn.execute(update(_C).where(_C.c.account_id == account_id, _C.c.failed_sign_ins > 0)
                 .values(failed_sign_ins=_C.c.failed_sign_ins - 1))


def create_invite(conn: Connection, account_id: int, now: dt.datetime,
                  lifetime: dt.timedelta) -> str:
    """A new set-up link; the account's earlier unused links are void from now on."""
    void_invites(conn, account_id)
    token = secrets.token_urlsafe(32)
    conn.execute(insert(_I).values(digest=digest(token), account_id=account_id,
                                   created_at=now, expires_at=now + lifetime))
    return token


def invite(conn: Connection, token: str, for_update: bool = False) -> Any | None:
    query = select(_I).where(_I.c.digest == digest(token))
    return conn.execute(query.with_for_update() if for_update else query).first()


def use_invite(conn: Connection, token: str, account_id: int, now: dt.datetime) -> None:
    """The link is used, and any other unused link of the account void."""
    conn.execute(update(_I).where(_I.c.digest == digest(token)).values(used_at=now))
    void_invites(conn, account_id)


def void_invites(conn: Connection, account_id: int) -> None:
    """Unused links of the account are deleted (the audit log keeps that they were made)."""
    conn.execute(delete(_I).where(_I.c.account_id == account_id, _I.c.used_at.is_(None)))


def create_session(conn: Connection, account_id: int, client: str, second_factor_done: bool,
                   now: dt.datetime) -> str:
    token = secrets.token_urlsafe(32)
    conn.execute(insert(_S).values(
        digest=digest(token), account_id=account_id, csrf=secrets.token_urlsafe(32),
        second_factor_done=second_factor_done, client=client[:200], created_at=now,
        last_seen_at=now))
    return token


def session(conn: Connection, token: str) -> Any | None:
    return conn.execute(select(_S).where(_S.c.digest == digest(token),
                                         _S.c.ended_at.is_(None))).first()


def touch_session(conn: Connection, token: str, now: dt.datetime) -> None:
    conn.execute(update(_S).where(_S.c.digest == digest(token)).values(last_seen_at=now))


def end_session(conn: Connection, token: str, now: dt.datetime) -> None:
    conn.execute(update(_S).where(_S.c.digest == digest(token), _S.c.ended_at.is_(None))
                 .values(ended_at=now))


def end_sessions(conn: Connection, account_id: int, now: dt.datetime) -> int:
    result = conn.execute(update(_S).where(_S.c.account_id == account_id,
                                           _S.c.ended_at.is_(None)).values(ended_at=now))
    return int(result.rowcount)


def open_sessions(conn: Connection, account_id: int) -> list[Any]:
    return list(conn.execute(select(_S).where(_S.c.account_id == account_id,
                                              _S.c.ended_at.is_(None))
                             .order_by(_S.c.last_seen_at.desc())))
