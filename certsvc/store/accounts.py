"""Accounts and their API tokens. A token is stored only as its SHA-256 digest.

Tokens are 256 random bits, so a fast hash is enough: there is nothing to brute-force, and
a stolen database yields no usable token.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any, cast

from sqlalchemy import Connection, Table, insert, select, update

from certsvc.domain.accounts import Principal, Role
from certsvc.domain.time import as_utc
from certsvc.errors import NotFound, ValidationError
from certsvc.store.models import AccountRow, ApiTokenRow, InstitutionRow

_ACC = cast(Table, AccountRow.__table__)
_TOK = cast(Table, ApiTokenRow.__table__)
_INS = cast(Table, InstitutionRow.__table__)
TOKEN_PREFIX = "cst_"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_account(conn: Connection, role: Role, name: str, now: dt.datetime, *,
                   bureau_code: str | None = None, uscc: str | None = None,
                   institution_id: int | None = None, staff_admin: bool = False,
                   review_body_id: int | None = None, area_code: str | None = None,
                   granted_kinds: list[str] | None = None) -> int:
    result = conn.execute(insert(_ACC).values(
        role=role.value, name=name, bureau_code=bureau_code, uscc=uscc,
        institution_id=institution_id, created_at=now, staff_admin=staff_admin,
        review_body_id=review_body_id, area_code=area_code, granted_kinds=granted_kinds))
    return int(cast(Any, result.inserted_primary_key)[0])


def set_staff_admin(conn: Connection, account_id: int, on: bool) -> None:
    """Mark or unmark a bureau account as its bureau's staff administrator."""
    principal = principal_for_account(conn, account_id)
    if not principal.is_bureau and on:
        raise ValidationError("account", "only a bureau account administers staff")
    conn.execute(update(_ACC).where(_ACC.c.id == account_id).values(staff_admin=on))


def grant(conn: Connection, account_id: int, kinds: list[str]) -> None:
    """The feed's event families a department account may read (replacing the old grant)."""
    principal = principal_for_account(conn, account_id)
    if principal.role is not Role.DEPARTMENT:
        raise ValidationError("account", "only a department account is granted event kinds")
    conn.execute(update(_ACC).where(_ACC.c.id == account_id).values(granted_kinds=kinds))


def create_token(conn: Connection, account_id: int, now: dt.datetime,
                 lifetime: dt.timedelta) -> tuple[int, str]:
    """A new token for the account: (token id, the token — shown once, never stored)."""
    if conn.execute(select(_ACC.c.id).where(_ACC.c.id == account_id)).first() is None:
        raise NotFound(f"no account {account_id}")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    result = conn.execute(insert(_TOK).values(
        account_id=account_id, digest=digest(token), created_at=now, expires_at=now + lifetime))
    return int(cast(Any, result.inserted_primary_key)[0]), token


def revoke_token(conn: Connection, token_id: int, now: dt.datetime) -> None:
    result = conn.execute(update(_TOK).where(_TOK.c.id == token_id, _TOK.c.revoked_at.is_(None))
                          .values(revoked_at=now))
    if result.rowcount != 1:
        raise NotFound(f"no active token {token_id}")


def principal_for_token(conn: Connection, token: str, now: dt.datetime) -> Principal | None:
    """The account a live token belongs to; None for unknown, expired or revoked tokens."""
    row = conn.execute(
        select(_TOK.c.expires_at, _TOK.c.revoked_at, _ACC)
        .join(_ACC, _ACC.c.id == _TOK.c.account_id)
        .where(_TOK.c.digest == digest(token))
    ).first()
    if row is None or row.revoked_at is not None or as_utc(row.expires_at) <= now:
        return None
    return _principal(row)


def principal_for_account(conn: Connection, account_id: int) -> Principal:
    row = conn.execute(select(_ACC).where(_ACC.c.id == account_id)).first()
    if row is None:
        raise NotFound(f"no account {account_id}")
    return _principal(row)


def list_accounts(conn: Connection) -> list[Principal]:
    return [_principal(r) for r in conn.execute(select(_ACC).order_by(_ACC.c.id))]


def _principal(row: Any) -> Principal:
    return Principal(row.id, Role(row.role), row.name, row.bureau_code, row.uscc,
                     row.institution_id, row.staff_admin, row.review_body_id, row.area_code,
                     tuple(row.granted_kinds or ()))


def create_institution(conn: Connection, name: str, accreditation: str, level: int,
                       filed: bool) -> int:
    result = conn.execute(insert(_INS).values(
        name=name, accreditation=accreditation, level=level, filed=filed))
    return int(cast(Any, result.inserted_primary_key)[0])


def set_filing(conn: Connection, institution_id: int, filed: bool) -> None:
    institution(conn, institution_id)
    conn.execute(update(_INS).where(_INS.c.id == institution_id).values(filed=filed))


def set_bar(conn: Connection, institution_id: int, on: dt.date | None,
            reason: str | None) -> None:
    """Bar an institution from testing for licences (``on``), or lift the bar (None)."""
    conn.execute(update(_INS).where(_INS.c.id == institution_id).values(
        barred_on=on, barred_reason=reason))


def institution(conn: Connection, institution_id: int) -> Any:
    row = conn.execute(select(_INS).where(_INS.c.id == institution_id)).first()
    if row is None:
        raise NotFound(f"no inspection institution {institution_id}")
    return row
