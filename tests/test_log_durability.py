"""The log under concurrency and crashes, with real processes (CI: PostgreSQL and SQLite).

- Four processes appending at once make one linear history: leaves 0..n-1, no gap, no
  repeat, the stored tree the RFC tree of the entries, every event of every process in it.
- A process killed with SIGKILL in the middle of appending loses no event it acknowledged,
  and leaves no leaf without its event nor an event without its leaf.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import signal
import subprocess
import sys
from pathlib import Path

from sqlalchemy import Engine, func, select

from certsvc.store import log
from certsvc.store.models import FeedEvent, LogEntryRow, LogHashRow
from certsvc.transparency.entries import decode_entry
from certsvc.transparency.merkle import leaf_hash, root
from certsvc.transparency.stored import stored_count, tree_hash

PROCESSES = 4
EACH = 25
NOW = dt.datetime(2026, 5, 1, tzinfo=dt.UTC)


def _append_many(database_url: str, writer: int, count: int) -> list[str]:
    from certsvc.store import feed
    from certsvc.store.db import make_engine

    engine = make_engine(database_url)
    subjects = []
    for n in range(count):
        subject = f"licence:w{writer}-{n}"
        with engine.begin() as conn:
            feed.record(conn, "licence.status", "91330000000000000X", subject,
                        {"number": subject, "status": "suspended"}, NOW)
        subjects.append(subject)
    return subjects


def check_whole(engine: Engine) -> list[str]:
    """The log is one tree over its entries, with an event for each leaf; its subjects."""
    with engine.connect() as conn:
        size = log.size(conn)
        indexes = [r.idx for r in conn.execute(select(LogEntryRow.idx).order_by(LogEntryRow.idx))]
        entries = log.entries(conn, 0, size)
        assert indexes == list(range(size))
        assert conn.execute(select(func.count()).select_from(LogHashRow)).scalar() == \
            stored_count(size)
        assert tree_hash(size, log.hash_reader(conn)) == root([leaf_hash(e) for e in entries])
        events = conn.execute(select(func.count()).select_from(FeedEvent)
                              .where(FeedEvent.kind.like("licence.%"))).scalar()
        assert events == size  # no leaf without its event, no event without its leaf
    return [decode_entry(e).subject for e in entries]


def test_concurrent_appends_make_one_linear_history(engine: Engine, database_url: str) -> None:
    context = multiprocessing.get_context("spawn")
    with context.Pool(PROCESSES) as pool:
        batches = pool.starmap(_append_many, [(database_url, w, EACH) for w in range(PROCESSES)])
    subjects = check_whole(engine)
    assert sorted(subjects) == sorted(s for batch in batches for s in batch)
    for batch in batches:  # each writer's events in its own order
        positions = [subjects.index(s) for s in batch]
        assert positions == sorted(positions)


APPENDER = """
import datetime as dt, sys
from certsvc.store import feed
from certsvc.store.db import make_engine
engine = make_engine(sys.argv[1])
n = 0
while True:
    subject = f"licence:k{n}"
    with engine.begin() as conn:
        feed.record_many(conn, [("licence.status", "91330000000000000X", f"{subject}-{i}",
                                 {"number": subject, "status": "revoked"}) for i in range(3)],
                         dt.datetime.now(dt.UTC))
    print(subject, flush=True)  # acknowledged: committed
    n += 1
"""


def test_a_kill_in_the_middle_of_appending_loses_nothing_acknowledged(
        engine: Engine, database_url: str, tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-c", APPENDER, database_url], stdout=subprocess.PIPE, text=True,
        cwd=Path(__file__).parent.parent, env=os.environ | {"PYTHONPATH": os.getcwd()})
    assert process.stdout is not None
    acknowledged = [process.stdout.readline().strip() for _ in range(40)]
    os.kill(process.pid, signal.SIGKILL)  # wherever it is: mid-transaction, most likely
    process.wait()
    acknowledged += [line.strip() for line in process.stdout if line.strip()]
    subjects = set(check_whole(engine))
    for subject in acknowledged:
        assert {f"{subject}-{i}" for i in range(3)} <= subjects
    # and the log goes on from where it is
    _append_many(database_url, 9, 2)
    check_whole(engine)
