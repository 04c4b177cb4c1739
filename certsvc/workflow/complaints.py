"""Reports from the public (举报): received without an account, routed to the competent
bureau with the day its decision is due, followed by the reporter with a receipt code.

Where a report goes: the province of the licence number it names (the national authority
for a national licence) — or that its QR code claims, read without trusting it —, else the
province where the enterprise it names was registered (its USCC), else the national
authority, which passes it on. A city or county bureau sees the
reports on enterprises of its area. The bureau checks it and decides, within 15 working days,
whether to open a case (《市场监督管理行政处罚程序规定》第十八条, ``certsvc.domain.complaints``).

A public form is a target for spam, so a report needs a form issued by this service (sealed,
time-stamped, good once), filled in for at least a few seconds and at most two hours, with an
empty trap field no person sees; the pages also limit each client's reports
(``certsvc.reports``). None of it needs JavaScript. The reporter's contact details, if given,
are seen only by the bureaus, never by auditors, the enterprise or the public.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import secrets
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from certsvc.credential.cose import decode_sign1
from certsvc.credential.payload import LicenceClaims, decode_payload
from certsvc.credential.qr_text import token_from_text
from certsvc.domain.accounts import Principal, Role
from certsvc.domain.areas import province_of
from certsvc.domain.bureaus import NATIONAL_CODE, bureau_by_code, find_bureau
from certsvc.domain.calendar import working_days
from certsvc.domain.complaints import (
    CHECK_WORKING_DAYS,
    COMPLAINT_SPEC,
    DECISION_SPEC,
    EXTENSION_WORKING_DAYS,
    KINDS,
    LISTS,
    MAX_PHOTO,
    PHOTO_TYPES,
    STATES,
)
from certsvc.domain.documents import sniff
from certsvc.domain.licence_number import LicenceNumber
from certsvc.domain.lifecycle import Actor
from certsvc.domain.time import as_utc, china_date
from certsvc.errors import CertsvcError, Conflict, Forbidden, NotFound, ValidationError
from certsvc.signer.secret_box import SealedSecretInvalid, SecretBox
from certsvc.store import audit
from certsvc.store import complaints as rows
from certsvc.store.documents import DocumentStore
from certsvc.store.oversight import insert_row
from certsvc.workflow.authz import Filters, hidden, list_scope, missing, require
from certsvc.workflow.documents import TooLarge

FORM_CONTEXT = "report-form"
FORM_LIFETIME = dt.timedelta(hours=2)
RECEIPT_PREFIX = "JB"  # 举报


class FormRefused(CertsvcError):
    """The report's form is not one this service issued, is used up, too old or filled in
    by a machine."""

    type = "report-form-refused"
    title = "Form not accepted"
    status = 400


class Complaints:
    def __init__(self, engine: Engine, store: DocumentStore, box: SecretBox,
                 min_fill: dt.timedelta) -> None:
        self.engine = engine
        self.store = store
        self.box = box
        self.min_fill = min_fill  # a person takes at least this long to fill the form in

    def form_token(self, now: dt.datetime) -> str:
        """A new form's token: its issue time and a nonce, sealed (nobody can make one)."""
        return self.box.seal(f"{int(now.timestamp())}:{secrets.token_hex(16)}", FORM_CONTEXT)

    def submit(self, data: Any, photo: bytes | None, token: str, trap: str,
               now: dt.datetime, request_id: str) -> dict[str, Any]:
        """A report from the public: its receipt code (shown once) and what the reporter may
        see of it."""
        nonce = self._form_nonce(token, trap, now)
        request = COMPLAINT_SPEC.parse(data)
        claims = _claims(request.qr_text)
        uscc = request.uscc or (claims.uscc if claims is not None else None)
        bureau_code = (claims.bureau_code if claims is not None and not request.licence_number
                       else _competent(request.licence_number, uscc))
        stored_photo = self._photo(photo) if photo else None
        receipt = _receipt_code()
        today = china_date(now)
        values = {
            "kind": request.kind, "bureau_code": bureau_code, "uscc": uscc,
            "licence_number": request.licence_number,
            "enterprise_name": request.enterprise_name, "description": request.description,
            "place": request.place, "qr_text": request.qr_text, "contact": request.contact,
            "photo": stored_photo, "receipt_digest": _digest(receipt), "form_nonce": nonce,
            "received_at": now, "state": "received",
            "due_on": working_days().add(today, CHECK_WORKING_DAYS)}
        try:
            with self.engine.begin() as conn:
                if rows.nonce_used(conn, nonce):
                    raise FormRefused("this form was sent already: open the form again")
                complaint_id = insert_row(conn, rows.COMPLAINTS, values)
                row = rows.load(conn, complaint_id)
                audit.record_public(conn, "complaint.receive", f"complaint:{complaint_id}",
                                    bureau_code, _bureau_view(row, today, personal=False),
                                    request_id, now)
        except IntegrityError:  # the same form sent twice at once: the second loses
            raise FormRefused("this form was sent already: open the form again") from None
        return {"receipt": receipt, **public_view(row, today)}

    def status(self, receipt: str, now: dt.datetime) -> dict[str, Any]:
        """What the holder of a receipt code sees: the report's kind, dates and answer."""
        with self.engine.connect() as conn:
            row = rows.by_receipt(conn, _digest(receipt))
        if row is None:
            raise NotFound("no report has this receipt code")
        return public_view(row, china_date(now))

    def list(self, principal: Principal, now: dt.datetime, *, state: str | None = None,
             before: int | None = None, limit: int = 100) -> list[dict[str, Any]]:
        """The reports a bureau handles (a city or county bureau: those on enterprises of
        its area), newest first; auditors see them without the reporters' contacts."""
        if state is not None and state not in LISTS:
            raise ValidationError("state", "is one of " + ", ".join(LISTS))
        scope = _scope(principal)
        today = china_date(now)
        with self.engine.connect() as conn:
            found = rows.find(conn, **scope, state=state, today=today, before=before,
                              limit=limit)
        return [_bureau_view(r, today, personal=principal.role is not Role.AUDITOR)
                for r in found]

    def decide(self, principal: Principal, complaint_id: int, data: Any, now: dt.datetime,
               request_id: str) -> dict[str, Any]:
        """立案 or 不予立案, with the answer the reporter reads; the one extension; or the
        transfer to the competent province (the national authority passes on what it could
        not route; a province what is another's), the decision's day unchanged."""
        with self.engine.begin() as conn:
            row = self._handled(conn, principal, complaint_id, for_update=True)
            request = DECISION_SPEC.parse(data)
            today = china_date(now)
            if row["state"] not in rows.OPEN:
                raise Conflict(f"report {complaint_id} is decided already ({row['state']})")
            if request.bureau is not None and request.decision != "transfer":
                raise ValidationError("bureau", "is only for a transfer")
            if request.decision == "transfer":
                if request.bureau is None:
                    raise ValidationError("bureau", "is required to transfer a report")
                to = find_bureau(request.bureau)
                if to.code == row["bureau_code"]:
                    raise ValidationError("bureau", "is the bureau that has the report")
                changes: dict[str, Any] = {"bureau_code": to.code, "answer": request.note}
            elif request.decision == "extend":
                if row["state"] == "extended":
                    raise Conflict("the check may be extended once only (第十八条)")
                changes = {
                    "state": "extended", "answer": request.note,
                    "due_on": working_days().add(row["due_on"], EXTENSION_WORKING_DAYS)}
            else:
                changes = {"state": request.decision, "answer": request.note,
                           "decided_at": now}
            before = _bureau_view(row, today, personal=False)
            rows.save(conn, complaint_id, changes)
            after = _bureau_view(rows.load(conn, complaint_id), today, personal=False)
            audit.record(conn, principal, "complaint.decide", f"complaint:{complaint_id}",
                         row["bureau_code"], before, after, request_id, now)
        return {**after, "contact": row["contact"]}

    def photo(self, principal: Principal, complaint_id: int) -> tuple[bytes, str]:
        with self.engine.connect() as conn:
            row = self._handled(conn, principal, complaint_id)
        if row["photo"] is None:
            raise NotFound(f"report {complaint_id} has no photo")
        digest = row["photo"]["document"].removeprefix("sha256:")
        return self.store.get(digest), row["photo"]["media_type"]

    # --- checks --------------------------------------------------------------------------
    def _form_nonce(self, token: str, trap: str, now: dt.datetime) -> str:
        if trap:
            raise FormRefused("the form was filled in by a machine")
        try:
            issued, _, nonce = self.box.open(token, FORM_CONTEXT).partition(":")
        except (SealedSecretInvalid, ValueError):
            raise FormRefused("this form was not issued here: open the form again") from None
        age = now - dt.datetime.fromtimestamp(int(issued), dt.UTC)
        if age < self.min_fill:
            raise FormRefused("the form was sent too quickly: read it through, then send it")
        if age > FORM_LIFETIME:
            raise FormRefused("the form is more than two hours old: open it again")
        return nonce

    def _photo(self, data: bytes) -> dict[str, Any]:
        if len(data) > MAX_PHOTO:
            raise TooLarge(f"a photo may be {MAX_PHOTO // (1024 * 1024)} MB at most")
        try:
            media_type = sniff(data, "photo")
        except ValidationError:
            media_type = ""
        if media_type not in PHOTO_TYPES:
            raise ValidationError("photo", "is not a JPEG or PNG picture")
        return {"document": f"sha256:{self.store.put(data)}", "media_type": media_type,
                "size": len(data)}

    @staticmethod
    def _handled(conn: Any, principal: Principal, complaint_id: int,
                 for_update: bool = False) -> Any:
        """The report, if this bureau handles it (or, a city or county bureau, if it is on
        an enterprise of its area)."""
        _scope(principal)
        try:
            row = rows.load(conn, complaint_id, for_update=for_update)
        except NotFound:
            raise missing(principal, "report", complaint_id) from None
        if principal.role is Role.AUDITOR:
            raise Forbidden("an auditor reads the list; the bureau handles the report")
        try:
            require(principal, Actor.SUPERVISION, bureau_code=row["bureau_code"],
                    uscc=row["uscc"])
        except Forbidden:
            raise hidden("report", complaint_id) from None
        return row


def _scope(principal: Principal) -> Filters:
    """A bureau's reports (a city or county bureau: on enterprises of its area); never an
    enterprise's, not even those about it: the reporter is protected."""
    if principal.role is Role.ENTERPRISE:
        raise Forbidden("reports from the public are for the bureaus that handle them")
    return list_scope(principal, "reports from the public").filters()


def _competent(licence_number: str | None, uscc: str | None) -> str:
    """The province a report goes to."""
    if licence_number:
        try:
            return LicenceNumber.parse(licence_number).bureau_code
        except ValidationError:
            pass  # a forged number may be malformed: the enterprise, or the nation, then
    if uscc:
        try:
            return bureau_by_code(province_of(uscc)).code
        except ValidationError:
            pass
    return NATIONAL_CODE


def _claims(qr_text: str | None) -> LicenceClaims | None:
    """What a reported QR claims, read without trusting it (its signature may be forged): it
    says where the report should go, and the bureau sees what was forged."""
    if not qr_text:
        return None
    try:
        return decode_payload(decode_sign1(token_from_text(qr_text)).payload)
    except (CertsvcError, ValueError):
        return None


def _receipt_code() -> str:
    """JB-XXXX-XXXX-XXXX-XXXX: 80 random bits in base32, easy to copy out."""
    body = base64.b32encode(secrets.token_bytes(10)).decode()
    return "-".join([RECEIPT_PREFIX, *(body[i:i + 4] for i in range(0, 16, 4))])


def _digest(receipt: str) -> str:
    """Codes are compared without spaces, dashes or case: what a person may type."""
    key = "".join(c for c in receipt.upper() if c.isalnum())
    return hashlib.sha256(key.encode()).hexdigest()


def public_view(row: Any, today: dt.date) -> dict[str, Any]:
    """What the reporter sees: no description, no contact, nothing of who handles it but
    the bureau."""
    return {"kind": row["kind"], "kind_term": KINDS[row["kind"]], "state": row["state"],
            "state_term": STATES[row["state"]],
            "bureau": bureau_by_code(row["bureau_code"]).name,
            "received_on": china_date(row["received_at"]).isoformat(),
            "due_on": row["due_on"].isoformat(),
            "overdue": row["state"] in rows.OPEN and row["due_on"] < today,
            "answer": row["answer"],
            "decided_on": china_date(row["decided_at"]).isoformat() if row["decided_at"]
            else None}


def _bureau_view(row: Any, today: dt.date, *, personal: bool) -> dict[str, Any]:
    view = {"id": row["id"], **public_view(row, today), "bureau_code": row["bureau_code"],
            "uscc": row["uscc"], "licence_number": row["licence_number"],
            "enterprise_name": row["enterprise_name"], "description": row["description"],
            "place": row["place"], "qr_text": row["qr_text"],
            "photo": row["photo"] is not None,
            "received_at": as_utc(row["received_at"]).isoformat()}
    if personal:
        view["contact"] = row["contact"]
    return view
