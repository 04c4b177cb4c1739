"""The licence sharing interface for other departments (电子证照共享服务接口, GB/T 36906-2018).

Four operations, as the national platform's sharing services offer them for every licence
type: look-up by holder code and holder code type, look-up by identifier (GB/T 36904), the
licence's status, and its file. Every answer is the licence in the metadata items of
GB/T 36903 (:mod:`certsvc.domain.metadata`). Each request states its purpose (用证事由); the
caller must be granted the licence type — this service holds one, the 全国工业产品生产许可证,
granted with the ``licence`` family (``certsvc account grant N --kinds licence``) — and every
read is audited as ``sharing.read`` with its purpose, before anything is looked up. The
standard's text was not reachable; the operations and their parameters follow the public
integrations of the national platform (holder code, holder code type ``001``, identifier,
purpose), answered in certsvc's JSON and problem documents.

    sharing.by_identifier(principal, "1.2.156.3005.2.…", "办理招投标资格审查", now, rid)
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine

from certsvc.credential.qr_text import qr_text
from certsvc.domain.accounts import Principal
from certsvc.domain.e_licence import HOLDER_TYPE_USCC, ELicenceId, parse_identifier
from certsvc.domain.licence import STATUS_TERMS
from certsvc.domain.metadata import SUPERSEDED, SUPERSEDED_NAME, as_requested, metadata
from certsvc.domain.time import china_date
from certsvc.domain.uscc import validate_uscc
from certsvc.errors import NotFound, ValidationError
from certsvc.render.pdf import find_font, licence_pdf
from certsvc.store.reader import LicenceReader
from certsvc.store.records import LicenceRecord
from certsvc.workflow.licence_files import LicenceFiles
from certsvc.workflow.sharing import Sharing

OFD_MEDIA_TYPE = "application/ofd"
FAMILY = "licence"  # the grant that carries the production licence type
HOLDER_TYPES = ("001", "111")  # 统一社会信用代码, 公民身份号码 (GB/T 36903 codes)
FILE_FORMATS = ("pdf", "ofd")


class LicenceSharing:
    def __init__(self, engine: Engine, sharing: Sharing, files: LicenceFiles,
                 public_url: str, pdf_font: str | None = None) -> None:
        self.reader = LicenceReader(engine)
        self.sharing = sharing
        self.files = files
        self.public_url = public_url
        self.pdf_font = pdf_font

    def by_holder(self, principal: Principal, holder_code: str, holder_type: str,
                  purpose: str | None, now: dt.datetime, request_id: str) -> dict[str, Any]:
        """The signed licences of a holder, each as its metadata."""
        self._read(principal, f"holder:{holder_code[:40]}", purpose, now, request_id)
        if holder_type not in HOLDER_TYPES:
            raise ValidationError("holder_type", "must be 001 (统一社会信用代码) or 111 "
                                                 "(公民身份号码)")
        if holder_type != HOLDER_TYPE_USCC:  # a production licence is held by an enterprise
            return {"items": []}
        code = validate_uscc(holder_code, "holder_code")
        return {"items": [self._metadata(r, self.reader.version(r), now)
                          for r in self.reader.by_uscc(code)]}

    def by_identifier(self, principal: Principal, identifier: str, purpose: str | None,
                      now: dt.datetime, request_id: str) -> dict[str, Any]:
        """The licence an identifier names, as its current metadata; ``requested_version``
        says which version was asked for (an earlier one is still answered: it is the same
        licence, changed since)."""
        record, wanted, version = self._licence(principal, identifier, purpose, now,
                                                request_id)
        return as_requested(self._metadata(record, version, now), wanted.version, version)

    def status(self, principal: Principal, identifier: str, purpose: str | None,
               now: dt.datetime, request_id: str) -> dict[str, Any]:
        """Is the licence in force, and is the version asked for its current one?"""
        record, wanted, version = self._licence(principal, identifier, purpose, now,
                                                request_id)
        items = self._metadata(record, version, now)
        answer = {key: items[key] for key in (
            "certificate_identifier", "certificate_number", "certificate_status",
            "certificate_status_name", "version")} | {"as_of": now.isoformat()}
        if wanted.version < version:  # the identifier asked about is no longer in force
            answer |= {"certificate_status": SUPERSEDED,
                       "certificate_status_name": SUPERSEDED_NAME,
                       "current_identifier": items["certificate_identifier"]}
        return as_requested(answer, wanted.version, version)

    def file(self, principal: Principal, identifier: str, file_format: str,
             purpose: str | None, now: dt.datetime, request_id: str
             ) -> tuple[bytes, str, str]:
        """The licence's file: the sealed OFD (GB/T 33190, 38540) or the printable PDF, both
        with its QR: bytes, media type, name."""
        record, _, version = self._licence(principal, identifier, purpose, now, request_id)
        if file_format not in FILE_FORMATS:
            raise ValidationError("format", f"must be one of {', '.join(FILE_FORMATS)}")
        if file_format == "ofd":
            data, name = self.files.ofd(record, now)
            return data, OFD_MEDIA_TYPE, name
        assert record.token is not None  # _licence answers signed licences only
        data = licence_pdf(record, qr_text(self.public_url, record.token),
                           find_font(self.pdf_font), STATUS_TERMS[record.status][0])
        return data, "application/pdf", f"{ELicenceId(record.number, version)}.pdf"

    # --- the steps every operation takes, in this order ---------------------------------
    def _read(self, principal: Principal, what: str, purpose: str | None, now: dt.datetime,
              request_id: str) -> None:
        """Authorise (role, granted licence type), require the purpose, audit — first."""
        self.sharing.read(principal, what, purpose, now, request_id, family=FAMILY)

    def _licence(self, principal: Principal, identifier: str, purpose: str | None,
                 now: dt.datetime, request_id: str
                 ) -> tuple[LicenceRecord, ELicenceId, int]:
        """The signed licence an identifier names, the identifier read, and the licence's
        current version. Reading the identifier looks nothing up; it names the licence in
        the audit, which comes before any look-up, and a malformed one is refused after."""
        refused: ValidationError | None = None
        try:
            wanted = parse_identifier(identifier)
            subject = f"licence:{wanted.number.canonical}"
        except ValidationError as error:
            refused, subject = error, "licence:(not an identifier)"
        self._read(principal, subject, purpose, now, request_id)
        if refused is not None:
            raise refused
        try:
            record = self.reader.by_number(wanted.number)
        except NotFound:
            raise NotFound("no licence has this identifier") from None
        version = self.reader.version(record)
        if record.token is None or wanted.version > version:
            raise NotFound("no licence has this identifier")
        return record, wanted, version

    def _metadata(self, record: LicenceRecord, version: int, now: dt.datetime
                  ) -> dict[str, Any]:
        return metadata(record.licence(), version, china_date(now) > record.valid_until)
