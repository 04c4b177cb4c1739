"""Read-only access to licences: what the public site and the verifier's online status use."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Iterator
from typing import Any, cast

from sqlalchemy import Connection, Engine, RowMapping, Table, func, select

from certsvc.domain.catalogue import catalogue, procedure_rules
from certsvc.domain.licence import LicenceStatus
from certsvc.domain.licence_number import LicenceNumber
from certsvc.domain.time import as_utc
from certsvc.errors import NotFound
from certsvc.store import insurance, name_search
from certsvc.store.log_check import LogCheck, LogState
from certsvc.store.models import (
    ApplicationRow,
    DeclarationRow,
    InstitutionRow,
    LicenceFileRow,
    LicenceRow,
    LicenceStatusDetail,
    RecallRow,
    RetiredStatusIndex,
    SpotCheckRow,
)
from certsvc.store.records import LicenceRecord, record_from_row
from certsvc.store.status_lookup import StatusLookup
from certsvc.transparency.note import NoteVerifier

_T = cast(Table, LicenceRow.__table__)
_D = cast(Table, LicenceStatusDetail.__table__)
_DECL = cast(Table, DeclarationRow.__table__)
_SPOT = cast(Table, SpotCheckRow.__table__)
_RECALL = cast(Table, RecallRow.__table__)
_INST = cast(Table, InstitutionRow.__table__)
_APP = cast(Table, ApplicationRow.__table__)
_RETIRED = cast(Table, RetiredStatusIndex.__table__)
_FILES = cast(Table, LicenceFileRow.__table__)


class LicenceReader:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._status = StatusLookup(engine)
        self._log = LogCheck(engine)

    def by_number(self, number: LicenceNumber) -> LicenceRecord:
        with self.engine.connect() as conn:
            return licence_in(conn, number)

    def version(self, record: LicenceRecord) -> int:
        """The licence's version (GB/T 36904): 1 at issue, one more for each change or
        renewal that re-signed it, i.e. each token it retired."""
        with self.engine.connect() as conn:
            return licence_version(conn, record.id)

    def stored_file(self, record: LicenceRecord, file_format: str
                    ) -> tuple[bytes, str] | None:
        """The sealed file of the licence's current version (data, identifier), if made."""
        with self.engine.connect() as conn:
            return stored_file(conn, record.id, licence_version(conn, record.id), file_format)

    def has_file(self, record: LicenceRecord, version: int, file_format: str) -> bool:
        """Whether the sealed file of ``version`` (the caller's current one) was made,
        without reading it."""
        with self.engine.connect() as conn:
            return conn.execute(select(_FILES.c.id).where(
                _FILES.c.licence_id == record.id, _FILES.c.version == version,
                _FILES.c.format == file_format)).first() is not None

    def status_detail(self, number: LicenceNumber) -> dict[str, Any] | None:
        """Why the licence has its status (order, reason, legal basis, deadline), if set."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(_D).join(_T, _T.c.id == _D.c.licence_id)
                .where(_T.c.number == number.canonical)).first()
        if row is None:
            return None
        return {"action": row.action, "reason": row.reason, "legal_basis": row.legal_basis,
                "deadline": row.deadline and row.deadline.isoformat(),
                "at": as_utc(row.at).isoformat()}

    def status_by_index(self, status_index: int
                        ) -> tuple[LicenceStatus, bytes | None] | str | None:
        """Online status for a verified token (the index is in the signed payload), with the
        digest of the register's current token; see :class:`StatusLookup`."""
        return self._status.status(status_index)

    def register_tokens(self, bureau_code: str | None, uscc: str | None, after: str,
                        limit: int) -> list[dict[str, str]]:
        """The register's current tokens, by licence number after ``after``: what a
        monitor compares with the log's issuances (every one must be there)."""
        query = select(_T.c.number, _T.c.uscc, _T.c.token_sha256, _T.c.token).where(
            _T.c.token_sha256.is_not(None), _T.c.number > after)
        if bureau_code is not None:
            query = query.where(_T.c.bureau_code == bureau_code)
        if uscc is not None:
            query = query.where(_T.c.uscc == uscc)
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(_T.c.number).limit(limit)).all()
        return [{"number": r.number, "uscc": r.uscc, "token_sha256": bytes(r.token_sha256).hex(),
                 "token": base64.urlsafe_b64encode(bytes(r.token)).decode().rstrip("=")}
                for r in rows]

    def log_state(self, token_sha256: bytes, log_key: NoteVerifier | None) -> LogState:
        """Is this token's issuance in the transparency log, under a head ``log_key``
        signed? See :class:`certsvc.store.log_check.LogCheck`."""
        return self._log.state(token_sha256, log_key)

    def by_uscc(self, uscc: str) -> list[LicenceRecord]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(_T).where(_T.c.uscc == uscc, _T.c.token.is_not(None))
                                .order_by(_T.c.number)).all()
        return [record_from_row(r) for r in rows]

    def search_by_name(self, fragment: str, offset: int, limit: int
                       ) -> tuple[list[LicenceRecord], int, bool]:
        """Licences whose holder's name contains ``fragment``, ranked (prefix first): one
        page, the number of matches (at most ``name_search.CAP``) and whether there were
        more (see :mod:`certsvc.store.name_search`)."""
        with self.engine.connect() as conn:
            matches = name_search.find(conn, fragment)
            ids = matches.ids[offset:offset + limit]
            rows = {r.id: r for r in conn.execute(select(_T).where(_T.c.id.in_(ids)))}
        return ([record_from_row(rows[i]) for i in ids if i in rows], len(matches.ids),
                matches.capped)

    def application_progress(self, application_id: int, uscc: str) -> dict[str, Any] | None:
        """办件进度查询: the steps and dates of an application, for whoever holds both its
        number and its enterprise's USCC (no documents, no names, no reasons); None for any
        other pair, alike."""
        with self.engine.connect() as conn:
            row = conn.execute(select(_APP).where(_APP.c.id == application_id,
                                                  _APP.c.uscc == uscc)).mappings().first()
        if row is None:
            return None
        review = row["review"] or {}
        steps = [("submitted", as_utc(row["submitted_at"]).date().isoformat())]
        for step, key in (("correction_requested", ("correction", "on")),
                          ("accepted", ("acceptance", "on")),
                          ("conditions_checked", ("conditions", "date")),
                          ("tested", ("testing", "reported")),
                          ("decided", ("decision", "on"))):
            value = (review.get(key[0]) or {}).get(key[1])
            if value:
                steps.append((step, str(value)[:10]))
        return {"id": row["id"], "state": row["state"], "steps": steps,
                "licence_number": row["licence_number"] if row["state"] == "issued"
                else None}

    def pending_commitment(self, number: LicenceNumber) -> dict[str, Any] | None:
        """承诺公示: the public commitment of a licence issued on commitment (告知承诺) and
        the due date of its on-site review, while that review is pending; else None."""
        with self.engine.connect() as conn:
            row = conn.execute(select(_APP.c.review, _APP.c.post_review_due_on).where(
                _APP.c.bureau_code == number.bureau_code,
                _APP.c.post_review_due_on.is_not(None),
                _APP.c.licence_number == number.canonical).order_by(
                _APP.c.id.desc()).limit(1)).mappings().first()
        if row is None:
            return None
        procedure = (row["review"] or {}).get("procedure") or {}
        return {"statement": procedure.get("statement", ""),
                "due": row["post_review_due_on"].isoformat()}

    def declarations(self, uscc: str) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return declaration_history(conn, uscc)

    def stream_signed(self, batch: int) -> Iterator[LicenceRecord]:
        """Every signed licence in number order, read ``batch`` rows at a time (a
        server-side cursor on PostgreSQL): memory stays flat at any register size."""
        with self.engine.connect() as conn:
            rows = conn.execution_options(stream_results=True, yield_per=batch).execute(
                select(_T).where(_T.c.token.is_not(None)).order_by(_T.c.number))
            for row in rows:
                yield record_from_row(row)

    def recalls(self, uscc: str) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return recalls_of(conn, uscc)

    def spot_checks(self, uscc: str) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return spot_checks_of(conn, uscc)

    def insurance(self, uscc: str, today: dt.date) -> dict[str, str] | None:
        """The enterprise's liability policy in force today (the insurer and its end), if
        any: public, as the reform asks (五(四))."""
        with self.engine.connect() as conn:
            row = insurance.in_force(conn, uscc, today)
        return None if row is None else {"insurer": row["insurer"],
                                         "ends_on": row["ends_on"].isoformat()}

    def institutions(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return qualified_institutions(conn)

    def recent(self, limit: int = 20) -> list[LicenceRecord]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(_T).where(_T.c.token.is_not(None)).order_by(_T.c.id.desc()).limit(limit)
            ).all()
        return [record_from_row(r) for r in rows]

    def count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(_T)).scalar_one())


def licence_in(conn: Connection, number: LicenceNumber, for_update: bool = False
               ) -> LicenceRecord:
    """The licence, read in the caller's transaction (``for_update`` locks the row)."""
    query = select(_T).where(_T.c.number == number.canonical)
    if for_update:
        query = query.with_for_update()
    row = conn.execute(query).first()
    if row is None:
        raise NotFound(f"no licence {number}")
    return record_from_row(row)


def in_force_scopes(conn: Connection, uscc: str | None = None
                    ) -> list[tuple[LicenceNumber, list[int]]]:
    """Number and unit ids of every valid or suspended licence (of one holder, if given)."""
    query = select(_T.c.number, _T.c.scope).where(_T.c.status.in_(
        [LicenceStatus.VALID.value, LicenceStatus.SUSPENDED.value]))
    if uscc is not None:
        query = query.where(_T.c.uscc == uscc)
    rows = conn.execute(query)
    return [(LicenceNumber.parse(number), list(scope)) for number, scope in rows]


def supervised_scopes(conn: Connection, uscc: str) -> list[tuple[LicenceNumber, list[int]]]:
    """Number and unit ids of the holder's licences under supervision: in force, or ended
    because the product left the catalogue (spot checks go on there: 五(三))."""
    rows = conn.execute(select(_T.c.number, _T.c.scope).where(
        _T.c.uscc == uscc, _T.c.status.in_([LicenceStatus.VALID.value,
                                            LicenceStatus.SUSPENDED.value,
                                            LicenceStatus.NOT_REQUIRED.value])))
    return [(LicenceNumber.parse(number), list(scope)) for number, scope in rows]


def held_from(conn: Connection, uscc: str, bureau_code: str, today: dt.date
               ) -> list[LicenceNumber]:
    """The holder's licences from one bureau that are in force today (valid or suspended,
    not expired): under 一企一证 there is one at most, or several not yet merged."""
    rows = conn.execute(select(_T.c.number).where(
        _T.c.uscc == uscc, _T.c.bureau_code == bureau_code, _T.c.valid_until >= today,
        _T.c.status.in_([LicenceStatus.VALID.value, LicenceStatus.SUSPENDED.value]))
        .order_by(_T.c.issued, _T.c.id))
    return [LicenceNumber.parse(number) for (number,) in rows]


def declaration_history(conn: Connection, uscc: str) -> list[dict[str, Any]]:
    """Every version of the enterprise's standards declaration, newest first."""
    rows = conn.execute(select(_DECL).where(_DECL.c.uscc == uscc)
                        .order_by(_DECL.c.version.desc())).all()
    return [{"version": r.version, "withdrawn": r.withdrawn, "content": r.content,
             "published_at": as_utc(r.published_at).isoformat()} for r in rows]


def current_declaration(history: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The newest version, unless it withdrew the declaration."""
    if history and not history[0]["withdrawn"]:
        return history[0]
    return None


def spot_checks_of(conn: Connection, uscc: str, check_id: int | None = None
                   ) -> list[dict[str, Any]]:
    """An enterprise's spot-check results, newest first (or just ``check_id``)."""
    query = select(_SPOT).where(_SPOT.c.uscc == uscc)
    if check_id is not None:
        query = query.where(_SPOT.c.id == check_id)
    rows = conn.execute(query.order_by(_SPOT.c.checked_on.desc(),
                                       _SPOT.c.id.desc())).mappings()
    return [spot_check_view(r) for r in rows]


def spot_check_view(r: RowMapping) -> dict[str, Any]:
    return {"id": r["id"], "uscc": r["uscc"], "bureau_code": r["bureau_code"],
            "level": r["level"], "checked_on": r["checked_on"].isoformat(),
            "products": [catalogue().unit(u).name for u in r["unit_ids"]],
            "unit_ids": list(r["unit_ids"]), "institution_id": r["institution_id"],
            "passed": r["passed"], "reference": r["reference"]}


def recalls_of(conn: Connection, uscc: str, open_only: bool = True,
               recall_id: int | None = None) -> list[dict[str, Any]]:
    """An enterprise's recalls, newest first (only those not yet closed, by default)."""
    query = select(_RECALL).where(_RECALL.c.uscc == uscc)
    if recall_id is not None:
        query = query.where(_RECALL.c.id == recall_id)
    if open_only:
        query = query.where(_RECALL.c.closed_at.is_(None))
    rows = conn.execute(query.order_by(_RECALL.c.id.desc())).mappings()
    return [recall_view(r) for r in rows]


def recall_view(r: RowMapping) -> dict[str, Any]:
    return {"id": r["id"], "uscc": r["uscc"],
            "products": [catalogue().unit(u).name for u in r["unit_ids"]],
            "unit_ids": list(r["unit_ids"]), "defect": r["defect"], "batches": r["batches"],
            "sold": r["sold"], "unsold": r["unsold"], "remedy": r["remedy"],
            "contact": r["contact"], "announced_at": as_utc(r["announced_at"]).isoformat(),
            "closed_at": as_utc(r["closed_at"]).isoformat() if r["closed_at"] else None,
            "closing_note": r["closing_note"]}


def qualified_institutions(conn: Connection, institution_id: int | None = None
                           ) -> list[dict[str, Any]]:
    """The published list: filed institutions of level II or above, not barred, may test for
    licences."""
    query = select(_INST).order_by(_INST.c.level, _INST.c.name)
    if institution_id is not None:
        query = query.where(_INST.c.id == institution_id)
    rows = conn.execute(query).mappings()
    level = procedure_rules().max_testing_level
    return [{"id": r["id"], "name": r["name"], "accreditation": r["accreditation"],
             "level": r["level"], "filed": r["filed"],
             "barred_on": r["barred_on"].isoformat() if r["barred_on"] else None,
             "barred_reason": r["barred_reason"],
             "may_test": r["filed"] and r["level"] <= level and r["barred_on"] is None}
            for r in rows]


def licence_version(conn: Connection, licence_id: int) -> int:
    """1 + the tokens the licence retired (an indexed count)."""
    retired = conn.execute(select(func.count()).select_from(_RETIRED)
                           .where(_RETIRED.c.licence_id == licence_id)).scalar_one()
    return 1 + int(retired)


def stored_file(conn: Connection, licence_id: int, version: int, file_format: str
                ) -> tuple[bytes, str] | None:
    row = conn.execute(select(_FILES.c.data, _FILES.c.identifier).where(
        _FILES.c.licence_id == licence_id, _FILES.c.version == version,
        _FILES.c.format == file_format)).first()
    return None if row is None else (bytes(row.data), str(row.identifier))
