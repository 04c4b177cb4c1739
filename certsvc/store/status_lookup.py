"""The one query every online verification makes: the status at a status-list index, and the
SHA-256 of the register's current token there (so a genuine-key token that the register
never recorded is told apart from the register's own).

It runs once per ``POST /api/v1/verify`` and per QR landing page, so it skips what costs more
than the query itself. Each thread keeps one DB-API connection instead of checking one out
of SQLAlchemy's pool per call (the checkout and its reset cost more than the lookup), and
the query reads only the ``ix_licences_status_lookup`` index (migrations 0007, 0009), which
holds the status and the token's digest beside the index and stays in memory where the
licences table does not. Only when no licence holds the index is a second, rarer question
asked: was it retired by a change or renewal?

A token found there must also have its issuance in the transparency log, under a head the
log key signed: :mod:`certsvc.store.log_check`.

A connection that fails is dropped and the lookup retried once on a new one, so a database
restart costs one slow request, not a broken worker.
"""

from __future__ import annotations

import contextlib
import threading
import weakref
from typing import Any

from sqlalchemy import Engine

from certsvc.domain.licence import LicenceStatus

_QUERIES = {
    # SQLite would otherwise take the unique index on status_index and then read the row
    "sqlite": "SELECT status, token_sha256 FROM licences INDEXED BY ix_licences_status_lookup "
              "WHERE status_index = ?",
    "postgresql": "SELECT status, token_sha256 FROM licences WHERE status_index = %s",
}
_RETIRED = {
    "sqlite": "SELECT 1 FROM retired_status_indices WHERE status_index = ?",
    "postgresql": "SELECT 1 FROM retired_status_indices WHERE status_index = %s",
}
RETIRED = "retired"  # the index of a token that a change or renewal superseded


class StatusLookup:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._query = _QUERIES[engine.dialect.name]
        self._retired = _RETIRED[engine.dialect.name]
        self._errors: tuple[type[BaseException], ...] = (engine.dialect.loaded_dbapi.Error,)
        self._local = threading.local()

    def status(self, status_index: int) -> tuple[LicenceStatus, bytes | None] | str | None:
        """(status, SHA-256 of the current token) of the licence at ``status_index``;
        ``RETIRED`` if a superseded token had it; None if nothing ever had it."""
        row = self._retrying(self._query, status_index)
        if row is not None:
            return LicenceStatus(row[0]), None if row[1] is None else bytes(row[1])
        return RETIRED if self._retrying(self._retired, status_index) else None

    def _retrying(self, query: str, parameter: Any) -> Any:
        try:
            return self._fetch(query, parameter)
        except self._errors:
            self._drop()
            return self._fetch(query, parameter)

    def _fetch(self, query: str, parameter: Any) -> Any:
        held = getattr(self._local, "held", None)
        if held is None:
            held = self._local.held = _Held(self._connect())
        cursor = held.connection.cursor()
        try:
            cursor.execute(query, (parameter,))
            return cursor.fetchone()
        finally:
            cursor.close()

    def _connect(self) -> Any:
        """A connection of this thread's own, detached from the pool (it never goes back to
        it, so its settings never leak to other users); on PostgreSQL in autocommit, so that
        no transaction stays open between lookups (each statement sees the latest commit)."""
        pooled = self.engine.raw_connection()
        pooled.detach()
        connection: Any = pooled.dbapi_connection
        if self.engine.dialect.name == "postgresql":
            connection.autocommit = True
        return connection

    def _drop(self) -> None:
        held = getattr(self._local, "held", None)
        self._local.held = None
        if held is not None:
            with contextlib.suppress(*self._errors):  # it is broken: that is why it goes
                held.close()


class _Held:
    """A thread's connection, closed when the thread ends (its thread-local values go with
    it) — not when the lookup does: the development server starts a thread per request, and
    connections kept until the lookup went leaked two file descriptors a request, until
    SQLite could open no more (issue 24)."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self.close = weakref.finalize(self, _close, connection)


def _close(connection: Any) -> None:
    with contextlib.suppress(Exception):  # closing is all that is left to do with it
        connection.close()
