"""Which province's bureau an enterprise applies to: the one where it is (条例第十一条:
企业生产列入目录的产品，应当向企业所在地的省、自治区、直辖市工业产品生产许可证主管部门申请).

Where it is comes first from its Unified Social Credit Code, whose third to eighth
characters are the area code of the authority that registered it (GB 32100-2015): a
Zhejiang registration names a Zhejiang area. An enterprise registered by a national
authority (area code 100000) has no province there; its registered address (住所) then says,
by the province's name at its start. Neither saying, the application is refused with why.

    >>> from certsvc.domain.licence import Enterprise
    >>> home_province(Enterprise("某公司", "91330106MA2H7K3LXA", "浙江省杭州市", "同")).reason
    'its USCC was issued by a registration authority of area 330106'
"""

from __future__ import annotations

from dataclasses import dataclass

from certsvc.domain.areas import area_of
from certsvc.domain.bureaus import BUREAUS, NATIONAL_CODE, Bureau
from certsvc.domain.licence import Enterprise
from certsvc.domain.procedure import ProcedureClosed

_SUFFIX = "市场监督管理局"
_QUALIFIERS = ("自治区", "壮族", "回族", "维吾尔", "省", "市")


@dataclass(frozen=True)
class Home:
    bureau: Bureau
    reason: str


def _province_names(bureau: Bureau) -> tuple[str, ...]:
    """浙江省 and 浙江; 广西壮族自治区 and 广西; 北京市 and 北京."""
    full = bureau.name.removesuffix(_SUFFIX)
    short = full
    for qualifier in _QUALIFIERS:
        short = short.removesuffix(qualifier)
    return (full, short) if short != full else (full,)


def home_province(enterprise: Enterprise) -> Home | None:
    """The province where the enterprise is, and how that was found; None if neither its
    USCC nor its address says."""
    provinces = {b.code: b for b in BUREAUS if b.code != NATIONAL_CODE}
    area = area_of(enterprise.uscc)
    if area[:2] in provinces:
        return Home(provinces[area[:2]],
                    f"its USCC was issued by a registration authority of area {area}")
    for bureau in provinces.values():
        for name in _province_names(bureau):
            if enterprise.residence.startswith(name):
                return Home(bureau, f"its USCC names no province (area {area}); its "
                                    f"registered address begins {name}")
    return None


def check_jurisdiction(enterprise: Enterprise, bureau: Bureau) -> Home | None:
    """An application to ``bureau`` is to the province where the enterprise is; products
    the national authority approves go to it. ProcedureClosed names the right bureau."""
    if bureau.is_national:
        return None
    home = home_province(enterprise)
    if home is None:
        raise ProcedureClosed(
            f"the province where the enterprise is cannot be told: its USCC's area "
            f"{area_of(enterprise.uscc)} names none, nor does its registered address begin "
            "with a province's name (条例第十一条: an enterprise applies where it is)")
    if home.bureau.code != bureau.code:
        raise ProcedureClosed(
            f"an enterprise applies to the bureau of the province where it is (条例第十一条): "
            f"{home.bureau.name}, since {home.reason}; not {bureau.name}")
    return home
