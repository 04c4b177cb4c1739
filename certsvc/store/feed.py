"""The data-sharing feed: one row per change, appended in the transaction that makes it.

Licence, declaration and key events are also appended to the transparency log here, in the
same transaction (:mod:`certsvc.store.log`): this is the one place events are recorded.

``id`` orders the feed and is the consumer's cursor ("changes after N"). Ids come from one
counter row that each writer locks (``UPDATE … RETURNING``) until it commits, so feed
transactions commit in id order: when a consumer sees id N, every smaller id is already
visible, and following the cursor never skips an event that commits late.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any, cast

from sqlalchemy import Connection, Engine, Select, Table, false, or_, select

from certsvc.domain.time import as_utc
from certsvc.store import bulk, log
from certsvc.store.models import FeedEvent
from certsvc.store.writer import next_artefact_version
from certsvc.transparency.entries import is_logged

_T = cast(Table, FeedEvent.__table__)
COUNTER = "feed"


def record(conn: Connection, kind: str, uscc: str, subject: str, data: Any,
           now: dt.datetime) -> None:
    record_many(conn, [(kind, uscc, subject, data)], now)


def record_many(conn: Connection, events: Sequence[tuple[str, str, str, Any]],
                now: dt.datetime) -> None:
    """Append events (kind, uscc, subject, data) with consecutive ids, and those the
    transparency log holds to the log."""
    if not events:
        return
    last = next_artefact_version(conn, COUNTER, now, len(events))
    first = last - len(events) + 1
    bulk.insert_rows(conn, _T, ("id", "kind", "uscc", "subject", "data"),
                     [(first + i, *event) for i, event in enumerate(events)], {"at": now})
    log.append(conn, [event for event in events if is_logged(event[0])], now)


def page(conn: Connection, after: int, limit: int,
         families: tuple[str, ...] | None = None) -> list[dict[str, Any]]:
    """Events after the cursor, oldest first, up to ``limit``; ``families``: only events of
    those (a department's grant)."""
    query = _of(select(_T).where(_T.c.id > after), families)
    rows = conn.execute(query.order_by(_T.c.id).limit(limit)).all()
    return [_event(r) for r in rows]


def _of(query: Select[Any], families: tuple[str, ...] | None) -> Select[Any]:
    if families is None:
        return query
    return query.where(or_(false(), *(_T.c.kind.startswith(f"{f}.") for f in families)))


def stream(engine: Engine, after: int, batch: int,
           families: tuple[str, ...] | None = None) -> Iterator[dict[str, Any]]:
    """Every event after the cursor, oldest first, read ``batch`` rows at a time (a
    server-side cursor on PostgreSQL), so that memory stays flat however many there are."""
    with engine.connect() as conn:
        rows = conn.execution_options(stream_results=True, yield_per=batch).execute(
            _of(select(_T).where(_T.c.id > after), families).order_by(_T.c.id))
        for row in rows:
            yield _event(row)


def _event(r: Any) -> dict[str, Any]:
    return {"id": r.id, "at": as_utc(r.at).isoformat(), "kind": r.kind, "uscc": r.uscc,
            "subject": r.subject, "data": r.data}
