"""CSV exports for people: every licence with its holder, products, dates and status, and
the data-sharing feed's events (spot checks, measures, licence changes …) as rows.

UTF-8 with a byte-order mark, so a spreadsheet opens the Chinese text correctly.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from sqlalchemy import Engine

from certsvc.store.reader import LicenceReader

COLUMNS = ("number", "enterprise", "uscc", "residence", "production_address", "products",
           "issued", "valid_until", "issuer", "status")


def events_as_csv(events: list[dict[str, Any]]) -> bytes:
    """Feed events as rows: id, time, kind, enterprise, subject, and the details as JSON."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(("id", "at", "kind", "uscc", "subject", "details"))
    for e in events:
        writer.writerow((e["id"], e["at"], e["kind"], e["uscc"], e["subject"],
                         json.dumps(e["data"], ensure_ascii=False, sort_keys=True)))
    return out.getvalue().encode("utf-8")


def licences_as_csv(engine: Engine) -> bytes:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for r in LicenceReader(engine).all_signed():
        e = r.enterprise
        writer.writerow((r.number.canonical, e.name, e.uscc, e.residence, e.production_address,
                         "、".join(u.name for u in r.scope), r.issued.isoformat(),
                         r.valid_until.isoformat(), r.issuer.name, r.status.value))
    return out.getvalue().encode("utf-8")
