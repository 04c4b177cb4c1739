"""Areas and the local bureaus that supervise them: city (市) and county (县) market-regulation
bureaus, by their GB/T 2260 six-digit area code.

A city's code ends in 00 (330100 杭州市), a county's does not (330106 西湖区); the first two
digits are the province. An enterprise's area is in its Unified Social Credit Code: the
third to eighth characters are the area code of the authority that registered it (GB
32100-2015 4.3, 登记管理机关行政区划码). A city bureau supervises the enterprises registered
anywhere in the city, a county bureau those of the county (国质检监〔2015〕364号 五(三):
accidents are reported to the bureaus 所在地县级及以上). Local bureaus never approve or issue:
国发〔2024〕11号 keeps approval with the provinces, not delegated further.

Which codes exist is the State's list (GB/T 2260 and the Ministry of Civil Affairs' yearly
changes); certsvc checks the form and the province, and the operator names the bureau.

    >>> Area.parse("330106").level, Area.parse("330100").covers("91330106MA2H7K3LXA")
    ('county', True)
"""

from __future__ import annotations

from dataclasses import dataclass

from certsvc.domain.bureaus import NATIONAL_CODE, bureau_by_code
from certsvc.errors import ValidationError

LEVELS = {"city": "市级", "county": "县级"}
# the spot-check level a local bureau's own checks are (certsvc.domain.duties)
SPOT_CHECK_LEVEL = {"city": "municipal", "county": "county"}


@dataclass(frozen=True)
class Area:
    code: str  # six digits

    @classmethod
    def parse(cls, text: str, field: str = "area") -> Area:
        code = text.strip()
        if len(code) != 6 or not code.isascii() or not code.isdigit():
            raise ValidationError(field, "is a GB/T 2260 area code: six digits")
        try:
            province = bureau_by_code(code[:2])
        except ValidationError:
            raise ValidationError(field, f"{code[:2]} is not a province code") from None
        if province.code == NATIONAL_CODE or code[2:] == "0000":
            raise ValidationError(field, "names a province: a local bureau is a city's or a "
                                         "county's")
        if code[2:4] == "00":
            raise ValidationError(field, "has no city part (digits 3–4)")
        return cls(code)

    @property
    def province(self) -> str:
        return self.code[:2]

    @property
    def level(self) -> str:
        return "city" if self.code.endswith("00") else "county"

    @property
    def prefix(self) -> str:
        """The part of an area code every place in this area shares."""
        return self.code[:4] if self.level == "city" else self.code

    def covers(self, uscc: str) -> bool:
        return area_of(uscc).startswith(self.prefix)


def area_of(uscc: str) -> str:
    """The area code of the authority that registered the enterprise (GB 32100-2015)."""
    return uscc[2:8]


def province_of(uscc: str) -> str:
    """The province of the authority that registered the enterprise: the first two digits
    of its area code (GB 32100-2015, characters 3–8 of the USCC)."""
    return area_of(uscc)[:2]
