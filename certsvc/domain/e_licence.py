"""The licence in the national electronic-licence standards: its identifier (电子证照标识,
GB/T 36904-2018) and its metadata items (GB/T 36903-2018).

The identifier names one version of one licence across every government system:

    1.2.156.3005.2.<type code>.<issuer USCC>.<serial>.<version>.<check>

the type code being the defining department's USCC and a three-character type serial, the
serial here the licence number's digits (``浙XK06-001-00012`` → ``330600100012``), the version
``001`` at issue and one more at each change or renewal, and the check character ISO 7064
MOD 37,36 over everything after the root without dots. The standard's text was not reachable;
this is what public integrations agree on (``data/e_licence.json`` says which, and what is
still a placeholder until a deployment sets its codes: see :func:`_data`). A change or a
renewal re-signs the licence under the same number: a new version, so a new identifier.

    >>> check_character("A12425GABC1234002")   # ISO 7064's own example
    'M'
    >>> str(identifier_of(LicenceNumber("33", 6, 1, 12), 1))[:36]
    '1.2.156.3005.2.11100000MB0143028R000'
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from certsvc.domain.bureaus import NATIONAL_CODE, Bureau, bureau_by_code
from certsvc.domain.licence_number import LicenceNumber
from certsvc.domain.uscc import check_character as uscc_check_character
from certsvc.domain.uscc import validate_uscc
from certsvc.errors import ValidationError

ROOT = "1.2.156.3005.2"  # the electronic-licence arc of GB/T 36904
HOLDER_TYPE_USCC = "001"  # 持证主体代码类型代码: 统一社会信用代码
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_PATTERN = re.compile(
    r"1\.2\.156\.3005\.2\.([0-9A-Z]{21})\.([0-9A-Z]{18})\.([0-9]{12})\.([0-9]{3})\.([0-9A-Z])")
MAX_VERSION = 999
_TYPE_SERIAL = re.compile(r"[0-9]{3}")  # as every published identifier has it (tests)
TYPE_SERIAL_SETTING = "CERTSVC_LICENCE_TYPE_SERIAL"
BUREAU_USCCS_SETTING = "CERTSVC_BUREAU_USCCS"


@cache
def _data() -> dict[str, Any]:
    """The data file, with a deployment's own codes over it: the licence type's serial in
    the national catalogue (``CERTSVC_LICENCE_TYPE_SERIAL``) and its bureaus' USCCs
    (``CERTSVC_BUREAU_USCCS=33=<USCC>,32=<USCC>``), which no public source gave."""
    data: dict[str, Any] = json.loads(
        (Path(__file__).parent / "data" / "e_licence.json").read_text("utf-8"))
    serial = os.environ.get(TYPE_SERIAL_SETTING, "").strip()
    if serial:
        if not _TYPE_SERIAL.fullmatch(serial):
            raise ValidationError(TYPE_SERIAL_SETTING, "must be the licence type's three-digit "
                                                       "serial in the national catalogue")
        data["licence_type"].update(type_serial=serial, type_serial_is_placeholder=False)
    for item in filter(None, os.environ.get(BUREAU_USCCS_SETTING, "").split(",")):
        code, _, uscc = item.strip().partition("=")
        try:
            bureau = bureau_by_code(code.strip())
        except ValidationError:
            raise ValidationError(BUREAU_USCCS_SETTING, f"{code!r} is not a province's "
                                                        "GB/T 2260 code") from None
        data["provincial_uscc"][bureau.code] = validate_uscc(uscc.strip(), BUREAU_USCCS_SETTING)
    return data


def placeholders(bureaus: Iterable[Bureau]) -> list[str]:
    """What a deployment issuing for ``bureaus`` still lacks of the national codes: said at
    start-up, where production refuses to run with any (an identifier given out with a
    placeholder can never be corrected)."""
    missing = [f"{TYPE_SERIAL_SETTING} (the licence type's serial in the national catalogue)"
               ] if licence_type()["type_serial_is_placeholder"] else []
    missing += [f"{BUREAU_USCCS_SETTING}: the USCC of {b.name} ({b.code})"
                for b in sorted(set(bureaus), key=lambda b: b.code)
                if bureau_uscc_is_placeholder(b)]
    return missing


def check_character(body: str) -> str:
    """ISO 7064 MOD 37,36 (hybrid system, alphanumeric) over ``body`` (0–9, A–Z)."""
    modulus = 36
    product = modulus
    for character in body:
        total = (product + _ALPHABET.index(character)) % modulus or modulus
        product = total * 2 % (modulus + 1)
    return _ALPHABET[(modulus + 1 - product) % modulus]


def licence_type_code() -> str:
    """证照类型代码 of the 全国工业产品生产许可证: the defining department's USCC + serial."""
    kind = _data()["licence_type"]
    return str(kind["defined_by_uscc"]) + str(kind["type_serial"])


def licence_type() -> dict[str, Any]:
    return dict(_data()["licence_type"])


def holder_code_type_name(code: str) -> str:
    return str(_data()["holder_code_types"][code])


def bureau_uscc(bureau: Bureau) -> str:
    """The bureau's USCC (证照颁发机构代码): from the data file, else its placeholder."""
    if bureau.code == NATIONAL_CODE:
        return str(_data()["national_uscc"])
    known = _data()["provincial_uscc"].get(bureau.code)
    if known:
        return str(known)
    return placeholder_uscc(bureau.code)


def bureau_uscc_is_placeholder(bureau: Bureau) -> bool:
    return bureau.code != NATIONAL_CODE and not _data()["provincial_uscc"].get(bureau.code)


def identifier_has_placeholders(bureau: Bureau) -> bool:
    """Does an identifier of this bureau's licences carry a placeholder code (the licence
    type's serial, or the bureau's USCC)? Said wherever the identifier is shown, until the
    deployment has the national catalogue's codes."""
    return bool(licence_type()["type_serial_is_placeholder"]) or bureau_uscc_is_placeholder(
        bureau)


def placeholder_uscc(province_code: str) -> str:
    """A well-formed stand-in until the province's own USCC is entered (see the data file)."""
    body = f"11{province_code}0000MB00000{province_code}"
    return body + uscc_check_character(body)


@dataclass(frozen=True)
class ELicenceId:
    """One version of one licence, as GB/T 36904 names it."""

    number: LicenceNumber
    version: int

    @property
    def serial(self) -> str:
        n = self.number
        return f"{n.bureau_code}{n.category:02d}{n.product:03d}{n.serial:05d}"

    def __str__(self) -> str:
        type_code, issuer = licence_type_code(), bureau_uscc(self.number.bureau)
        version = f"{self.version:03d}"
        check = check_character(type_code + issuer + self.serial + version)
        return ".".join((ROOT, type_code, issuer, self.serial, version, check))


def identifier_of(number: LicenceNumber, version: int) -> ELicenceId:
    if not 1 <= version <= MAX_VERSION:
        raise ValidationError("version", f"must be 1 to {MAX_VERSION}")
    return ELicenceId(number, version)


def parse_identifier(text: str, field: str = "identifier") -> ELicenceId:
    """An identifier this service issued; ValidationError says what is wrong with any other."""
    match = _PATTERN.fullmatch(text.strip().upper()) if len(text) <= 100 else None
    if match is None:
        raise ValidationError(field, f"is not an electronic-licence identifier ({ROOT}.…)")
    type_code, issuer, serial, version, check = match.groups()
    if check_character(type_code + issuer + serial + version) != check:
        raise ValidationError(field, "its check character is wrong (ISO 7064 MOD 37,36)")
    if type_code != licence_type_code():
        raise ValidationError(field, "names another licence type than the production licence")
    try:
        number = LicenceNumber(serial[:2], int(serial[2:4]), int(serial[4:7]), int(serial[7:]))
        bureau = bureau_by_code(number.bureau_code)
        LicenceNumber.parse(number.canonical, field)
    except ValidationError:
        raise ValidationError(field, "its serial is not a licence number") from None
    if validate_uscc(issuer, field) != bureau_uscc(bureau):
        raise ValidationError(field, "its issuer is not the bureau of the licence number")
    if not 1 <= int(version) <= MAX_VERSION:
        raise ValidationError(field, "its version must be 001 or more")
    return ELicenceId(number, int(version))
