"""Licence numbers: ``[省]XK<category 2>-<product 3>-<serial 5>``.

A provincially issued licence carries its province's abbreviation in front
(``浙XK06-001-00012``); a nationally issued one has none (``XK06-001-00012``). Input is
forgiving — ``（浙）XK…``, ``(浙)XK…``, full-width digits, spaces around — output is one
canonical form.

    >>> LicenceNumber.parse(" (浙)ＸＫ０６-００１-０００１２ ").canonical
    '浙XK06-001-00012'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from certsvc.domain.bureaus import NATIONAL, Bureau, bureau_by_abbreviation, bureau_by_code
from certsvc.domain.text import normalise
from certsvc.errors import ValidationError

_PATTERN = re.compile(
    r"^(?:\((?P<p1>[^\W\d_A-Za-z])\)|(?P<p2>[^\W\d_A-Za-z]))?"
    r"XK(?P<cat>[0-9]{2})-(?P<prod>[0-9]{3})-(?P<serial>[0-9]{5})$"
)
MAX_SERIAL = 99_999


@dataclass(frozen=True, order=True)
class LicenceNumber:
    bureau_code: str
    category: int
    product: int
    serial: int

    @classmethod
    def parse(cls, text: str, field: str = "number") -> LicenceNumber:
        if not isinstance(text, str):
            raise ValidationError(field, "must be a string")
        folded = normalise(text).upper().replace(" ", "")
        match = _PATTERN.match(folded)
        if match is None:
            raise ValidationError(
                field,
                f"{text!r} is not a licence number; expected e.g. 浙XK06-001-00012",
            )
        abbreviation = match["p1"] or match["p2"]
        bureau = bureau_by_abbreviation(abbreviation) if abbreviation else NATIONAL
        serial = int(match["serial"])
        if serial == 0:
            raise ValidationError(field, "serial 00000 is never issued")
        return cls(bureau.code, int(match["cat"]), int(match["prod"]), serial)

    @property
    def bureau(self) -> Bureau:
        return bureau_by_code(self.bureau_code)

    @property
    def product_code(self) -> str:
        """The catalogue product code, e.g. ``06-001``."""
        return f"{self.category:02d}-{self.product:03d}"

    @cached_property  # printed several times per licence in a batch import
    def canonical(self) -> str:
        return f"{self.bureau.abbreviation}XK{self.product_code}-{self.serial:05d}"

    def __str__(self) -> str:
        return self.canonical
