"""CSV exports for people: every licence with its holder, products, dates and status.

UTF-8 with a byte-order mark, so a spreadsheet opens the Chinese text correctly.
"""

from __future__ import annotations

import csv
import io

from sqlalchemy import Engine

from certsvc.store.reader import LicenceReader

COLUMNS = ("number", "enterprise", "uscc", "residence", "production_address", "products",
           "issued", "valid_until", "issuer", "status")


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
