"""What the store hands out: plain values, never live ORM objects."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from certsvc.domain.bureaus import Bureau, bureau_by_code
from certsvc.domain.catalogue import Unit, catalogue
from certsvc.domain.licence import Enterprise, Licence, LicenceStatus
from certsvc.domain.licence_number import LicenceNumber
from certsvc.domain.time import as_utc


@dataclass(frozen=True)
class LicenceRecord:
    id: int
    number: LicenceNumber
    enterprise: Enterprise
    scope: tuple[Unit, ...]
    issued: dt.date
    valid_until: dt.date
    status: LicenceStatus
    status_index: int
    token: bytes | None  # None while the licence waits to be signed
    signed_at: dt.datetime
    updated_at: dt.datetime

    @property
    def issuer(self) -> Bureau:
        return bureau_by_code(self.number.bureau_code)

    def licence(self) -> Licence:
        return Licence(
            self.number, self.enterprise, self.scope, self.issued, self.valid_until,
            self.issuer, self.status,
        )


def record_from_row(r: Any) -> LicenceRecord:
    """Build a record from a ``licences`` row (ORM object or Core Row)."""
    return LicenceRecord(
        id=r.id,
        number=LicenceNumber(r.bureau_code, r.category, r.product, r.serial),
        enterprise=Enterprise(r.enterprise_name, r.uscc, r.residence, r.production_address),
        scope=tuple(catalogue().unit(u) for u in r.scope),
        issued=r.issued,
        valid_until=r.valid_until,
        status=LicenceStatus(r.status),
        status_index=r.status_index,
        token=r.token,
        signed_at=as_utc(r.signed_at),
        updated_at=as_utc(r.updated_at),
    )
