"""The sealed OFD of each licence version: made where the keys are, kept for the public site.

A licence's OFD is made when it is issued, changed or renewed (best effort, after the
decision is committed: a failure is logged and the file is made on the next request), or
when the enterprise, the issuing province or the national authority asks for it. It is
sealed with the bureau's SM2 key (GB/T 38540), so a bureau that signs with Ed25519 has no
OFD until it rotates to SM2 (``SealUnavailable``, 409). The file of the current version is
kept in ``licence_files``, named by the licence's identifier (GB/T 36904); the public site
serves it from there.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import cast

from sqlalchemy import Engine, Table
from sqlalchemy.exc import IntegrityError

from certsvc.credential.qr_image import qr_png
from certsvc.credential.qr_text import qr_text
from certsvc.domain.accounts import Principal, Role
from certsvc.domain.e_licence import identifier_of
from certsvc.domain.licence_number import LicenceNumber
from certsvc.domain.metadata import LABELS, metadata
from certsvc.domain.time import china_date
from certsvc.errors import CertsvcError, Forbidden, NotFound
from certsvc.render.ofd import LicenceFace, licence_ofd
from certsvc.render.pdf import find_font
from certsvc.render.seal_image import seal_png
from certsvc.signer.signer import Signer
from certsvc.store.models import LicenceFileRow
from certsvc.store.reader import licence_in, licence_version, stored_file
from certsvc.store.records import LicenceRecord

OFD = "ofd"
log = logging.getLogger(__name__)


def licence_face(record: LicenceRecord, version: int) -> LicenceFace:
    """The certificate's fields in Chinese, and its metadata items for the OFD's custom data."""
    items = metadata(record.licence(), version, expired=False)
    custom = tuple((LABELS[key], str(value)) for key, value in items.items()
                   if isinstance(value, str))
    return LicenceFace(
        title="全国工业产品生产许可证",
        lines=(("企业名称", record.enterprise.name),
               ("统一社会信用代码", record.enterprise.uscc),
               ("住所", record.enterprise.residence),
               ("生产地址", record.enterprise.production_address),
               ("产品名称", "、".join(u.name for u in record.scope)),
               ("证书编号", record.number.canonical),
               ("有效期至", f"{record.valid_until:%Y年%m月%d日}"),
               ("发证机关", record.issuer.name),
               ("发证日期", f"{record.issued:%Y年%m月%d日}")),
        identifier=str(identifier_of(record.number, version)),
        custom_data=custom,
    )


class LicenceFiles:
    def __init__(self, engine: Engine, signer: Signer, public_url: str,
                 pdf_font: str | None = None) -> None:
        self.engine = engine
        self.signer = signer
        self.public_url = public_url
        self.pdf_font = pdf_font

    def for_principal(self, principal: Principal, number: LicenceNumber, now: dt.datetime
                      ) -> tuple[bytes, str]:
        """The OFD for the enterprise holding the licence, its issuing province or the
        national authority (authorised before the licence is looked at): data and name."""
        if principal.role not in (Role.ENTERPRISE, Role.PROVINCIAL, Role.NATIONAL):
            raise Forbidden("the OFD is made for the enterprise holding the licence and the "
                            "bureau that issued it")
        if principal.role is Role.PROVINCIAL and principal.bureau_code != number.bureau_code:
            raise Forbidden("another province's licence")
        with self.engine.connect() as conn:
            record = licence_in(conn, number)
        if principal.role is Role.ENTERPRISE and principal.uscc != record.enterprise.uscc:
            raise NotFound(f"no licence {number}")  # never say whose it is
        return self.ofd(record, now)

    def ofd(self, record: LicenceRecord, now: dt.datetime) -> tuple[bytes, str]:
        """The sealed OFD of the licence's current version, made once: (data, file name)."""
        if record.token is None:
            raise NotFound(f"licence {record.number} is not signed yet")
        with self.engine.connect() as conn:
            version = licence_version(conn, record.id)
            stored = stored_file(conn, record.id, version, OFD)
        if stored is not None:
            return stored[0], f"{stored[1]}.ofd"
        self.signer.seal_key(record.number.bureau_code, now)  # before drawing anything
        face = licence_face(record, version)
        font = find_font(self.pdf_font)
        picture = seal_png(record.issuer.name, font)
        code = record.number.bureau_code
        data = licence_ofd(
            face, qr_png(qr_text(self.public_url, record.token)),
            lambda signed, where, at: self.signer.seal_document(code, picture, signed, where,
                                                                at), now, font)
        try:
            with self.engine.begin() as conn:
                conn.execute(cast(Table, LicenceFileRow.__table__).insert().values(
                    licence_id=record.id, version=version, format=OFD,
                    identifier=face.identifier, data=data, created_at=now))
        except IntegrityError:  # made at the same moment by another request: keep theirs
            with self.engine.connect() as conn:
                stored = stored_file(conn, record.id, version, OFD)
            if stored is not None:
                return stored[0], f"{stored[1]}.ofd"
            raise
        return data, f"{face.identifier}.ofd"

    def refresh(self, number: str, now: dt.datetime) -> None:
        """After an issue, change or renewal: make the new version's OFD. Best effort — the
        decision is committed already, and a missing file is made on the next request."""
        try:
            with self.engine.connect() as conn:
                record = licence_in(conn, LicenceNumber.parse(number))
            if china_date(now) <= record.valid_until:
                self.ofd(record, now)
        except CertsvcError as exc:
            log.info("no OFD for %s: %s", number, exc.detail)
        except Exception:
            log.exception("making the OFD of %s failed; the next request makes it", number)
