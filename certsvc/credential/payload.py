"""The signed licence payload: a CBOR map with small integer keys, built for QR density.

Names the public catalogue can resolve travel as codes (unit ids, the number's parts); the
enterprise name travels in GB 18030 (two bytes per common hanzi instead of UTF-8's three);
the USCC as its 17 information characters packed into 11 bytes (the check character is
recomputed). docs/credential.md has the CDDL.

    >>> claims = decode_payload(encode_payload(REFERENCE_CLAIMS_EXAMPLE))
    >>> str(claims.number)
    '浙XK06-001-00012'
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import cbor2

from certsvc.domain.bureaus import BUREAUS
from certsvc.domain.licence_number import MAX_SERIAL, LicenceNumber
from certsvc.domain.uscc import PACKED_LENGTH, pack_uscc, unpack_uscc
from certsvc.errors import MalformedToken

FORMAT_VERSION = 1
EPOCH = dt.date(1970, 1, 1)
_EPOCH_ORDINAL = EPOCH.toordinal()
NAME_ENCODING = "gb18030"
MAX_SCOPE = 32
MAX_STATUS_INDEX = (1 << 32) - 1

K_VERSION, K_NUMBER, K_NAME, K_USCC, K_SCOPE = 1, 2, 3, 4, 5
K_ISSUED, K_VALID_UNTIL, K_SIGNED_AT, K_STATUS_INDEX = 6, 7, 8, 9
_KEYS = frozenset(range(1, 10))
_BUREAU_CODES = {int(b.code): b.code for b in BUREAUS}


@dataclass(frozen=True)
class LicenceClaims:
    """What a token asserts: exactly the fields that were signed."""

    number: LicenceNumber
    enterprise_name: str
    uscc_packed: bytes  # 11 bytes; see :func:`certsvc.domain.uscc.pack_uscc`
    scope: tuple[int, ...]  # catalogue unit ids, ascending
    issued: dt.date
    valid_until: dt.date
    signed_at: dt.datetime  # UTC, whole seconds
    status_index: int

    @property
    def uscc(self) -> str:
        """Unpacked on demand: verification itself never needs the text form."""
        return unpack_uscc(self.uscc_packed)

    @classmethod
    def of(cls, number: LicenceNumber, enterprise_name: str, uscc: str, scope: tuple[int, ...],
           issued: dt.date, valid_until: dt.date, signed_at: dt.datetime,
           status_index: int) -> LicenceClaims:
        return cls(number, enterprise_name, pack_uscc(uscc), scope, issued, valid_until,
                   signed_at, status_index)


def encode_payload(claims: LicenceClaims) -> bytes:
    n = claims.number
    return cbor2.dumps(
        {
            K_VERSION: FORMAT_VERSION,
            K_NUMBER: [int(n.bureau_code), n.category, n.product, n.serial],
            K_NAME: claims.enterprise_name.encode(NAME_ENCODING),
            K_USCC: claims.uscc_packed,
            K_SCOPE: list(claims.scope),
            K_ISSUED: (claims.issued - EPOCH).days,
            K_VALID_UNTIL: (claims.valid_until - EPOCH).days,
            K_SIGNED_AT: int(claims.signed_at.timestamp()),
            K_STATUS_INDEX: claims.status_index,
        }
    )


def decode_payload(data: bytes, canonical: bool = True) -> LicenceClaims:
    """Parse and check every field; any deviation raises MalformedToken.

    ``canonical=False`` skips the re-encoding check, for payloads whose signature has already
    verified: their bytes cannot have changed, and the signer checked the encoding.
    """
    try:
        raw = cbor2.loads(data)
        claims = _claims(raw)
    except MalformedToken:
        raise
    except Exception as exc:
        raise MalformedToken(f"payload is malformed: {type(exc).__name__}") from None
    if canonical:
        try:
            claims.uscc  # noqa: B018 - raises on a value no code packs to
        except ValueError as exc:
            raise MalformedToken(f"USCC: {exc}") from None
        if encode_payload(claims) != data:
            raise MalformedToken("payload is not canonically encoded")
    return claims


def _claims(raw: Any) -> LicenceClaims:
    if not isinstance(raw, dict) or raw.keys() != _KEYS:
        raise MalformedToken("payload must hold exactly keys 1–9")
    if raw[K_VERSION] != FORMAT_VERSION:
        raise MalformedToken(f"unsupported payload format {raw[K_VERSION]!r}")
    number = raw[K_NUMBER]
    if not (isinstance(number, list | tuple) and len(number) == 4 and all(map(_uint, number))):
        raise MalformedToken("number must be [bureau, category, product, serial]")
    bureau, category, product, serial = number
    if bureau > 99 or category > 99 or product > 999 or not 1 <= serial <= MAX_SERIAL:
        raise MalformedToken("number part out of range")
    bureau_code = _BUREAU_CODES.get(bureau)
    if bureau_code is None:
        raise MalformedToken(f"unknown bureau {bureau}")
    name = raw[K_NAME]
    if not isinstance(name, bytes) or not name:
        raise MalformedToken("enterprise name must be GB 18030 bytes")
    uscc = raw[K_USCC]
    if not isinstance(uscc, bytes) or len(uscc) != PACKED_LENGTH:
        raise MalformedToken("USCC must be 11 bytes")
    scope = raw[K_SCOPE]
    if not isinstance(scope, list | tuple) or not 0 < len(scope) <= MAX_SCOPE:
        raise MalformedToken("scope must be a list of unit ids")
    if not all(map(_uint, scope)):
        raise MalformedToken("scope must be a list of unit ids")
    if list(scope) != sorted(set(scope)):
        raise MalformedToken("scope must be ascending and without repeats")
    issued, valid_until, signed_at = raw[K_ISSUED], raw[K_VALID_UNTIL], raw[K_SIGNED_AT]
    if not (_uint(issued) and _uint(valid_until) and _uint(signed_at)):
        raise MalformedToken("dates must be unsigned integers")
    index = raw[K_STATUS_INDEX]
    if not _uint(index) or index > MAX_STATUS_INDEX:
        raise MalformedToken("status index out of range")
    return LicenceClaims(
        number=LicenceNumber(bureau_code, category, product, serial),
        enterprise_name=name.decode(NAME_ENCODING, errors="strict"),
        uscc_packed=uscc,
        scope=tuple(scope),
        issued=dt.date.fromordinal(_EPOCH_ORDINAL + issued),
        valid_until=dt.date.fromordinal(_EPOCH_ORDINAL + valid_until),
        signed_at=dt.datetime.fromtimestamp(signed_at, dt.UTC),
        status_index=index,
    )


def _uint(value: Any) -> bool:
    return type(value) is int and 0 <= value < 1 << 40


REFERENCE_CLAIMS_EXAMPLE = LicenceClaims.of(
    number=LicenceNumber("33", 6, 1, 12),
    enterprise_name="浙江杭州市西湖区华光电线电缆制造有限公司",
    uscc="91330106MA2H7K3LXA",
    scope=(4, 5, 6),
    issued=dt.date(2026, 3, 15),
    valid_until=dt.date(2031, 3, 14),
    signed_at=dt.datetime(2026, 3, 15, 2, 0, tzinfo=dt.UTC),
    status_index=1_234_567,
)
