"""executemany for the batch import, with SQLAlchemy's per-row work done once per column.

``conn.execute(insert(table), rows)`` builds and processes a parameter dictionary for every
row; at 100,000 licences that was the largest part of an import (bench/import_licences.py).
Here the statement is compiled once, each column's bind processor — the dialect's own, so
a date or a JSON value is stored exactly as SQLAlchemy would store it — is looked up once,
and values that are the same in every row (the import's timestamps) are processed once.
The rows then go to the DB-API's ``executemany`` as they are. Binary columns skip their
processor: it only wraps bytes in the driver's Binary type, and both drivers (sqlite3,
psycopg) take ``bytes`` as a BLOB or bytea directly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, LargeBinary, Table, bindparam, insert, update
from sqlalchemy.types import TypeEngine


def insert_rows(conn: Connection, table: Table, columns: Sequence[str],
                rows: Sequence[Sequence[Any]], constants: Mapping[str, Any] | None = None
                ) -> None:
    """INSERT ``rows`` (values in the order of ``columns``), plus ``constants`` in each."""
    fixed = dict(constants or {})
    names = [*columns, *fixed]
    statement = insert(table).values({name: bindparam(name) for name in names})
    _execute(conn, statement, [(name, table.c[name].type) for name in names], rows, fixed)


def update_rows(conn: Connection, table: Table, columns: Sequence[str], key: str,
                rows: Sequence[Sequence[Any]]) -> None:
    """UPDATE ``columns`` of the row whose ``key`` is each row's last value."""
    statement = (update(table).where(table.c[key] == bindparam("key_"))
                 .values({name: bindparam(name) for name in columns}))
    _execute(conn, statement, [*((name, table.c[name].type) for name in columns),
                               ("key_", table.c[key].type)], rows, {})


def _execute(conn: Connection, statement: Any, columns: Sequence[tuple[str, TypeEngine[Any]]],
             rows: Sequence[Sequence[Any]], fixed: dict[str, Any]) -> None:
    if not rows:
        return
    dialect = conn.dialect
    compiled = statement.compile(dialect=dialect)
    names = [name for name, _ in columns]
    processors = {name: None if isinstance(kind, LargeBinary)  # bytes pass as they are
                  else kind.dialect_impl(dialect).bind_processor(dialect)
                  for name, kind in columns}
    for name, value in fixed.items():
        process = processors.pop(name)
        fixed[name] = process(value) if process else value
    varying = names[:len(names) - len(fixed)]
    processed = [(i, p) for i, p in enumerate(processors[n] for n in varying) if p is not None]
    constant = list(fixed.values())
    values: list[list[Any]] = []
    for row in rows:
        value = [*row, *constant]
        for i, process in processed:
            value[i] = process(value[i])
        values.append(value)
    params: list[Any]
    if dialect.positional:  # qmark (SQLite): tuples in the compiled statement's order
        order = [names.index(n) for n in compiled.positiontup or ()]
        params = [tuple(v) for v in values] if order == list(range(len(names))) else [
            tuple(v[i] for i in order) for v in values]
    else:  # pyformat (psycopg): one dictionary per row
        params = [dict(zip(names, v, strict=True)) for v in values]
    conn.exec_driver_sql(str(compiled), params)
