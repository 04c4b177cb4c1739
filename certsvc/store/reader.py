"""Read-only access to licences: what the public site and the verifier's online status use."""

from __future__ import annotations

from typing import cast

from sqlalchemy import Engine, Table, func, select

from certsvc.domain.licence import LicenceStatus
from certsvc.domain.licence_number import LicenceNumber
from certsvc.errors import NotFound
from certsvc.store.models import LicenceRow
from certsvc.store.records import LicenceRecord, record_from_row

_T = cast(Table, LicenceRow.__table__)


class LicenceReader:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def by_number(self, number: LicenceNumber) -> LicenceRecord:
        with self.engine.connect() as conn:
            row = conn.execute(select(_T).where(_T.c.number == number.canonical)).first()
        if row is None:
            raise NotFound(f"no licence {number}")
        return record_from_row(row)

    def status_by_index(self, status_index: int) -> LicenceStatus | None:
        """Online status for a verified token (the index is in the signed payload)."""
        with self.engine.connect() as conn:
            status = conn.execute(
                select(_T.c.status).where(_T.c.status_index == status_index)
            ).scalar()
        return LicenceStatus(status) if status else None

    def recent(self, limit: int = 20) -> list[LicenceRecord]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(_T).where(_T.c.token.is_not(None)).order_by(_T.c.id.desc()).limit(limit)
            ).all()
        return [record_from_row(r) for r in rows]

    def count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(_T)).scalar_one())

    def non_valid_statuses(self) -> dict[int, LicenceStatus]:
        """index → status for every licence that is not plainly valid (for the status list)."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(_T.c.status_index, _T.c.status).where(
                    _T.c.status != LicenceStatus.VALID.value
                )
            ).all()
        return {index: LicenceStatus(status) for index, status in rows}
