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
import re
from typing import NamedTuple

from certsvc.credential.cbor_head import UINT_PATTERN, argument, head
from certsvc.credential.cbor_head import length as cbor_length
from certsvc.domain.bureaus import BUREAUS
from certsvc.domain.licence import FIRST_ISSUE_DATE
from certsvc.domain.licence_number import MAX_SERIAL, LicenceNumber
from certsvc.domain.uscc import PACKED_LENGTH, pack_uscc, unpack_uscc
from certsvc.errors import MalformedToken

FORMAT_VERSION = 1
_EPOCH_ORDINAL = FIRST_ISSUE_DATE.toordinal()  # dates travel as days since then
_LAST_DAY = dt.date.max.toordinal() - _EPOCH_ORDINAL  # the claims' dates stay displayable
_LAST_SECOND = int(dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=dt.UTC).timestamp())
NAME_ENCODING = "gb18030"
MAX_SCOPE = 32
MAX_STATUS_INDEX = (1 << 32) - 1

K_VERSION, K_NUMBER, K_NAME, K_USCC, K_SCOPE = 1, 2, 3, 4, 5
K_ISSUED, K_VALID_UNTIL, K_SIGNED_AT, K_STATUS_INDEX = 6, 7, 8, 9
_BUREAU_CODES = {int(b.code): b.code for b in BUREAUS}
# map(9), key 1, format 1, key 2, array(4): the fixed bytes before the number's parts
_START = bytes((0xA9, K_VERSION, FORMAT_VERSION, K_NUMBER, 0x84))
_USCC_HEAD = bytes((K_USCC, 0x40 | PACKED_LENGTH))
_LAST_KEYS = (K_ISSUED, K_VALID_UNTIL, K_SIGNED_AT, K_STATUS_INDEX)
# Fields 6–9, the four integers that close the map, to the payload's end.
_LAST_FIELDS = re.compile(b"".join(bytes((key,)) + UINT_PATTERN for key in _LAST_KEYS),
                          re.DOTALL)


class LicenceClaims(NamedTuple):
    """What a token asserts: exactly the fields that were signed, as they were signed.

    The number stays its parts, dates stay day ordinals and the signing time Unix seconds:
    the verifier only compares them, so it compares integers, and the objects are made for
    whoever shows them (the properties below): that is a quarter of the cost of a decoded
    payload. A tuple rather than a frozen dataclass because every verification makes one.
    """

    bureau_code: str
    category: int
    product: int
    serial: int
    enterprise_name: str
    uscc_packed: bytes  # 11 bytes; see :func:`certsvc.domain.uscc.pack_uscc`
    scope: tuple[int, ...]  # catalogue unit ids, ascending
    issued_ordinal: int  # as dt.date.toordinal()
    valid_until_ordinal: int
    signed_at_epoch: int  # Unix seconds
    status_index: int

    @property
    def number(self) -> LicenceNumber:
        return LicenceNumber(self.bureau_code, self.category, self.product, self.serial)

    @property
    def issued(self) -> dt.date:
        return dt.date.fromordinal(self.issued_ordinal)

    @property
    def valid_until(self) -> dt.date:
        return dt.date.fromordinal(self.valid_until_ordinal)

    @property
    def signed_at(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.signed_at_epoch, dt.UTC)

    @property
    def uscc(self) -> str:
        """Unpacked on demand: verification itself never needs the text form."""
        return unpack_uscc(self.uscc_packed)

    @classmethod
    def of(cls, number: LicenceNumber, enterprise_name: str, uscc: str, scope: tuple[int, ...],
           issued: dt.date, valid_until: dt.date, signed_at: dt.datetime,
           status_index: int) -> LicenceClaims:
        return cls(number.bureau_code, number.category, number.product, number.serial,
                   enterprise_name, pack_uscc(uscc), scope, issued.toordinal(),
                   valid_until.toordinal(), int(signed_at.timestamp()), status_index)


def encode_payload(claims: LicenceClaims) -> bytes:
    """The one byte layout :func:`decode_payload` accepts: the canonical CBOR of the map
    (keys 1–9 in order, shortest forms), written directly. It is what ``cbor2.dumps`` of
    the same map gives (a property test checks), at a fifth of the cost: a batch import
    encodes 100,000 of these."""
    name = claims.enterprise_name.encode(NAME_ENCODING)
    return b"".join((
        _START, _int(int(claims.bureau_code)), _int(claims.category), _int(claims.product),
        _int(claims.serial),
        b"\x03", head(0x40, len(name)), name,
        b"\x04", head(0x40, len(claims.uscc_packed)), claims.uscc_packed,
        b"\x05", head(0x80, len(claims.scope)), *map(_int, claims.scope),
        b"\x06", _int(claims.issued_ordinal - _EPOCH_ORDINAL),
        b"\x07", _int(claims.valid_until_ordinal - _EPOCH_ORDINAL),
        b"\x08", _int(claims.signed_at_epoch),
        b"\x09", _int(claims.status_index),
    ))


def _int(value: int) -> bytes:
    return head(0x00, value)


def decode_payload(data: bytes, check_uscc: bool = True) -> LicenceClaims:
    """Parse and check every field; any deviation raises MalformedToken.

    The parser accepts exactly the bytes :func:`encode_payload` writes — keys 1–9 in order,
    every integer and length in its shortest form, nothing after — so each accepted payload
    has one encoding and no re-encoding check is needed (property tests compare it with a
    cbor2-based reference). ``check_uscc=False`` skips unpacking the USCC, for payloads whose
    signature has verified: the signer checked it, and verification never needs its text.
    """
    if not isinstance(data, bytes):
        raise MalformedToken("payload must be bytes")
    try:
        claims = _parse(data)
        if check_uscc:
            claims.uscc  # noqa: B018 - raises on a value no code packs to
    except MalformedToken:
        raise
    except IndexError:
        raise MalformedToken("payload cut short") from None
    except ValueError as exc:  # bad GB 18030, or a USCC that no code packs to
        raise MalformedToken(f"payload is malformed: {type(exc).__name__}") from None
    return claims


def _parse(data: bytes) -> LicenceClaims:
    """Field after field in straight-line code: the layout is fixed, and this runs on every
    verification. Fixed bytes are compared as bytes; only integers and the name's length
    vary. The four integers that close the map are matched and captured by one regular
    expression: read one by one they took a third of the time. (A loop with a branch per
    key took twice as long, a helper per key 1.5 times; expressions for the whole layout,
    with a pattern per scope length, saved nothing more.)"""
    if not data.startswith(_START):
        if data[:2] == _START[:2] and data[2:3] != _START[2:3]:
            raise MalformedToken("unsupported payload format")
        raise MalformedToken("payload must be a map of keys 1–9, starting with format 1 and "
                             "the number's four parts")
    bureau, p = _uint(data, len(_START))
    category, p = _uint(data, p)
    product, p = _uint(data, p)
    serial, p = _uint(data, p)
    if data[p] != K_NAME or data[p + 1] >> 5 != 2:
        raise MalformedToken(f"field {K_NAME} must be a byte string")
    length, p = cbor_length(data, p + 1)
    name, p = data[p:p + length], p + length
    if data[p:p + 2] != _USCC_HEAD:
        raise MalformedToken(f"field {K_USCC} must be the {PACKED_LENGTH}-byte USCC")
    uscc, p = data[p + 2:p + 2 + PACKED_LENGTH], p + 2 + PACKED_LENGTH
    if data[p] != K_SCOPE or data[p + 1] >> 5 != 4:
        raise MalformedToken(f"field {K_SCOPE} must be an array")
    count, p = cbor_length(data, p + 1)
    if not 0 < count <= MAX_SCOPE:
        raise MalformedToken(f"scope must hold 1–{MAX_SCOPE} unit ids")
    scope = []
    previous = -1
    for _ in range(count):
        unit, p = _uint(data, p)
        if unit <= previous:
            raise MalformedToken("scope must be unit ids, ascending and without repeats")
        scope.append(previous := unit)
    last = _LAST_FIELDS.fullmatch(data, p)
    if last is None:
        raise MalformedToken("the payload must end with fields 6–9, integers in their "
                             "shortest form")
    issued, valid_until, signed_at, index = map(int.from_bytes, filter(None, last.groups()))
    if bureau > 99 or category > 99 or product > 999 or not 1 <= serial <= MAX_SERIAL:
        raise MalformedToken("number part out of range")
    bureau_code = _BUREAU_CODES.get(bureau)
    if bureau_code is None:
        raise MalformedToken(f"unknown bureau {bureau}")
    if not name:
        raise MalformedToken("enterprise name must be GB 18030 bytes")
    if index > MAX_STATUS_INDEX:
        raise MalformedToken("status index out of range")
    if issued > _LAST_DAY or valid_until > _LAST_DAY or signed_at > _LAST_SECOND:
        raise MalformedToken("a date beyond the year 9999")
    return LicenceClaims(
        bureau_code, category, product, serial,
        name.decode(NAME_ENCODING, errors="strict"),
        uscc,
        tuple(scope),
        _EPOCH_ORDINAL + issued,
        _EPOCH_ORDINAL + valid_until,
        signed_at,
        index,
    )


def _uint(data: bytes, position: int) -> tuple[int, int]:
    """The unsigned integer at ``position`` (shortest form only), and where it ends."""
    first = data[position]
    if first < 24:  # the common case, answered here: a small unsigned integer
        return first, position + 1
    return argument(data, position, first)  # major type 0: the byte is its own info


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
