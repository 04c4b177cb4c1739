"""CSV exports for people: every licence with its holder, products, dates and status, and
the data-sharing feed's events (spot checks, measures, licence changes …) as rows.

UTF-8 with a byte-order mark, so a spreadsheet opens the Chinese text correctly. Both are
streamed: rows are read from the database in batches and written out as they come, so the
memory an export takes does not grow with the register (a million licences built in memory
took 3 GB and outlived gunicorn's timeout).

Every cell is defused against formula injection as OWASP's "CSV Injection" page says: text
that an enterprise wrote (a name, an address, a recall's description) and that starts with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed with ``'``, so a
spreadsheet shows it as text instead of running it.

    >>> defuse('=HYPERLINK("http://x")'), defuse("华光")
    ('\\'=HYPERLINK("http://x")', '华光')
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator

from sqlalchemy import Engine

from certsvc.store import feed
from certsvc.store.reader import LicenceReader

COLUMNS = ("number", "enterprise", "uscc", "residence", "production_address", "products",
           "issued", "valid_until", "issuer", "status")
EVENT_COLUMNS = ("id", "at", "kind", "uscc", "subject", "details")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BATCH = 1000


def defuse(cell: str) -> str:
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def _csv(header: tuple[str, ...], rows: Iterable[Iterable[str]]) -> Iterator[bytes]:
    """The BOM, the header, then the rows in chunks of about ``BATCH`` rows."""
    out = io.StringIO()
    writer = csv.writer(out)
    out.write("\ufeff")
    writer.writerow(header)
    for count, row in enumerate(rows, 1):
        writer.writerow([defuse(cell) for cell in row])
        if count % BATCH == 0:
            yield out.getvalue().encode("utf-8")
            out.seek(0)
            out.truncate()
    yield out.getvalue().encode("utf-8")


def events_as_csv(engine: Engine, after: int, families: tuple[str, ...] | None = None
                  ) -> Iterator[bytes]:
    """Feed events after the cursor (of ``families`` only, if given): id, time, kind,
    enterprise, subject, details (JSON)."""
    return _csv(EVENT_COLUMNS, (
        (str(e["id"]), e["at"], e["kind"], e["uscc"], e["subject"],
         json.dumps(e["data"], ensure_ascii=False, sort_keys=True))
        for e in feed.stream(engine, after, BATCH, families)))


def licences_as_csv(engine: Engine) -> Iterator[bytes]:
    return _csv(COLUMNS, (
        (r.number.canonical, e.name, e.uscc, e.residence, e.production_address,
         "、".join(u.name for u in r.scope), r.issued.isoformat(), r.valid_until.isoformat(),
         r.issuer.name, r.status.value)
        for r in LicenceReader(engine).stream_signed(BATCH) for e in (r.enterprise,)))
