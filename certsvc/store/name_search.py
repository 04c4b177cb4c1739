"""Licences by part of the holder's name, through an index on both databases, ranked.

Anyone may search, so the work per request must not grow with the register:

- a name *prefix* is a range scan of the ``enterprise_name`` B-tree (any length);
- a *fragment* of three or more characters is looked up in the trigram index (SQLite FTS5,
  PostgreSQL pg_trgm; migration 0010);
- a fragment of *two* characters (a firm's 字号, the most common query) in a bigram index on
  PostgreSQL, and on SQLite through the trigram table's vocabulary: the trigrams that start
  with the two characters (so two characters that end a name are found as a prefix only,
  or not: names end in 公司, 厂 and the like);
- one character is matched as a name prefix only: a scan is what this module avoids;
- neither query counts all matches: each reads at most ``CAP + 1`` rows, and the caller is
  told when there were more (``capped``), to narrow the query.

Prefix matches rank before other fragment matches; within each, by name and number.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, select, text

from certsvc.store.models import LicenceRow

_T = cast(Table, LicenceRow.__table__)
CAP = 1000
MIN_FRAGMENT = 2  # shorter: names that start with it


@dataclass(frozen=True)
class NameMatches:
    ids: list[int]  # ranked, at most CAP
    capped: bool  # more matched than CAP: ask for a narrower query


def find(conn: Connection, fragment: str) -> NameMatches:
    seen: dict[int, tuple[int, str, str]] = {}
    for row in _prefix(conn, fragment):
        seen[row[0]] = (0, row[1], row[2])
    more = len(seen) > CAP
    if len(fragment) >= MIN_FRAGMENT:
        rows = _fragment(conn, fragment)
        more = more or len(rows) > CAP
        for row in rows:
            seen.setdefault(row[0], (1, row[1], row[2]))
    ranked = sorted(seen, key=seen.__getitem__)
    return NameMatches(ranked[:CAP], more or len(ranked) > CAP)


def index_names(conn: Connection, ids: Sequence[int]) -> None:
    """Add new licences' names to the SQLite trigram index, one statement per 500 rows (on
    PostgreSQL the GIN indexes follow the table by themselves)."""
    if conn.dialect.name != "sqlite":
        return
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        conn.execute(text(
            "INSERT INTO licence_names(rowid, enterprise_name) "
            "SELECT id, enterprise_name FROM licences WHERE id IN :ids"
        ).bindparams(bindparam("ids", expanding=True)), {"ids": list(chunk)})


def _prefix(conn: Connection, prefix: str) -> list[Any]:
    """A range of the B-tree: names from ``prefix`` up to the next string after it."""
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return list(conn.execute(
        select(_T.c.id, _T.c.enterprise_name, _T.c.number)
        .where(_T.c.enterprise_name >= prefix, _T.c.enterprise_name < upper,
               _T.c.token.is_not(None))
        .order_by(_T.c.enterprise_name, _T.c.number).limit(CAP + 1)))


def _fragment(conn: Connection, fragment: str) -> list[Any]:
    if conn.dialect.name == "postgresql":
        escaped = fragment.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = (select(_T.c.id, _T.c.enterprise_name, _T.c.number)
                 .where(_T.c.enterprise_name.like(f"%{escaped}%", escape="\\"),
                        _T.c.token.is_not(None)).limit(CAP + 1))
        if len(fragment) == 2:  # the bigram index; LIKE rechecks
            query = query.where(text("certsvc_bigrams(licences.enterprise_name) @> "
                                     "ARRAY[:bigram]::text[]").bindparams(bigram=fragment))
        return list(conn.execute(query))
    terms = [fragment] if len(fragment) > 2 else _trigrams_starting(conn, fragment)
    if not terms:
        return []
    # FTS5: each term one phrase, taken literally
    expression = " OR ".join('"' + term.replace('"', '""') + '"' for term in terms)
    return list(conn.execute(text(
        "SELECT l.id, l.enterprise_name, l.number FROM licence_names "
        "JOIN licences AS l ON l.id = licence_names.rowid "
        "WHERE licence_names MATCH :expression AND l.token IS NOT NULL LIMIT :limit"),
        {"expression": expression, "limit": CAP + 1}))


def _trigrams_starting(conn: Connection, pair: str) -> list[str]:
    """The trigrams in the SQLite index that start with ``pair`` (a range of its vocabulary;
    FTS5 folds ASCII case, so the range is taken in lower case)."""
    low = pair.lower()
    return list(conn.execute(text(
        "SELECT term FROM licence_name_terms WHERE term >= :low AND term < :high LIMIT 200"),
        {"low": low, "high": low[:-1] + chr(ord(low[-1]) + 1)}).scalars())
