"""A licence as the metadata items of GB/T 36903-2018 (电子证照元数据规范).

The standard's text was not reachable; the items and their names are those the national
platform's sharing interfaces and public integrations use for every licence type (证照标识,
证照类型代码, 持证主体 and its code and code type, 证照颁发机构 and its code, dates, the
jurisdiction …), with holder code type ``001`` (统一社会信用代码) as they cite the standard for
it. The licence's own fields (its products, addresses) travel under ``surface`` (照面信息).
One table, :data:`ITEMS`, serves the public metadata endpoint, the sharing interface and the
OpenAPI document.

    metadata(record.licence(), version=2, expired=False)["certificate_identifier"]
"""

from __future__ import annotations

from typing import Any

from certsvc.domain.e_licence import (
    HOLDER_TYPE_USCC,
    bureau_uscc,
    holder_code_type_name,
    identifier_of,
    licence_type,
    licence_type_code,
)
from certsvc.domain.licence import STATUS_TERMS, Licence

STANDARD = "GB/T 36903-2018"
# (key, the item's name in the standard's terms)
ITEMS: tuple[tuple[str, str], ...] = (
    ("certificate_identifier", "证照标识"),
    ("related_identifier", "关联证照标识"),  # the version this one replaced (none for 001)
    ("certificate_name", "证照名称"),
    ("certificate_type_code", "证照类型代码"),
    ("certificate_define_authority", "证照定义机构"),
    ("certificate_define_authority_code", "证照定义机构代码"),
    ("certificate_number", "证照编号"),
    ("certificate_holder", "持证主体"),
    ("certificate_holder_code", "持证主体代码"),
    ("certificate_holder_type_code", "持证主体代码类型代码"),
    ("certificate_holder_type", "持证主体代码类型"),
    ("issue_dept", "证照颁发机构"),
    ("issue_dept_code", "证照颁发机构代码"),
    ("certificate_area_code", "证照所属管辖属地编码"),
    ("issue_date", "证照颁发日期"),
    ("valid_from", "证照有效期起始日期"),
    ("valid_until", "证照有效期截止日期"),
    ("certificate_status", "证照状态"),
    ("certificate_status_name", "证照状态名称"),
    ("version", "版本号"),
    ("surface", "照面信息"),
)
LABELS = dict(ITEMS)


def metadata(licence: Licence, version: int, expired: bool) -> dict[str, Any]:
    """The licence's metadata items, keyed as :data:`ITEMS`, in that order."""
    kind = licence_type()
    issuer = licence.issuer
    if licence.number is None:
        raise ValueError("a licence has metadata once it has a number")
    number = licence.number
    status = "expired" if expired and licence.status.value == "valid" else licence.status.value
    status_name = "已过期" if status == "expired" else STATUS_TERMS[licence.status][0]
    values: dict[str, Any] = {
        "certificate_identifier": str(identifier_of(number, version)),
        "related_identifier": str(identifier_of(number, version - 1)) if version > 1 else None,
        "certificate_name": kind["name"],
        "certificate_type_code": licence_type_code(),
        "certificate_define_authority": kind["defined_by"],
        "certificate_define_authority_code": kind["defined_by_uscc"],
        "certificate_number": number.canonical,
        "certificate_holder": licence.enterprise.name,
        "certificate_holder_code": licence.enterprise.uscc,
        "certificate_holder_type_code": HOLDER_TYPE_USCC,
        "certificate_holder_type": holder_code_type_name(HOLDER_TYPE_USCC),
        "issue_dept": issuer.name,
        "issue_dept_code": bureau_uscc(issuer),
        "certificate_area_code": "100000" if issuer.is_national else f"{issuer.code}0000",
        "issue_date": licence.issued.isoformat(),
        "valid_from": licence.issued.isoformat(),
        "valid_until": licence.valid_until.isoformat(),
        "certificate_status": status,
        "certificate_status_name": status_name,
        "version": f"{version:03d}",
        "surface": {
            "residence": licence.enterprise.residence,
            "production_address": licence.enterprise.production_address,
            "products": [{"product": u.product.name, "unit": u.name} for u in licence.scope],
        },
    }
    return {key: values[key] for key, _ in ITEMS}


SUPERSEDED = "superseded"
SUPERSEDED_NAME = "已被新版本替代（非现行证照）"


def as_requested(items: dict[str, Any], requested: int, current: int) -> dict[str, Any]:
    """The licence's metadata as the identifier of version ``requested`` is answered: an
    earlier version's identifier names a licence since changed or renewed — superseded,
    never valid, with the current version's identifier beside it."""
    answer = {**items, "requested_version": f"{requested:03d}",
              "requested_version_current": requested == current}
    if requested < current:
        answer["requested_version_status"] = SUPERSEDED
        answer["requested_version_status_name"] = SUPERSEDED_NAME
    return answer
