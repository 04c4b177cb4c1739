"""The licence: who may make which products, from when until when, on whose authority.

``Licence.from_dict`` accepts the shape of ``shared/reference-licence.json`` and reports every
problem with the field it concerns::

    >>> lic = Licence.from_dict({
    ...     "number": "浙XK06-001-00012",
    ...     "enterprise": {"name": "华光电缆有限公司", "uscc": "91330106MA2H7K3LXA",
    ...                    "residence": "杭州", "production_address": "杭州"},
    ...     "scope": ["架空绝缘电缆"], "issued": "2026-03-15",
    ...     "issuer": "浙江省市场监督管理局"})
    >>> str(lic.valid_until)
    '2031-03-14'
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, replace
from typing import Any

from certsvc.domain.bureaus import Bureau, find_bureau
from certsvc.domain.catalogue import Product, Unit, product_codes, scope_of
from certsvc.domain.fields import date, text
from certsvc.domain.licence_number import LicenceNumber
from certsvc.domain.specs import Field, Kind, Spec
from certsvc.errors import ValidationError

DEFAULT_VALIDITY_YEARS = 5
MAX_NAME_LENGTH = 100
MAX_ADDRESS_LENGTH = 200

FIRST_ISSUE_DATE = dt.date(1970, 1, 1)  # day 0 of the signed payload's dates

ENTERPRISE_SPEC = Spec((
    Field("name", Kind.TEXT, "企业名称", "Name", max_length=MAX_NAME_LENGTH,
          example="浙江杭州市西湖区华光电线电缆制造有限公司"),
    Field("uscc", Kind.USCC, "统一社会信用代码", "Unified Social Credit Code",
          example="91330106MA2H7K3LXA"),
    Field("residence", Kind.TEXT, "住所", "Residence", max_length=MAX_ADDRESS_LENGTH,
          example="浙江省杭州市西湖区文三路100号"),
    Field("production_address", Kind.TEXT, "生产地址", "Production address",
          max_length=MAX_ADDRESS_LENGTH, example="浙江省杭州市西湖区三墩镇工业园8号"),
))


class LicenceStatus(enum.Enum):
    """Status a bureau sets. Expiry is not a status: it follows from the dates.

    ``NOT_REQUIRED``: the catalogue withdrew the product, so the licence is no longer
    required — nothing is wrong with it, and it is never shown as revoked.
    ``MERGED``: one enterprise, one licence (一企一证): merged into the enterprise's other
    licence from the same bureau, which now covers its products; its QR reads superseded.
    """

    VALID = "valid"
    SUSPENDED = "suspended"
    REVOKED = "revoked"
    CANCELLED = "cancelled"
    NOT_REQUIRED = "not_required"
    MERGED = "merged"


# Each status in words (Chinese, English): the public site, the console and the PDF say these.
STATUS_TERMS: dict[LicenceStatus, tuple[str, str]] = {
    LicenceStatus.VALID: ("有效", "Valid"),
    LicenceStatus.SUSPENDED: ("已暂停", "Suspended"),
    LicenceStatus.REVOKED: ("已撤销", "Revoked"),
    LicenceStatus.CANCELLED: ("已注销", "Cancelled"),
    LicenceStatus.NOT_REQUIRED: ("无需许可", "No longer required"),
    LicenceStatus.MERGED: ("已合并（一企一证）", "Merged (one enterprise, one licence)"),
}

# The status of a token (not a licence) replaced by a change or renewal: its QR stops verifying.
SUPERSEDED = "superseded"


@dataclass(frozen=True)
class Enterprise:
    name: str
    uscc: str
    residence: str
    production_address: str


@dataclass(frozen=True)
class Licence:
    number: LicenceNumber | None  # None until the bureau's series assigns one
    enterprise: Enterprise
    scope: tuple[Unit, ...]
    issued: dt.date
    valid_until: dt.date
    issuer: Bureau
    status: LicenceStatus = LicenceStatus.VALID

    @property
    def product(self) -> Product:
        """The product a new licence's number carries: its scope's first (the lowest unit
        id). Under 一企一证 a licence covers several products, and its number keeps the one
        of its first issue through every change (docs/credential.md)."""
        return self.scope[0].product

    def with_number(self, number: LicenceNumber) -> Licence:
        return replace(self, number=number)

    def to_dict(self) -> dict[str, Any]:
        """The reference-licence shape, plus status."""
        return {
            "number": str(self.number) if self.number else None,
            "enterprise": {
                "name": self.enterprise.name,
                "uscc": self.enterprise.uscc,
                "residence": self.enterprise.residence,
                "production_address": self.enterprise.production_address,
            },
            "scope": [u.name for u in self.scope],
            "issued": self.issued.isoformat(),
            "valid_until": self.valid_until.isoformat(),
            "issuer": self.issuer.name,
            "status": self.status.value,
        }

    @classmethod
    def from_dict(cls, data: Any) -> Licence:
        if not isinstance(data, dict):
            raise ValidationError("licence", "must be a JSON object")
        enterprise = enterprise_from_dict(data.get("enterprise"))
        issuer = find_bureau(text(data.get("issuer"), "issuer", MAX_NAME_LENGTH), "issuer")
        issued = date(data.get("issued"), "issued")
        valid_until = (
            date(data["valid_until"], "valid_until")
            if data.get("valid_until") is not None
            else default_valid_until(issued)
        )
        number = (
            LicenceNumber.parse(data["number"]) if data.get("number") is not None else None
        )
        scope = scope_of(data.get("scope"))
        status = _status(data.get("status", "valid"))
        licence = cls(number, enterprise, scope, issued, valid_until, issuer, status)
        check_licence(licence)
        return licence


def enterprise_from_dict(ent: Any, field: str = "enterprise") -> Enterprise:
    """An enterprise from its JSON object, checked by ``ENTERPRISE_SPEC`` (the same spec the
    API documents and the forms show)."""
    return Enterprise(**ENTERPRISE_SPEC.parse(ent, field))


def default_valid_until(issued: dt.date) -> dt.date:
    """Five years, ending the day before the anniversary (2026-03-15 → 2031-03-14)."""
    year = issued.year + DEFAULT_VALIDITY_YEARS
    try:
        anniversary = issued.replace(year=year)
    except ValueError:  # 29 February
        anniversary = dt.date(year, 3, 1)
    return anniversary - dt.timedelta(days=1)


def check_licence(licence: Licence) -> None:
    """Rules that tie the fields together (see :func:`check_terms`)."""
    check_terms(licence.number, licence.issuer.code, licence.scope, licence.issued,
                licence.valid_until)


def check_terms(number: LicenceNumber | None, issuer_code: str, scope: tuple[Unit, ...],
                issued: dt.date, valid_until: dt.date) -> None:
    """The licence rules, in one place: issuance checks them on a :class:`Licence`, and the
    signer's lint and the verifier on the claims of a token (``certsvc.credential.lint``), so
    a token a genuine key signed by mistake is refused by the same rules that issuance keeps.
    """
    if issued < FIRST_ISSUE_DATE:
        raise ValidationError("issued", f"must be on or after {FIRST_ISSUE_DATE} "
                              "(the credential counts days from then)")
    if valid_until < issued:
        raise ValidationError("valid_until", "is before the issue date")
    if not scope:
        raise ValidationError("scope", "a licence covers one product unit at least")
    for unit in scope:
        if unit.is_withdrawn(issued):
            raise ValidationError(
                "scope", f"{unit.name} was withdrawn from the catalogue on {unit.withdrawn}"
            )
        if not unit.is_listed(issued):
            raise ValidationError(
                "scope", f"{unit.name} was not under licence on {issued} (the catalogue's "
                "dates)")
    if number is not None:
        if number.bureau_code != issuer_code:
            raise ValidationError(
                "number", f"the number's series is bureau {number.bureau_code}'s, "
                f"the issuer is bureau {issuer_code}")
        if number.product_code not in product_codes():
            raise ValidationError(
                "number", f"the number is for product {number.product_code}, which the "
                "catalogue does not know")


def _status(value: Any) -> LicenceStatus:
    try:
        return LicenceStatus(value)
    except ValueError:
        allowed = ", ".join(s.value for s in LicenceStatus)
        raise ValidationError("status", f"must be one of {allowed}") from None
