"""The transparency log in the database: appended in the transaction that records the event.

The log's size is a counter row (``artefact_versions``, name ``log``) that an append
advances with ``UPDATE … RETURNING`` and keeps locked until its transaction ends: appends are
serialised, each sees every earlier one committed, and the leaves form one linear history
whatever the number of processes. An append inserts the leaves and the hashes they complete
(:func:`certsvc.transparency.stored.append_hashes`), reading only the O(log n) hashes of
the tree's right edge, once per batch. Because the leaves, the hashes and the event
commit or roll back together, an event in the database is in the log, and nothing is in the
log that the database lacks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Connection, Table, func, select

from certsvc.store import bulk
from certsvc.store.models import (
    ArtefactVersion,
    LogCheckpointRow,
    LogEntryRow,
    LogHashRow,
    LogHeadRow,
)
from certsvc.store.writer import next_artefact_version
from certsvc.transparency.entries import encode_entry, leaf_data, token_digest
from certsvc.transparency.merkle import leaf_hash
from certsvc.transparency.stored import append_hashes, stored_count

COUNTER = "log"
_E = cast(Table, LogEntryRow.__table__)
_H = cast(Table, LogHashRow.__table__)
_C = cast(Table, LogCheckpointRow.__table__)
_A = cast(Table, ArtefactVersion.__table__)
_HEADS = cast(Table, LogHeadRow.__table__)

Event = tuple[str, str, str, Any]  # kind, uscc, subject, data — as the feed records it


def append(conn: Connection, events: Sequence[Event], now: dt.datetime) -> int:
    """Append the events as leaves; the log's new size (0 with nothing to append)."""
    if not events:
        return 0
    size = next_artefact_version(conn, COUNTER, now, len(events))
    first = size - len(events)
    at = now.astimezone(dt.UTC).isoformat()
    entries = [encode_entry(kind, at, uscc, subject, leaf_data(data))
               for kind, uscc, subject, data in events]
    hashes = append_hashes(first, [leaf_hash(e) for e in entries], hash_reader(conn))
    start = stored_count(first)
    bulk.insert_rows(conn, _E, ("idx", "token_sha256", "data"),
                     [(first + i, token_digest(event[3]), entry)
                      for i, (event, entry) in enumerate(zip(events, entries, strict=True))],
                     {"at": now})
    bulk.insert_rows(conn, _H, ("idx", "hash"), list(enumerate(hashes, start)))
    return size


def read_hashes_by_index(conn: Connection, indexes: Sequence[int]) -> dict[int, bytes]:
    rows = conn.execute(select(_H.c.idx, _H.c.hash).where(_H.c.idx.in_(list(indexes))))
    return {int(r.idx): bytes(r.hash) for r in rows}


def hash_reader(conn: Connection) -> Any:
    """A :data:`~certsvc.transparency.stored.HashReader` over the table; LookupError if a
    hash asked for is not stored (a tree larger than the log)."""
    def read(indexes: Sequence[int]) -> list[bytes]:
        found = read_hashes_by_index(conn, indexes)
        try:
            return [found[i] for i in indexes]
        except KeyError:
            raise LookupError("the log is not that large") from None
    return read


def size(conn: Connection) -> int:
    """The committed size of the log."""
    value = conn.execute(select(_A.c.version).where(_A.c.name == COUNTER)).scalar()
    return int(value or 0)


def entries(conn: Connection, start: int, end: int) -> list[bytes]:
    """The entries [start, end)."""
    rows = conn.execute(select(_E.c.data).where(_E.c.idx >= start, _E.c.idx < end)
                        .order_by(_E.c.idx))
    return [bytes(r.data) for r in rows]


def index_of_token(conn: Connection, token_sha256: bytes) -> int | None:
    """The first leaf about the token with this digest (its issuance), or None."""
    value = conn.execute(select(func.min(_E.c.idx)).where(_E.c.token_sha256 == token_sha256)
                         ).scalar()
    return None if value is None else int(value)


def entry(conn: Connection, index: int) -> bytes | None:
    value = conn.execute(select(_E.c.data).where(_E.c.idx == index)).scalar()
    return None if value is None else bytes(value)


def save_checkpoint(conn: Connection, tree_size: int, note: str, now: dt.datetime) -> None:
    """Keep the published checkpoint of this size (its cosignatures may grow)."""
    existing = conn.execute(select(_C.c.size).where(_C.c.size == tree_size)).first()
    if existing is None:
        conn.execute(_C.insert().values(size=tree_size, note=note, published_at=now))
    else:
        conn.execute(_C.update().where(_C.c.size == tree_size)
                     .values(note=note, published_at=now))


def latest_checkpoint(conn: Connection) -> tuple[int, str] | None:
    row = conn.execute(select(_C.c.size, _C.c.note).order_by(_C.c.size.desc()).limit(1)).first()
    return None if row is None else (int(row.size), str(row.note))


def checkpoint_note(conn: Connection, tree_size: int) -> str | None:
    value = conn.execute(select(_C.c.note).where(_C.c.size == tree_size)).scalar()
    return None if value is None else str(value)


def save_head(conn: Connection, tree_size: int, note: str, now: dt.datetime) -> None:
    """Keep a tree head the log key signed (the first note of a size stays)."""
    if conn.execute(select(_HEADS.c.size).where(_HEADS.c.size == tree_size)).first() is None:
        conn.execute(_HEADS.insert().values(size=tree_size, note=note, signed_at=now))


def latest_heads(conn: Connection, count: int) -> list[str]:
    """The notes of the ``count`` largest heads, largest first."""
    return [str(note) for note in conn.execute(
        select(_HEADS.c.note).order_by(_HEADS.c.size.desc()).limit(count)).scalars()]


def first_entry_of_token(conn: Connection, token_sha256: bytes) -> tuple[int, bytes] | None:
    """The first leaf about the token with this digest: its index and bytes."""
    row = conn.execute(select(_E.c.idx, _E.c.data).where(_E.c.token_sha256 == token_sha256)
                       .order_by(_E.c.idx).limit(1)).first()
    return None if row is None else (int(row.idx), bytes(row.data))
