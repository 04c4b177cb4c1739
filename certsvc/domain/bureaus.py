"""Licensing bureaus: the national authority and the 31 provincial bureaus.

A bureau is identified by its GB/T 2260 province code (two digits, "33" for Zhejiang) or
"00" for the national authority (国家市场监督管理总局). The province's one-character
abbreviation is what stands in front of a provincially issued licence number.

    >>> bureau_by_abbreviation("浙").name
    '浙江省市场监督管理局'
"""

from __future__ import annotations

from dataclasses import dataclass

from certsvc.domain.text import normalise
from certsvc.errors import ValidationError

NATIONAL_CODE = "00"


@dataclass(frozen=True)
class Bureau:
    code: str  # "00" national, else the GB/T 2260 two-digit province code
    abbreviation: str  # "" for the national authority
    name: str
    name_en: str

    @property
    def is_national(self) -> bool:
        return self.code == NATIONAL_CODE


_SUFFIX = "市场监督管理局"
# (GB/T 2260 code, abbreviation, full province name, English name)
_PROVINCES = [
    ("11", "京", "北京市", "Beijing"),
    ("12", "津", "天津市", "Tianjin"),
    ("13", "冀", "河北省", "Hebei"),
    ("14", "晋", "山西省", "Shanxi"),
    ("15", "蒙", "内蒙古自治区", "Inner Mongolia"),
    ("21", "辽", "辽宁省", "Liaoning"),
    ("22", "吉", "吉林省", "Jilin"),
    ("23", "黑", "黑龙江省", "Heilongjiang"),
    ("31", "沪", "上海市", "Shanghai"),
    ("32", "苏", "江苏省", "Jiangsu"),
    ("33", "浙", "浙江省", "Zhejiang"),
    ("34", "皖", "安徽省", "Anhui"),
    ("35", "闽", "福建省", "Fujian"),
    ("36", "赣", "江西省", "Jiangxi"),
    ("37", "鲁", "山东省", "Shandong"),
    ("41", "豫", "河南省", "Henan"),
    ("42", "鄂", "湖北省", "Hubei"),
    ("43", "湘", "湖南省", "Hunan"),
    ("44", "粤", "广东省", "Guangdong"),
    ("45", "桂", "广西壮族自治区", "Guangxi"),
    ("46", "琼", "海南省", "Hainan"),
    ("50", "渝", "重庆市", "Chongqing"),
    ("51", "川", "四川省", "Sichuan"),
    ("52", "贵", "贵州省", "Guizhou"),
    ("53", "云", "云南省", "Yunnan"),
    ("54", "藏", "西藏自治区", "Tibet"),
    ("61", "陕", "陕西省", "Shaanxi"),
    ("62", "甘", "甘肃省", "Gansu"),
    ("63", "青", "青海省", "Qinghai"),
    ("64", "宁", "宁夏回族自治区", "Ningxia"),
    ("65", "新", "新疆维吾尔自治区", "Xinjiang"),
]

NATIONAL = Bureau(
    NATIONAL_CODE, "", "国家市场监督管理总局", "State Administration for Market Regulation"
)
BUREAUS: tuple[Bureau, ...] = (
    NATIONAL,
    *(
        Bureau(code, abbr, province + _SUFFIX, f"{en} Administration for Market Regulation")
        for code, abbr, province, en in _PROVINCES
    ),
)
_BY_CODE = {b.code: b for b in BUREAUS}
_BY_ABBREVIATION = {b.abbreviation: b for b in BUREAUS if b.abbreviation}
_BY_NAME = {b.name: b for b in BUREAUS}


def bureau_by_code(code: str) -> Bureau:
    try:
        return _BY_CODE[code]
    except KeyError:
        raise ValidationError("bureau", f"unknown bureau code {code!r}") from None


def bureau_by_abbreviation(abbreviation: str) -> Bureau:
    try:
        return _BY_ABBREVIATION[abbreviation]
    except KeyError:
        raise ValidationError(
            "number", f"{abbreviation!r} is not a province abbreviation"
        ) from None


def find_bureau(text: str, field: str = "bureau") -> Bureau:
    """Resolve what a person may type: code ("33"), abbreviation ("浙"), name, or "national"."""
    key = normalise(text)
    if key.lower() in ("national", "cn", "samr"):
        return NATIONAL
    bureau = _BY_CODE.get(key) or _BY_ABBREVIATION.get(key) or _BY_NAME.get(key)
    if bureau is None:
        by_english = {b.name_en.split(" Administration")[0].lower(): b for b in BUREAUS}
        bureau = by_english.get(key.lower())
    if bureau is None:
        raise ValidationError(field, f"unknown bureau {text!r}")
    return bureau
