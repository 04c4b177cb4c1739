"""GET /api/v1/exports/licences.csv on the 1,000,000-licence database: time, rows a second
against a bare read of the same rows in the same run, and the memory it takes.

Uses verify_http.py's database. The export is read through the bureau app in process, chunk
by chunk as a client would; the baseline reads the same rows with a plain SQLAlchemy cursor
and throws them away. Memory: the process's peak RSS before and after the export (the goal is
that it does not grow with the register: before issue 11 the export built the whole file in
memory, ~3 GB at this size).

Run: .venv/bin/python bench/export_csv.py [COUNT]
"""

from __future__ import annotations

import datetime as dt
import resource
import sys
import time

from sqlalchemy import select, text
from verify_http import PASSPHRASE, WORK, prepared

from certsvc.api.app import create_app
from certsvc.domain.accounts import Role
from certsvc.domain.time import utcnow
from certsvc.store import accounts
from certsvc.store.db import make_engine
from certsvc.store.models import LicenceRow


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    _, settings = prepared(count)
    url = settings["CERTSVC_DATABASE_URL"]
    engine = make_engine(url)
    started = time.perf_counter()
    with engine.connect() as conn:
        rows = conn.execution_options(stream_results=True, yield_per=1000).execute(
            select(LicenceRow.__table__).where(text("token IS NOT NULL"))
            .order_by(LicenceRow.number))
        bare = sum(1 for _ in rows)
    bare_time = time.perf_counter() - started
    with engine.begin() as conn:
        department = accounts.create_account(conn, Role.DEPARTMENT, "bench", utcnow(),
                                             granted_kinds=["licence"])
        _, token = accounts.create_token(conn, department, utcnow(), dt.timedelta(days=1))
    app = create_app({"DATABASE_URL": url, "KEYS_DIR": str(WORK / "keys"),
                      "KEY_PASSPHRASE": PASSPHRASE.encode(),
                      "PUBLISH_DIR": str(WORK / "published")})
    before = peak_rss_mb()
    started = time.perf_counter()
    response = app.test_client().get("/api/v1/exports/licences.csv?purpose=bench",
                                     buffered=False,
                                     headers={"Authorization": f"Bearer {token}"})
    size = lines = 0
    for chunk in response.response:
        size += len(chunk)
        lines += chunk.count(b"\n")
    elapsed = time.perf_counter() - started
    print(f"bare read of {bare:,} rows:        {bare / bare_time:10.0f} rows/s ({bare_time:.1f} s)")
    print(f"export ({lines - 1:,} rows, {size / 1e6:.0f} MB): {(lines - 1) / elapsed:10.0f} rows/s "
          f"({elapsed:.1f} s; ratio {bare_time / elapsed:.2f} of the bare read)")
    print(f"peak RSS before the export {before:.0f} MB, after {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
