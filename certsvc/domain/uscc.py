"""Unified Social Credit Codes (统一社会信用代码, GB 32100-2015).

18 characters from a 31-character alphabet (no I, O, S, V, Z); the last is a check
character: ``31 - (Σ value(cᵢ)·3^(i-1) mod 31) mod 31``.

    >>> validate_uscc("91330106MA2H7K3LXA")
    '91330106MA2H7K3LXA'
"""

from __future__ import annotations

from operator import mul

from certsvc.domain.text import normalise
from certsvc.errors import ValidationError

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
_WEIGHTS = [pow(3, i, 31) for i in range(17)]
LENGTH = 18
PACKED_LENGTH = 11  # 31**17 < 2**88


def check_character(body: str) -> str:
    """The check character for the first 17 characters."""
    total = sum(_VALUE[c] * w for c, w in zip(body, _WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def validate_uscc(text: str, field: str = "enterprise.uscc") -> str:
    """Return the canonical code or raise a ValidationError that says what is wrong."""
    if not isinstance(text, str):
        raise ValidationError(field, "must be a string")
    code = normalise(text).upper()
    if len(code) != LENGTH:
        raise ValidationError(field, f"must be {LENGTH} characters, got {len(code)}")
    for position, char in enumerate(code, start=1):
        if char not in _VALUE:
            raise ValidationError(
                field, f"character {position} {char!r} is not allowed (I, O, S, V, Z never occur)"
            )
    for position in range(3, 9):
        if code[position - 1] not in "0123456789":
            raise ValidationError(
                field, f"characters 3–8 are the GB/T 2260 region code; {position} is not a digit"
            )
    expected = check_character(code[:17])
    if code[17] != expected:
        raise ValidationError(
            field, f"check character is {code[17]!r} but the code implies {expected!r}"
        )
    return code


def pack_uscc(code: str) -> bytes:
    """The 17 information characters as a base-31 number in 11 bytes (the check is implied)."""
    value = 0
    for char in code[:17]:
        value = value * 31 + _VALUE[char]
    return value.to_bytes(PACKED_LENGTH, "big")


_LIMIT = 31**17
_REGION_BELOW = 31**9  # characters 3–8 (the region code) are digits 14..9 of base 31
_REGION_SPAN = 31**6


def packs_a_code(data: bytes) -> bool:
    """Whether :func:`unpack_uscc` would give a code: 11 bytes, below 31**17, and characters
    3–8 digits. The verifier asks this of every token (a fifth of unpacking's cost), and
    :func:`unpack_uscc` asks it too, so the rule is written once."""
    if len(data) != PACKED_LENGTH:
        return False
    value = int.from_bytes(data, "big")
    if value >= _LIMIT:
        return False
    region = value // _REGION_BELOW % _REGION_SPAN
    for _ in range(6):
        region, digit = divmod(region, 31)
        if digit > 9:
            return False
    return True


def unpack_uscc(data: bytes) -> str:
    """Inverse of :func:`pack_uscc`; the check character is recomputed, so it is always valid.

    Works on digit values throughout instead of re-validating the text it builds.
    """
    if not packs_a_code(data):
        raise ValueError("packed USCC is not a code (11 bytes below 31**17, with a region)")
    value = int.from_bytes(data, "big")
    digits = [0] * 17
    for position in range(16, -1, -1):
        value, digits[position] = divmod(value, 31)
    total = sum(map(mul, digits, _WEIGHTS))
    return "".join(map(ALPHABET.__getitem__, digits)) + ALPHABET[-total % 31]
