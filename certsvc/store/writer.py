"""The only code that changes licences in the database.

Numbers are reserved with one atomic ``UPDATE … RETURNING`` on the bureau's series row, so
concurrent issuers (processes, machines) never draw the same serial.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from hashlib import sha256
from typing import Any, cast

from sqlalchemy import Connection, Table, delete, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from certsvc.domain.licence import SUPERSEDED, LicenceStatus
from certsvc.domain.licence_number import MAX_SERIAL, LicenceNumber
from certsvc.errors import Conflict, NotFound
from certsvc.store import bulk, name_search
from certsvc.store.models import (
    ArtefactVersion,
    LicenceRow,
    LicenceSeries,
    LicenceStatusDetail,
    RetiredStatusIndex,
    StatusChange,
)

_L = cast(Table, LicenceRow.__table__)
_S = cast(Table, LicenceSeries.__table__)
_A = cast(Table, ArtefactVersion.__table__)
_D = cast(Table, LicenceStatusDetail.__table__)
_R = cast(Table, RetiredStatusIndex.__table__)
_C = cast(Table, StatusChange.__table__)


def reserve_serial(conn: Connection, bureau_code: str, product_code: str) -> int:
    """Take the next serial of a series, creating the series at 1."""
    where = (_S.c.bureau_code == bureau_code) & (_S.c.product_code == product_code)
    taken = conn.execute(
        update(_S).where(where).values(next_serial=_S.c.next_serial + 1)
        .returning(_S.c.next_serial)
    ).scalar()
    if taken is None:
        try:
            with conn.begin_nested():
                conn.execute(insert(_S).values(
                    bureau_code=bureau_code, product_code=product_code, next_serial=2))
            taken = 2
        except IntegrityError:  # another issuer created the series first
            return reserve_serial(conn, bureau_code, product_code)
    serial = int(taken) - 1
    if serial > MAX_SERIAL:
        raise Conflict(f"the series {bureau_code}/{product_code} is exhausted")
    return serial


def lock_holder(conn: Connection, uscc: str, bureau_code: str) -> None:
    """Hold, until the transaction ends, the right to issue to this enterprise from this
    bureau (一企一证: the issue that finds no licence and makes one must not race another
    doing the same). PostgreSQL: a transaction-scoped advisory lock on the pair; SQLite lets
    one writer at a time anyway."""
    if conn.dialect.name == "postgresql":
        key = int.from_bytes(sha256(f"holder:{uscc}:{bureau_code}".encode()).digest()[:8],
                             "big", signed=True)
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def advance_series(conn: Connection, numbers: Iterable[LicenceNumber]) -> None:
    """After importing numbered licences, make sure the series continues after them."""
    highest: dict[tuple[str, str], int] = {}
    for n in numbers:
        key = (n.bureau_code, n.product_code)
        highest[key] = max(highest.get(key, 0), n.serial)
    for (bureau, product), serial in highest.items():
        where = (_S.c.bureau_code == bureau) & (_S.c.product_code == product)
        current = conn.execute(select(_S.c.next_serial).where(where)).scalar()
        if current is None:
            conn.execute(insert(_S).values(
                bureau_code=bureau, product_code=product, next_serial=serial + 1))
        elif current <= serial:
            conn.execute(update(_S).where(where).values(next_serial=serial + 1))


def licence_id(conn: Connection, number: LicenceNumber) -> int:
    found = conn.execute(select(_L.c.id).where(_L.c.number == number.canonical)).scalar()
    if found is None:
        raise NotFound(f"no licence {number}")
    return int(found)


def used_status_indices(conn: Connection) -> set[int]:
    """Indices held by licences and by superseded tokens (never handed out again)."""
    return set(conn.execute(select(_L.c.status_index)).scalars()) | set(
        conn.execute(select(_R.c.status_index)).scalars())


def status_index_taken(conn: Connection, index: int) -> bool:
    return (
        conn.execute(select(_L.c.id).where(_L.c.status_index == index)).first() is not None
        or conn.execute(select(_R.c.status_index).where(_R.c.status_index == index)).first()
        is not None
    )


PENDING_COLUMNS = (
    "number", "bureau_code", "category", "product", "serial", "enterprise_name", "uscc",
    "residence", "production_address", "scope", "issued", "valid_until", "status",
    "status_index", "kid", "payload",
)


def insert_pending(conn: Connection, rows: Sequence[dict[str, Any]], at: dt.datetime
                   ) -> list[int]:
    """Insert licences that are not signed yet (``PENDING_COLUMNS``), created ``at``;
    return their ids (in order)."""
    numbers = [r["number"] for r in rows]
    existing = set(conn.execute(select(_L.c.number).where(_L.c.number.in_(numbers))).scalars())
    if existing:
        raise Conflict(f"licence number already issued: {', '.join(sorted(existing))}")
    bulk.insert_rows(conn, _L, PENDING_COLUMNS, [[r[c] for c in PENDING_COLUMNS] for r in rows],
                     {"token": None, "created_at": at, "signed_at": at, "updated_at": at})
    ids = dict(conn.execute(select(_L.c.number, _L.c.id).where(_L.c.number.in_(numbers))).all())
    inserted = [ids[n] for n in numbers]
    name_search.index_names(conn, inserted)
    return inserted


def store_tokens(conn: Connection, tokens: Sequence[tuple[int, bytes]]) -> None:
    """Each (row id, token): the signature that completes a pending licence, with its
    SHA-256, which the online doors compare (``certsvc.store.status_lookup``)."""
    bulk.update_rows(conn, _L, ["token", "token_sha256"], "id",
                     [(token, sha256(token).digest(), row_id) for row_id, token in tokens])


def pending(conn: Connection) -> list[tuple[int, bytes, bytes]]:
    """Licences written but never signed (a crash between the two steps): id, kid, payload."""
    return [
        (r.id, r.kid, r.payload)
        for r in conn.execute(select(_L.c.id, _L.c.kid, _L.c.payload).where(_L.c.token.is_(None)))
    ]


def set_status(
    conn: Connection, number: LicenceNumber, status: LicenceStatus, now: dt.datetime,
    detail: dict[str, Any] | None = None,
) -> None:
    """Change a licence's status, say why, and record the status-list change (if any).

    ``detail``: ``action``, ``reason`` and optionally ``legal_basis`` and ``deadline``.
    """
    row = conn.execute(select(_L.c.id, _L.c.status, _L.c.status_index)
                       .where(_L.c.number == number.canonical)).first()
    if row is None:
        raise NotFound(f"no licence {number}")
    conn.execute(update(_L).where(_L.c.id == row.id)
                 .values(status=status.value, updated_at=now))
    conn.execute(delete(_D).where(_D.c.licence_id == row.id))
    conn.execute(insert(_D).values(
        licence_id=row.id, at=now, **(detail or {"action": status.value, "reason": ""})))
    if row.status != status.value:
        record_status_change(conn, row.status_index, status.value, now)


def record_status_change(conn: Connection, index: int, status: str, now: dt.datetime) -> None:
    conn.execute(insert(_C).values(status_index=index, status=status, at=now))


# what a change or renewal can alter, by the names a leaf of the log gives them
CHANGEABLE = {"enterprise_name": "name", "residence": "residence",
              "production_address": "production_address", "scope": "scope",
              "issued": "issued", "valid_until": "valid_until"}


def changed_fields(conn: Connection, licence_id: int, values: dict[str, Any]) -> list[str]:
    """Which of the licence's fields ``values`` (a row about to replace it) changes."""
    old = conn.execute(select(*(_L.c[k] for k in CHANGEABLE)).where(_L.c.id == licence_id)
                       ).mappings().one()
    return sorted(name for column, name in CHANGEABLE.items()
                  if _comparable(old[column]) != _comparable(values[column]))


def _comparable(value: Any) -> Any:
    return list(value) if isinstance(value, list | tuple) else value


def supersede_token(
    conn: Connection, licence_id: int, values: dict[str, Any], now: dt.datetime
) -> None:
    """Replace a licence's signed content (change, renewal), before the new token is signed.

    The old token's status index is retired and listed as ended, so the superseded QR stops
    verifying; ``values`` carries the new fields, index, kid and payload, with no token yet.
    """
    old_index = conn.execute(
        select(_L.c.status_index).where(_L.c.id == licence_id)).scalar_one()
    conn.execute(insert(_R).values(status_index=old_index, licence_id=licence_id,
                                   retired_at=now))
    record_status_change(conn, old_index, SUPERSEDED, now)
    conn.execute(update(_L).where(_L.c.id == licence_id)
                 .values(token=None, token_sha256=None, updated_at=now, signed_at=now, **values))


def next_artefact_version(conn: Connection, name: str, now: dt.datetime,
                          count: int = 1) -> int:
    """Advance a counter by ``count`` and return its new value; the row stays locked until
    the transaction ends, so numbers are handed out in commit order."""
    where = _A.c.name == name
    version = conn.execute(
        update(_A).where(where).values(version=_A.c.version + count, published_at=now)
        .returning(_A.c.version)
    ).scalar()
    if version is None:
        try:
            with conn.begin_nested():
                conn.execute(insert(_A).values(name=name, version=count, published_at=now))
            version = count
        except IntegrityError:  # another writer created the counter first
            return next_artefact_version(conn, name, now, count)
    return int(version)
