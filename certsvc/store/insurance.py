"""Insurers' liability policies as rows."""

from __future__ import annotations

import datetime as dt
from typing import cast

from sqlalchemy import Connection, RowMapping, Table, select

from certsvc.store.models import InsurancePolicyRow, LicenceRow
from certsvc.store.oversight import in_area

POLICIES = cast(Table, InsurancePolicyRow.__table__)
_T = POLICIES


def load(conn: Connection, policy_id: int) -> RowMapping:
    return conn.execute(select(_T).where(_T.c.id == policy_id)).mappings().one()


def exists(conn: Connection, account_id: int, policy_number: str) -> bool:
    return conn.execute(select(_T.c.id).where(
        _T.c.account_id == account_id, _T.c.policy_number == policy_number)).first() is not None


def find(conn: Connection, *, bureau_code: str | None, uscc: str | None, area: str | None,
         account_id: int | None, before: int | None, limit: int) -> list[RowMapping]:
    """Policies newest first: of enterprises licensed in a province or registered in an
    area, of one enterprise, or one insurer's."""
    query = select(_T)
    if bureau_code is not None:
        licensed = select(LicenceRow.uscc).where(LicenceRow.bureau_code == bureau_code)
        query = query.where(_T.c.uscc.in_(licensed))
    if area is not None:
        query = query.where(in_area(_T.c.uscc, area))
    for column, value in ((_T.c.uscc, uscc), (_T.c.account_id, account_id)):
        if value is not None:
            query = query.where(column == value)
    if before is not None:
        query = query.where(_T.c.id < before)
    return list(conn.execute(query.order_by(_T.c.id.desc()).limit(limit)).mappings())


def in_force(conn: Connection, uscc: str, today: dt.date) -> RowMapping | None:
    """The enterprise's policy in force today that runs longest, if any."""
    return conn.execute(select(_T).where(
        _T.c.uscc == uscc, _T.c.starts_on <= today, _T.c.ends_on >= today)
        .order_by(_T.c.ends_on.desc()).limit(1)).mappings().first()
