"""Accounts as the rules see them: a role, and the province, enterprise or institution it is.

    >>> Principal(7, Role.PROVINCIAL, "浙江省市场监督管理局", bureau_code="33").label
    'provincial:7 浙江省市场监督管理局'
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Role(enum.Enum):
    NATIONAL = "national"        # 国家市场监督管理总局
    PROVINCIAL = "provincial"    # a provincial bureau
    LOCAL = "local"              # a city or county bureau: supervises its area, never approves
    ENTERPRISE = "enterprise"
    INSTITUTION = "institution"  # a filed inspection institution
    AUDITOR = "auditor"          # reads everything that is not public, changes nothing
    DEPARTMENT = "department"    # tax, registration, finance, insurance: the feed only
    REVIEW_BODY = "review_body"  # 审查机构: the on-site visits assigned to it, its reports
    INSURER = "insurer"          # files liability policies; reads an enterprise's standing


@dataclass(frozen=True)
class Principal:
    """The authenticated account behind a request (or a CLI command)."""

    account_id: int
    role: Role
    name: str
    bureau_code: str | None = None  # NATIONAL_CODE for the national authority
    uscc: str | None = None
    institution_id: int | None = None
    staff_admin: bool = False  # administers its bureau's staff (set by the operator)
    review_body_id: int | None = None
    area_code: str | None = None  # a local bureau's GB/T 2260 area (bureau_code: its province)
    granted_kinds: tuple[str, ...] = ()  # a department's feed event families

    @property
    def label(self) -> str:
        return f"{self.role.value}:{self.account_id} {self.name}"

    @property
    def is_bureau(self) -> bool:
        return self.role in (Role.NATIONAL, Role.PROVINCIAL)
