"""Issuance: reserve → store the to-be-signed payload → sign → store the token.

The order is Boulder's issuance cycle: a crash after signing but before storing would leave
a signed licence the database does not know; a crash in our order leaves only a pending row,
which :meth:`Issuer.sign_pending` completes. A token stored nowhere never left the process,
so re-signing is safe whether the algorithm is deterministic (Ed25519: the same bytes) or
randomised (SM2: other bytes, equally valid).

    issuer = Issuer(engine, signer, "https://certsvc.example")
    issued = issuer.issue(Licence.from_dict(data), now)
    issued.qr_text   # 'https://CERTSVC.EXAMPLE/V/5824…'
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import secrets
import struct
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine

from certsvc.credential.cose import decode_sign1
from certsvc.credential.payload import LicenceClaims, decode_payload, encode_payload
from certsvc.credential.qr_text import qr_text
from certsvc.credential.status_list import SIZE
from certsvc.domain.catalogue import catalogue
from certsvc.domain.licence import Licence, LicenceStatus
from certsvc.domain.licence_number import LicenceNumber
from certsvc.domain.time import utcnow
from certsvc.errors import StatusListFull
from certsvc.publish.log import sign_head
from certsvc.signer.signer import Signer
from certsvc.store import feed, writer

BATCH = 5000
PROBES = 32  # random draws for a free status index before searching the taken ones


@dataclass(frozen=True)
class IssuedLicence:
    licence: Licence
    token: bytes
    qr_text: str
    status_index: int

    @property
    def number(self) -> LicenceNumber:
        assert self.licence.number is not None
        return self.licence.number


class Issuer:
    def __init__(self, engine: Engine, signer: Signer, public_url: str) -> None:
        self.engine = engine
        self.signer = signer
        self.public_url = public_url

    def issue(self, licence: Licence, now: dt.datetime) -> IssuedLicence:
        """Issue one licence; without a number the bureau's series assigns the next.

        The pending row commits before signing, so a crash leaves a row for
        :meth:`sign_pending`, never a signed licence the database does not know.
        """
        with self.engine.begin() as conn:
            licence, row_id, row = self._store_pending(conn, licence, now)
        token = self.signer.sign_licence(row["kid"], row["payload"])
        with self.engine.begin() as conn:
            writer.store_tokens(conn, [(row_id, token)])
            feed.record_many(conn, [licence_event("licence.issued", licence, token)], now)
            sign_head(conn, self.signer, now)
        return self._issued(licence, token, row)

    def issue_in(self, conn: Connection, licence: Licence, now: dt.datetime) -> IssuedLicence:
        """Issue inside the caller's transaction (with the decision and its audit event).

        The row is stored before signing; the token leaves this process only after the
        caller commits, so a crash leaves nothing at all, never an unknown signed licence.
        """
        licence, row_id, row = self._store_pending(conn, licence, now)
        token = self.signer.sign_licence(row["kid"], row["payload"])
        writer.store_tokens(conn, [(row_id, token)])
        feed.record_many(conn, [licence_event("licence.issued", licence, token)], now)
        sign_head(conn, self.signer, now)
        return self._issued(licence, token, row)

    def reissue_in(self, conn: Connection, licence: Licence, now: dt.datetime) -> IssuedLicence:
        """Sign a changed or renewed licence under its number; its old QR stops verifying."""
        number = licence.number
        assert number is not None
        signed_at = now.astimezone(dt.UTC).replace(microsecond=0)
        index = self._free_index(conn)
        kid = self.signer.licence_key(number.bureau_code, signed_at)
        row = _row(licence, index, signed_at, kid)
        row_id = writer.licence_id(conn, number)
        changed = writer.changed_fields(conn, row_id, row)
        writer.supersede_token(conn, row_id, {
            key: row[key] for key in (
                "enterprise_name", "uscc", "residence", "production_address", "scope",
                "issued", "valid_until", "status_index", "kid", "payload")
        }, signed_at)
        token = self.signer.sign_licence(kid, row["payload"])
        writer.store_tokens(conn, [(row_id, token)])
        kind, uscc, subject, data = licence_event("licence.changed", licence, token)
        feed.record_many(conn, [(kind, uscc, subject, {**data, "changed": changed})], now)
        sign_head(conn, self.signer, now)
        return self._issued(licence, token, row)

    def _store_pending(
        self, conn: Connection, licence: Licence, now: dt.datetime
    ) -> tuple[Licence, int, dict[str, Any]]:
        signed_at = now.astimezone(dt.UTC).replace(microsecond=0)
        if licence.number is None:
            serial = writer.reserve_serial(conn, licence.issuer.code, licence.product.code)
            licence = licence.with_number(LicenceNumber(
                licence.issuer.code, licence.product.category_number,
                licence.product.product_number, serial))
        else:
            writer.advance_series(conn, [licence.number])
        index = self._free_index(conn)
        kid = self.signer.licence_key(licence.issuer.code, signed_at)
        row = _row(licence, index, signed_at, kid)
        (row_id,) = writer.insert_pending(conn, [row], signed_at)
        return licence, row_id, row

    @staticmethod
    def _free_index(conn: Connection) -> int:
        return free_index(lambda index: writer.status_index_taken(conn, index),
                          lambda: writer.used_status_indices(conn), _random_indices(PROBES))

    def _issued(self, licence: Licence, token: bytes, row: dict[str, Any]) -> IssuedLicence:
        return IssuedLicence(licence, token, qr_text(self.public_url, token), row["status_index"])

    def import_licences(
        self,
        licences: Sequence[Licence],
        now: dt.datetime,
        progress: Callable[[int], None] = lambda n: None,
    ) -> int:
        """Store and sign numbered licences in bulk, in one transaction: all rows, or none.

        Each batch is stored before it is signed, and no token leaves this method before the
        transaction that holds it commits; a crash anywhere leaves nothing. Worker processes
        sign one batch while this one stores the next.
        """
        signed_at = now.astimezone(dt.UTC).replace(microsecond=0)
        with (_cyclic_gc_paused(), self.engine.begin() as conn,
              self.signer.batch_signing() as submit):
            used = writer.used_status_indices(conn)
            if len(used) + len(licences) > SIZE:
                raise StatusListFull(
                    f"the import needs {len(licences)} status-list indices and "
                    f"{max(SIZE - len(used), 0)} of {SIZE} are free: nothing was imported")
            kids: dict[str, bytes] = {}  # one key lookup per bureau, not per licence
            signing: list[tuple[list[int], Future[list[bytes]]]] = []
            draws = _random_indices()
            for start in range(0, len(licences), BATCH):
                rows = []
                for licence in licences[start:start + BATCH]:
                    index = free_index(used.__contains__, lambda: used, draws)
                    used.add(index)
                    code = licence.issuer.code
                    if code not in kids:
                        kids[code] = self.signer.licence_key(code, signed_at)
                    rows.append(_row(licence, index, signed_at, kids[code]))
                ids = writer.insert_pending(conn, rows, signed_at)
                signing.append((ids, submit([(row["kid"], row["payload"]) for row in rows])))
            writer.advance_series(conn, [lic.number for lic in licences if lic.number])
            for start, (ids, tokens) in zip(range(0, len(licences), BATCH), signing,
                                            strict=True):
                signed = tokens.result()
                writer.store_tokens(conn, list(zip(ids, signed, strict=True)))
                # recorded (feed and log) while the workers still sign the later batches
                feed.record_many(conn, [licence_event("licence.issued", lic, token)
                                        for lic, token in zip(licences[start:start + BATCH],
                                                              signed, strict=True)], signed_at)
                progress(len(ids))
            sign_head(conn, self.signer, signed_at)  # once, over the whole import
        return len(licences)

    def sign_pending(self) -> int:
        """Sign licences whose signing was interrupted, and record their issuance (feed and
        transparency log) with the tokens; returns how many."""
        with self.engine.connect() as conn:
            todo = writer.pending(conn)
        tokens = [(row_id, self.signer.sign_licence(kid, payload)) for row_id, kid, payload in todo]
        if tokens:
            with self.engine.begin() as conn:
                writer.store_tokens(conn, tokens)
                feed.record_many(conn, [claims_event(token) for _, token in tokens], utcnow())
                sign_head(conn, self.signer, utcnow())
        return len(tokens)


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cycle collector for a bulk import.

    An import keeps hundreds of thousands of objects alive (licences, rows, events) and makes
    more all the time, so the collector keeps running full passes over all of them, none of
    which is garbage: that was a fifth of an import's time (bench/import_licences.py).
    Reference counting still frees everything; cycles made meanwhile wait until the end.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def free_index(taken: Callable[[int], bool], all_taken: Callable[[], set[int]],
               draws: Iterator[int]) -> int:
    """A free status-list index, uniformly random while the list is sparse: up to ``PROBES``
    random draws (at half full each is free with probability ½), then, in a crowded list,
    the first free index after a random one, found among all that are taken; StatusListFull
    where none is left. (Drawing until a free one came hung issuance once the list filled.)"""
    for _ in range(PROBES):
        index = next(draws)
        if not taken(index):
            return index
    held = all_taken()
    if len(held) >= SIZE:
        raise StatusListFull(f"all {SIZE} indices of the status list are held; no licence can "
                             "be issued until the operator moves to a larger list")
    start = next(draws)
    return next((start + step) % SIZE for step in range(SIZE) if (start + step) % SIZE not in held)


def _random_indices(chunk: int = 4 * BATCH) -> Iterator[int]:
    """Uniform random status indices, from one read of the system CSPRNG per ``chunk``
    (``secrets.randbelow`` reads it twice per index on average: a system call each).
    SIZE is a power of two, so taking the low bits of each 32-bit draw has no bias."""
    while True:
        yield from (value & (SIZE - 1) for (value,) in
                    struct.iter_unpack("<I", secrets.token_bytes(4 * chunk)))


def licence_event(kind: str, licence: Licence, token: bytes
                  ) -> tuple[str, str, str, dict[str, Any]]:
    """A feed event (kind, uscc, subject, data) describing the licence as it now stands,
    with the SHA-256 of its token: what ties a QR code to its leaf in the transparency log."""
    number = licence.number
    assert number is not None
    e = licence.enterprise
    return (kind, e.uscc, f"licence:{number.canonical}", {
        "number": number.canonical, "enterprise": {"name": e.name, "uscc": e.uscc},
        "scope": [u.name for u in licence.scope], "issued": licence.issued.isoformat(),
        "valid_until": licence.valid_until.isoformat(), "bureau": number.bureau_code,
        "status": licence.status.value, "token_sha256": hashlib.sha256(token).hexdigest()})


def claims_event(token: bytes) -> tuple[str, str, str, dict[str, Any]]:
    """The issuance event of a token signed late (:meth:`Issuer.sign_pending`), from what
    it signed: the same fields as :func:`licence_event`."""
    claims = decode_payload(decode_sign1(token).payload)
    number = claims.number
    units = catalogue()
    return ("licence.issued", claims.uscc, f"licence:{number.canonical}", {
        "number": number.canonical,
        "enterprise": {"name": claims.enterprise_name, "uscc": claims.uscc},
        "scope": [units.unit(u).name for u in claims.scope],
        "issued": claims.issued.isoformat(), "valid_until": claims.valid_until.isoformat(),
        "bureau": number.bureau_code, "status": LicenceStatus.VALID.value,
        "token_sha256": hashlib.sha256(token).hexdigest()})


def _row(licence: Licence, index: int, signed_at: dt.datetime, kid: bytes) -> dict[str, Any]:
    number = licence.number
    assert number is not None
    claims = LicenceClaims.of(
        number=number,
        enterprise_name=licence.enterprise.name,
        uscc=licence.enterprise.uscc,
        scope=tuple(u.id for u in licence.scope),
        issued=licence.issued,
        valid_until=licence.valid_until,
        signed_at=signed_at,
        status_index=index,
    )
    e = licence.enterprise
    return {
        "number": number.canonical, "bureau_code": number.bureau_code,
        "category": number.category, "product": number.product, "serial": number.serial,
        "enterprise_name": e.name, "uscc": e.uscc, "residence": e.residence,
        "production_address": e.production_address,
        "scope": list(claims.scope), "issued": licence.issued,
        "valid_until": licence.valid_until, "status": licence.status.value,
        "status_index": index, "kid": kid, "payload": encode_payload(claims),
    }
