"""Demo licences for development (``make run``): the reference licence and a few others
that show every verdict a consumer can meet — valid, suspended, revoked, expired."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, Engine

from certsvc.domain.accounts import Role
from certsvc.domain.catalogue import catalogue
from certsvc.domain.declarations import STANDARD_COMMITMENT, parse_declaration
from certsvc.domain.licence import Licence, LicenceStatus
from certsvc.domain.uscc import check_character
from certsvc.errors import SealUnavailable
from certsvc.signer.signer import Signer
from certsvc.store import accounts, declarations, feed, oversight, review_bodies, writer
from certsvc.store.reader import LicenceReader
from certsvc.workflow.issuance import Issuer
from certsvc.workflow.licence_files import LicenceFiles
from certsvc.workflow.signin import SignIn

REFERENCE_LICENCE: dict[str, Any] = {
    "number": "浙XK06-001-00012",
    "enterprise": {
        "name": "浙江杭州市西湖区华光电线电缆制造有限公司",
        "uscc": "91330106MA2H7K3LXA",
        "residence": "浙江省杭州市西湖区文三路100号",
        "production_address": "浙江省杭州市西湖区三墩镇工业园8号",
    },
    "scope": ["聚氯乙烯绝缘电缆", "交联聚乙烯绝缘电力电缆", "架空绝缘电缆"],
    "issued": "2026-03-15",
    "valid_until": "2031-03-14",
    "issuer": "浙江省市场监督管理局",
}


def _licence(name: str, uscc: str, city: str, scope: list[str], issued: str, issuer: str,
             valid_until: str | None = None) -> dict[str, Any]:
    return {
        "enterprise": {"name": name, "uscc": uscc, "residence": f"{city}工业大道1号",
                       "production_address": f"{city}经济开发区2号"},
        "scope": scope, "issued": issued, "valid_until": valid_until, "issuer": issuer,
    }


DEMO_ACTIONS = {  # the bureau's action that leaves a demo licence in its status
    LicenceStatus.SUSPENDED: "suspend", LicenceStatus.REVOKED: "revoke",
    LicenceStatus.CANCELLED: "cancel"}
DEMO_LICENCES: list[tuple[dict[str, Any], LicenceStatus]] = [
    (REFERENCE_LICENCE, LicenceStatus.VALID),
    (_licence("江苏常州恒信水泥有限公司", "91320400MA1MXXXX0X", "江苏省常州市",
              ["通用硅酸盐水泥"], "2025-06-01", "江苏省市场监督管理局"), LicenceStatus.SUSPENDED),
    (_licence("广东佛山安达安全帽制造有限公司", "91440600MA4UXXXX1Y", "广东省佛山市",
              ["安全帽"], "2024-10-10", "广东省市场监督管理局"), LicenceStatus.REVOKED),
    # since the 2019 delegation the provinces approve 人民币鉴别仪 too (catalogue rules)
    (_licence("北京中钞鉴别仪器有限公司", "91110000MA01XXXX2Q", "北京市大兴区",
              ["点验钞机", "纸币清分机"], "2026-01-20", "北京市市场监督管理局"),
     LicenceStatus.VALID),
    (_licence("山东临沂鲁南化肥有限公司", "91371300MA3CXXXX3N", "山东省临沂市",
              ["复混肥料"], "2019-05-01", "山东省市场监督管理局", "2024-04-30"),
     LicenceStatus.VALID),
]


def create_demo_licences(issuer: Issuer, engine: Engine, now: dt.datetime) -> int:
    """Issue the demo licences into an empty database; an existing one is left alone."""
    if LicenceReader(engine).count():
        return 0
    for data, status in DEMO_LICENCES:
        issued = issuer.issue(Licence.from_dict(_with_valid_uscc(data)), now)
        if status is not LicenceStatus.VALID:  # as the bureau's action would set it
            detail = {"action": DEMO_ACTIONS[status], "reason": "演示数据 (demo data)"}
            with engine.begin() as conn:
                writer.set_status(conn, issued.number, status, now, detail)
                feed.record(conn, "licence.status", issued.licence.enterprise.uscc,
                            f"licence:{issued.number.canonical}", {
                                "number": issued.number.canonical,
                                "bureau": issued.number.bureau_code, "status": status.value,
                                **detail}, now)
    return len(DEMO_LICENCES)


def make_demo_ofds(engine: Engine, signer: Signer, public_url: str, now: dt.datetime) -> int:
    """The sealed OFD of every valid demo licence whose bureau seals (holds SM2) and that has
    none yet; the others are skipped."""
    files = LicenceFiles(engine, signer, public_url)
    reader = LicenceReader(engine)
    made = 0
    for data, status in DEMO_LICENCES:
        if status is not LicenceStatus.VALID:
            continue
        for licence in reader.by_uscc(_with_valid_uscc(data)["enterprise"]["uscc"]):
            if reader.stored_file(licence, "ofd") is not None:
                continue
            try:
                files.ofd(licence, now)
            except SealUnavailable:
                continue
            made += 1
    return made


def _with_valid_uscc(data: dict[str, Any]) -> dict[str, Any]:
    """Demo codes are made up; give each the check character its first 17 imply."""
    body = data["enterprise"]["uscc"][:17]
    enterprise = data["enterprise"] | {"uscc": body + check_character(body)}
    return data | {"enterprise": enterprise}


NEW_ENTERPRISE = {"name": "浙江宁波甬安安全防护用品有限公司",
                  "uscc": "91330200MA2KXXXX4" + check_character("91330200MA2KXXXX4"),
                  "residence": "浙江省宁波市鄞州区天童南路1号",
                  "production_address": "浙江省宁波市鄞州区工业园区2号"}
DEMO_PASSWORD = "try the console in development"  # development only: printed by make run


def create_demo_accounts(engine: Engine, signin: SignIn, now: dt.datetime) -> list[str]:
    """Accounts to try the bureau API (tokens: certsvc token) and the console with, if there
    are none yet; each gets the development password through a real invitation, and the
    roles that must have a second factor a TOTP secret (``certsvc account totp-code``)."""
    created = _create_accounts(engine, now)
    for line in created:
        account_id = int(line.split()[0])
        token = signin.invite(None, account_id, now, "dev-setup")
        signin.accept_invite(token, DEMO_PASSWORD, now, "dev-setup")
    return created


def _create_accounts(engine: Engine, now: dt.datetime) -> list[str]:
    with engine.begin() as conn:
        if accounts.list_accounts(conn):
            return []
        lab = accounts.create_institution(conn, "浙江省产品质量安全检测研究院", "CMA 2019110001",
                                          1, True)
        body = _demo_review_body(conn, now)
        made = [
            (Role.NATIONAL, "国家市场监督管理总局", {"bureau_code": "00"}),
            (Role.PROVINCIAL, "浙江省市场监督管理局", {"bureau_code": "33"}),
            (Role.PROVINCIAL, "江苏省市场监督管理局", {"bureau_code": "32"}),
            (Role.ENTERPRISE, REFERENCE_LICENCE["enterprise"]["name"],
             {"uscc": REFERENCE_LICENCE["enterprise"]["uscc"]}),
            (Role.INSTITUTION, "浙江省产品质量安全检测研究院", {"institution_id": lab}),
            (Role.AUDITOR, "审计员 (auditor)", {}),
            # an enterprise with no licence yet, to apply for one (一企一证: the reference
            # enterprise adds products by a change of its licence)
            (Role.ENTERPRISE, NEW_ENTERPRISE["name"], {"uscc": NEW_ENTERPRISE["uscc"]}),
            # the review body Zhejiang assigns on-site visits to (审查机构)
            (Role.REVIEW_BODY, DEMO_REVIEW_BODY, {"review_body_id": body}),
            # the county bureau of the reference enterprise's area (杭州市西湖区, 330106)
            (Role.LOCAL, "杭州市西湖区市场监督管理局", {"bureau_code": "33",
                                                  "area_code": "330106"}),
            # an insurer (liability policies) and a department granted two event families
            (Role.INSURER, "示例财产保险股份有限公司浙江分公司", {}),
            (Role.DEPARTMENT, "浙江省住房和城乡建设厅（示例）",
             {"granted_kinds": ["licence", "spot_check"]}),
        ]
        # the national authority's and the Zhejiang bureau's accounts administer their staff
        created = [(accounts.create_account(
            conn, role, name, now, staff_admin=role in (Role.NATIONAL, Role.PROVINCIAL)
            and extra.get("bureau_code") in ("00", "33"), **extra), role)
            for role, name, extra in made]
        enterprise = next(account for account, role in created if role is Role.ENTERPRISE)
        uscc = REFERENCE_LICENCE["enterprise"]["uscc"]
        version = declarations.append_version(conn, uscc, DEMO_DECLARATION.to_json(),
                                              enterprise, now)
        feed.record(conn, "declaration.published", uscc, f"declaration:{uscc}",
                    {"version": version, **DEMO_DECLARATION.to_json()}, now)
        return [f"{account} {role.value}" for account, role in created]


DEMO_REVIEW_BODY = "浙江省工业产品生产许可证审查中心"
DEMO_REVIEWERS = (("张伟", "SC-33-2021-0012"), ("李娜", "SC-33-2022-0031"),
                  ("王强", "SC-33-2023-0007"))


def _demo_review_body(conn: Connection, now: dt.datetime) -> int:
    """A review body registered by the Zhejiang bureau for every product, with three
    reviewers."""
    body_id = oversight.insert_row(conn, review_bodies.BODIES, {
        "name": DEMO_REVIEW_BODY, "uscc": "123300004700033400", "keeper_code": "33",
        "qualification": "浙江省工业产品生产许可证审查机构", "status": "active",
        "unit_ids": sorted(catalogue().units), "registered_at": now})
    for name, number in DEMO_REVIEWERS:
        oversight.insert_row(conn, review_bodies.REVIEWERS, {
            "body_id": body_id, "name": name, "qualification_number": number,
            "registered_at": now})
    return body_id


DEMO_DECLARATION = parse_declaration({
    "items": [
        {"unit": "架空绝缘电缆", "standards": ["GB/T 12527-2008", "GB/T 14049-2008"]},
        {"unit": "聚氯乙烯绝缘电缆", "standards": ["GB/T 5023.1-2008", "Q/HGDL 001-2024"],
         "enterprise_standard": {"indicators": [
             {"name": "导体直流电阻 (20 °C)", "value": "≤ 1.83 Ω/km"},
             {"name": "绝缘最薄处厚度", "value": "≥ 0.62 mm"}], "below_recommended": False}},
    ],
    "commitment": STANDARD_COMMITMENT,
})
