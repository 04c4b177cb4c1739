"""Database triggers that make the audit log and the transparency log append-only, below
our own code: an UPDATE or DELETE of a row is refused by the database itself.

``log_checkpoints`` keeps one exception: the note of a published size may be replaced (its
cosignatures grow as witnesses answer), never its size, and no row is deleted.

Used by the migrations that create the tables (0002, 0025), and by the test suite, which must
empty the tables between tests (PostgreSQL's TRUNCATE bypasses row triggers; SQLite has no way
but to drop the triggers for the moment).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection

AUDIT = ("audit_events",)
LOG = ("log_entries", "log_hashes", "log_heads", "log_checkpoints")
_SIZE_ONLY = {"log_checkpoints"}  # whose rows may change, but not their size

_POSTGRESQL_FUNCTION = """CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION USING MESSAGE = TG_TABLE_NAME || ' is append-only'; END;
       $$ LANGUAGE plpgsql"""


def _function(table: str) -> str:
    # the audit log's function keeps the name it was created with (migration 0002)
    return "audit_events_append_only" if table == "audit_events" else "certsvc_append_only"


def _postgresql(table: str) -> list[str]:
    events = "UPDATE OF size OR DELETE" if table in _SIZE_ONLY else "UPDATE OR DELETE"
    return [_POSTGRESQL_FUNCTION.format(name=_function(table)),
            f"""CREATE TRIGGER {table}_append_only BEFORE {events} ON {table}
                FOR EACH ROW EXECUTE FUNCTION {_function(table)}()"""]


def _sqlite(table: str) -> list[str]:
    return [f"""CREATE TRIGGER {table}_no_{event.split()[0].lower()} BEFORE {event} ON {table}
                BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"""
            for event in (("UPDATE OF size" if table in _SIZE_ONLY else "UPDATE"), "DELETE")]


def create_triggers(conn: Connection, tables: Iterable[str] = AUDIT + LOG) -> None:
    for table in tables:
        make = _postgresql if conn.dialect.name == "postgresql" else _sqlite
        for statement in make(table):
            conn.exec_driver_sql(statement)


def drop_triggers(conn: Connection, tables: Iterable[str] = AUDIT + LOG) -> None:
    for table in tables:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        else:
            for event in ("update", "delete"):
                conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_no_{event}")
