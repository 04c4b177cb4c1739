"""Chinese standard numbers (标准编号): national, industry, local, group and enterprise.

    GB 5226.1-2019        national, mandatory        GB/T 5023.1-2008   national, recommended
    GB/Z 17625.14-2017    national, guidance         JB/T 8734.2-2016   industry (two letters)
    DB33/T 1234-2020      local (province code)      T/CAS 115-2005     group (T/ + body)
    Q/HGDL 001-2024       enterprise (Q/ + code)

Input is forgiving (full-width characters, any dash, missing or extra spaces, lower case);
output is one canonical form. Every refusal names the field and says what is wrong.

    >>> parse_standard(" gb/t５０２３．１—2008 ").canonical
    'GB/T 5023.1-2008'
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from certsvc.domain.bureaus import BUREAUS
from certsvc.domain.text import normalise
from certsvc.errors import ValidationError

FIRST_YEAR = 1949


class StandardKind(enum.Enum):
    NATIONAL = "national"      # 国家标准
    INDUSTRY = "industry"      # 行业标准
    LOCAL = "local"            # 地方标准
    GROUP = "group"            # 团体标准
    ENTERPRISE = "enterprise"  # 企业标准


@dataclass(frozen=True)
class Standard:
    kind: StandardKind
    prefix: str  # "GB/T", "JB/T", "DB33/T", "T/CAS", "Q/HGDL"
    number: str  # "5023.1"
    year: int

    @property
    def canonical(self) -> str:
        return f"{self.prefix} {self.number}-{self.year}"

    @property
    def recommended(self) -> bool:
        """推荐性 (/T): not mandatory. Group and enterprise standards are voluntary too."""
        return self.prefix.endswith("/T")

    def __str__(self) -> str:
        return self.canonical


_DASHES = str.maketrans({"—": "-", "–": "-", "－": "-", "‐": "-", "‑": "-", "一": "-"})
_NUMBER = r"(?P<number>[0-9]{1,6}(?:\.[0-9]{1,3}){0,3})"
_YEAR = r"(?P<year>[0-9]{4})"
_PATTERNS: list[tuple[StandardKind, re.Pattern[str]]] = [
    (StandardKind.NATIONAL, re.compile(rf"^(?P<prefix>GB(?:/[TZ])?) ?{_NUMBER}-{_YEAR}$")),
    (StandardKind.LOCAL, re.compile(
        rf"^(?P<prefix>DB(?P<province>[0-9]{{2}})(?:/T)?) ?{_NUMBER}-{_YEAR}$")),
    # a group's code is letters; an enterprise's may hold digits, so a space must end it
    (StandardKind.GROUP, re.compile(rf"^(?P<prefix>T/[A-Z]{{2,12}}) ?{_NUMBER}-{_YEAR}$")),
    (StandardKind.ENTERPRISE, re.compile(
        rf"^(?P<prefix>Q/[A-Z0-9]{{1,20}}) {_NUMBER}-{_YEAR}$")),
    (StandardKind.INDUSTRY, re.compile(rf"^(?P<prefix>[A-Z]{{2}}(?:/T)?) ?{_NUMBER}-{_YEAR}$")),
]
_PROVINCES = {b.code for b in BUREAUS if not b.is_national}


def parse_standard(text: object, field: str = "standard") -> Standard:
    if not isinstance(text, str):
        raise ValidationError(field, "must be a standard number such as GB/T 5023.1-2008")
    cleaned = re.sub(r"\s+", " ", normalise(text).translate(_DASHES).upper()).strip()
    cleaned = re.sub(r" ?/ ?", "/", cleaned).replace(" -", "-").replace("- ", "-")
    for kind, pattern in _PATTERNS:
        match = pattern.match(cleaned)
        if match is None:
            continue
        prefix = match["prefix"]
        if kind is StandardKind.INDUSTRY and prefix[:2] in ("GB", "DB"):
            break  # a malformed national or local number, not an industry one
        if kind is StandardKind.LOCAL and match["province"] not in _PROVINCES:
            raise ValidationError(field, f"{match['province']} is not a province code "
                                         "(GB/T 2260) in a local standard number")
        year = int(match["year"])
        if not FIRST_YEAR <= year <= 2100:
            raise ValidationError(field, f"year {year} is not a plausible standard year")
        return Standard(kind, prefix, match["number"], year)
    raise ValidationError(field, f"{text!r} is not a standard number; expected e.g. "
                                 "GB/T 5023.1-2008, JB/T 8734.2-2016, DB33/T 1234-2020, "
                                 "T/CAS 115-2005 or Q/HGDL 001-2024")
