"""Engines and schema migration.

SQLite is the embedded default (WAL, foreign keys on); PostgreSQL comes through
``CERTSVC_DATABASE_URL``. The schema is created and upgraded only by Alembic.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, exc, text

_MIGRATIONS = Path(__file__).parent / "migrations"


def make_engine(url: str, connect_timeout: float | None = None,
                statement_timeout: float | None = None) -> Engine:
    """An engine; the web apps pass timeouts (seconds) so that a database that is away, or
    that accepts connections and never answers, costs a request a bounded wait and a 503
    instead of holding a worker until gunicorn kills it. (Batch commands pass none: an
    import or a migration may rightly run a long statement.)"""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    connect_args: dict[str, Any] = {}
    if url.startswith("postgresql"):
        if connect_timeout is not None:
            connect_args["connect_timeout"] = max(1, round(connect_timeout))
        if statement_timeout is not None:
            connect_args["options"] = f"-c statement_timeout={round(statement_timeout * 1000)}"
    # JSON columns are read back by the standard library: orjson would read an integer
    # beyond 64 bits as a float.
    engine = create_engine(url, pool_pre_ping=not url.startswith("sqlite"),
                           json_serializer=_json_text, connect_args=connect_args,
                           pool_timeout=connect_timeout if connect_timeout is not None else 30)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _json_text(value: Any) -> str:
    """JSON columns through orjson: a feed event's data is written 5x as fast as by the
    standard library (a batch import writes one per licence), and compact, with Chinese
    text as UTF-8 rather than ``\\uXXXX`` escapes. What orjson refuses and JSON allows
    (integers beyond 64 bits) goes through the standard library instead."""
    try:
        return orjson.dumps(value).decode()
    except orjson.JSONEncodeError:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (idempotent)."""
    command.upgrade(alembic_config(engine), "head")


def unavailable(error: BaseException) -> bool:
    """Whether ``error`` says the database is away, refused us, or was too slow — a 503 for
    the caller to retry — rather than a fault in our code. Covers SQLAlchemy's wrappers and
    the DB-API's own errors (the status lookup talks to the driver directly)."""
    if isinstance(error, exc.OperationalError | exc.InterfaceError | exc.TimeoutError):
        return True
    if isinstance(error, exc.DBAPIError):
        return bool(error.connection_invalidated)
    return any(kind.__module__.startswith(("psycopg", "sqlite3"))
               and kind.__name__ in ("OperationalError", "InterfaceError")
               for kind in type(error).__mro__)


def ready(engine: Engine) -> None:
    """Raise unless the database answers a trivial query (the readiness check)."""
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
