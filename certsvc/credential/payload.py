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

from certsvc.domain.bureaus import BUREAUS
from certsvc.domain.licence import FIRST_ISSUE_DATE
from certsvc.domain.licence_number import MAX_SERIAL, LicenceNumber
from certsvc.domain.uscc import PACKED_LENGTH, pack_uscc, unpack_uscc
from certsvc.errors import MalformedToken

FORMAT_VERSION = 1
_EPOCH_ORDINAL = FIRST_ISSUE_DATE.toordinal()  # dates travel as days since then
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
    """The one byte layout :func:`decode_payload` accepts: the canonical CBOR of the map
    (keys 1–9 in order, shortest forms), written directly. It is what ``cbor2.dumps`` of
    the same map gives (a property test checks), at a fifth of the cost: a batch import
    encodes 100,000 of these."""
    n = claims.number
    name = claims.enterprise_name.encode(NAME_ENCODING)
    return b"".join((
        b"\xa9\x01", _int(FORMAT_VERSION), b"\x02\x84", _int(int(n.bureau_code)), _int(n.category),
        _int(n.product), _int(n.serial),
        b"\x03", _item(0x40, len(name)), name,
        b"\x04", _item(0x40, len(claims.uscc_packed)), claims.uscc_packed,
        b"\x05", _item(0x80, len(claims.scope)), *map(_int, claims.scope),
        b"\x06", _int(claims.issued.toordinal() - _EPOCH_ORDINAL),
        b"\x07", _int(claims.valid_until.toordinal() - _EPOCH_ORDINAL),
        b"\x08", _int(int(claims.signed_at.timestamp())),
        b"\x09", _int(claims.status_index),
    ))


def _int(value: int) -> bytes:
    return _item(0x00, value)


def _item(major: int, value: int) -> bytes:
    """A CBOR item head (major type in the top 3 bits) with its argument in shortest form."""
    if value < 24:
        return bytes((major | value,))
    if value < 1 << 8:
        return bytes((major | 24, value))
    if value < 1 << 16:
        return bytes((major | 25,)) + value.to_bytes(2, "big")
    if value < 1 << 32:
        return bytes((major | 26,)) + value.to_bytes(4, "big")
    return bytes((major | 27,)) + value.to_bytes(8, "big")


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
    # cut short; bad GB 18030; a date or time out of range
    except (IndexError, ValueError, OverflowError, OSError) as exc:
        raise MalformedToken(f"payload is malformed: {type(exc).__name__}") from None
    return claims


def _parse(data: bytes) -> LicenceClaims:
    """Field after field in straight-line code: the layout is fixed, and this runs on every
    verification (a loop with a branch per key took twice as long)."""
    if data[0] != 0xA9:
        raise MalformedToken("payload must be a map of exactly keys 1–9")
    version, p = _uint(data, _key(data, 1, K_VERSION))
    if version != FORMAT_VERSION:
        raise MalformedToken(f"unsupported payload format {version!r}")
    p = _key(data, p, K_NUMBER)
    if data[p] != 0x84:
        raise MalformedToken("number must be [bureau, category, product, serial]")
    bureau, p = _uint(data, p + 1)
    category, p = _uint(data, p)
    product, p = _uint(data, p)
    serial, p = _uint(data, p)
    name, p = _bytes(data, _key(data, p, K_NAME))
    uscc, p = _bytes(data, _key(data, p, K_USCC))
    p = _key(data, p, K_SCOPE)
    if data[p] >> 5 != 4:
        raise MalformedToken(f"field {K_SCOPE} must be an array")
    count, p = _head(data, p)
    scope = []
    for _ in range(count):
        unit, p = _uint(data, p)
        scope.append(unit)
    issued, p = _uint(data, _key(data, p, K_ISSUED))
    valid_until, p = _uint(data, _key(data, p, K_VALID_UNTIL))
    signed_at, p = _uint(data, _key(data, p, K_SIGNED_AT))
    index, p = _uint(data, _key(data, p, K_STATUS_INDEX))
    if p != len(data):
        raise MalformedToken("bytes after the payload")
    if bureau > 99 or category > 99 or product > 999 or not 1 <= serial <= MAX_SERIAL:
        raise MalformedToken("number part out of range")
    bureau_code = _BUREAU_CODES.get(bureau)
    if bureau_code is None:
        raise MalformedToken(f"unknown bureau {bureau}")
    if not name:
        raise MalformedToken("enterprise name must be GB 18030 bytes")
    if len(uscc) != PACKED_LENGTH:
        raise MalformedToken("USCC must be 11 bytes")
    if not 0 < len(scope) <= MAX_SCOPE or scope != sorted(set(scope)):
        raise MalformedToken("scope must be 1–32 unit ids, ascending and without repeats")
    if index > MAX_STATUS_INDEX:
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


_MINIMUM = (24, 1 << 8, 1 << 16, 1 << 32)  # shortest form of each width (info 24–27)
_MAX_UINT = 1 << 40


def _key(data: bytes, position: int, key: int) -> int:
    """Where the value of ``key`` starts, if ``key`` is at ``position`` (keys come in order)."""
    if data[position] != key:
        raise MalformedToken("payload must hold exactly keys 1–9, in order")
    return position + 1


def _head(data: bytes, position: int) -> tuple[int, int]:
    """The argument of the CBOR item head at ``position`` (shortest form only), and the end."""
    info = data[position] & 0x1F
    if info < 24:
        return info, position + 1
    if info > 27:
        raise MalformedToken("indefinite or reserved CBOR length")
    end = position + 1 + (1 << (info - 24))
    if end > len(data):
        raise MalformedToken("payload cut short")
    value = int.from_bytes(data[position + 1:end], "big")
    if value < _MINIMUM[info - 24] or value >= _MAX_UINT:
        raise MalformedToken("integer or length not in its shortest form, or too large")
    return value, end


def _uint(data: bytes, position: int) -> tuple[int, int]:
    head = data[position]
    if head < 24:  # the common case, answered here: a small unsigned integer
        return head, position + 1
    if head > 27:
        raise MalformedToken("expected an unsigned integer")
    return _head(data, position)


def _bytes(data: bytes, position: int) -> tuple[bytes, int]:
    if data[position] >> 5 != 2:
        raise MalformedToken("expected a byte string")
    length, start = _head(data, position)
    end = start + length
    if end > len(data):
        raise MalformedToken("payload cut short")
    return data[start:end], end


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
