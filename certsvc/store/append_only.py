"""Database triggers that make the audit log append-only, below our own code.

Used by the migration that creates ``audit_events``, and by the test suite, which must empty
the table between tests (PostgreSQL's TRUNCATE bypasses row triggers; SQLite has no way but
to drop the triggers for the moment).
"""

from __future__ import annotations

from sqlalchemy import Connection

_POSTGRESQL = (
    """CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'audit_events is append-only'; END;
       $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
       FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()""",
)
_SQLITE = tuple(
    f"""CREATE TRIGGER audit_events_no_{event.lower()} BEFORE {event} ON audit_events
        BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"""
    for event in ("UPDATE", "DELETE")
)


def create_triggers(conn: Connection) -> None:
    for statement in _POSTGRESQL if conn.dialect.name == "postgresql" else _SQLITE:
        conn.exec_driver_sql(statement)


def drop_triggers(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events")
    else:
        for event in ("update", "delete"):
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS audit_events_no_{event}")
