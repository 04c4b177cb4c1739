"""The online status lookup keeps a connection per thread: it must still see every commit,
use the small index, and survive a connection that dies under it."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import Engine

from certsvc.domain.licence import LicenceStatus
from certsvc.domain.time import utcnow
from certsvc.store import writer
from certsvc.store.status_lookup import StatusLookup
from certsvc.workflow.issuance import IssuedLicence


def status_of(lookup: StatusLookup, index: int) -> object:
    """The status alone, checking that the register's token digest comes with it."""
    found = lookup.status(index)
    if not isinstance(found, tuple):
        return found
    assert found[1] is not None and len(found[1]) == 32
    return found[0]


def test_a_kept_connection_sees_each_later_commit(engine: Engine, issued: IssuedLicence
                                                  ) -> None:
    lookup = StatusLookup(engine)
    assert status_of(lookup, issued.status_index) is LicenceStatus.VALID
    for status in (LicenceStatus.SUSPENDED, LicenceStatus.REVOKED):
        with engine.begin() as conn:
            writer.set_status(conn, issued.number, status, utcnow())
        assert status_of(lookup, issued.status_index) is status
    assert status_of(lookup, issued.status_index ^ 1) is None  # no licence there


def test_the_query_reads_only_the_status_index(engine: Engine) -> None:
    lookup = StatusLookup(engine)
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + lookup._query, (1,)).all()
            assert "COVERING INDEX ix_licences_status_lookup" in str(plan)
        else:
            conn.exec_driver_sql("SET enable_seqscan = off")
            plan = conn.exec_driver_sql("EXPLAIN " + lookup._query, (1,)).all()
            assert "Index Only Scan using ix_licences_status_lookup" in str(plan)


def test_a_dead_connection_is_replaced(engine: Engine, issued: IssuedLicence) -> None:
    lookup = StatusLookup(engine)
    assert status_of(lookup, issued.status_index) is LicenceStatus.VALID
    lookup._local.held.connection.close()  # as if the server had restarted
    assert status_of(lookup, issued.status_index) is LicenceStatus.VALID


def test_each_thread_has_its_own_connection(engine: Engine, issued: IssuedLicence) -> None:
    lookup = StatusLookup(engine)
    seen: list[object] = []

    def look() -> None:
        assert status_of(lookup, issued.status_index) is LicenceStatus.VALID
        seen.append(lookup._local.held.connection)

    threads = [threading.Thread(target=look) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(c) for c in seen}) == 3
    # and each is closed with its thread (the development server starts one per request:
    # kept until the process ended, they ran it out of file descriptors; issue 24)
    for connection in seen:
        with pytest.raises(Exception):  # noqa: B017 - sqlite3's and psycopg's differ
            connection.cursor().execute("SELECT 1")
