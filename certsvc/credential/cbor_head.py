"""CBOR item heads (RFC 8949 §3.1) in their shortest form, written and read by hand.

The COSE envelope and the licence payload have fixed layouts on the verifier's and the
importer's hot paths, so :mod:`~certsvc.credential.cose` and
:mod:`~certsvc.credential.payload` build and parse them directly instead of through cbor2.
What varies in both is a head's argument — an integer, or a length — and its rules are
here, once: read by :func:`argument`, or matched by ``UINT_PATTERN``. Property tests check
both layouts against cbor2.

    >>> head(0x40, 40), argument(b"\\x58\\x28", 0, 24)
    (b'X(', (40, 2))
"""

from __future__ import annotations

from certsvc.errors import MalformedToken

MAX_ARGUMENT = 1 << 40  # beyond any field or length a licence token can hold
_MINIMUM = (24, 1 << 8, 1 << 16, 1 << 32)  # the shortest form of each width (info 24–27)
# The same rule for an unsigned integer, as a pattern on bytes, for a run of integers matched
# in one call: shortest form, below MAX_ARGUMENT. Exactly one of its five groups takes part
# in a match: the bytes that, read big-endian, are the value — the head byte itself for
# 0–23, else the 1, 2, 4 or 8 bytes after head 24, 25, 26 or 27, beyond _MINIMUM's bound.
UINT_PATTERN = (rb"(?:([\x00-\x17])|\x18([\x18-\xff])|\x19([\x01-\xff].)"
                rb"|\x1a([\x01-\xff]...|\x00[\x01-\xff]..)|\x1b(\x00\x00\x00[\x01-\xff]....))")


def head(major: int, value: int) -> bytes:
    """The head of an item (``major``: the type in the top 3 bits) with ``value`` as its
    argument in the shortest form."""
    if value < 24:
        return bytes((major | value,))
    if value < 1 << 8:
        return bytes((major | 24, value))
    if value < 1 << 16:
        return bytes((major | 25,)) + value.to_bytes(2, "big")
    if value < 1 << 32:
        return bytes((major | 26,)) + value.to_bytes(4, "big")
    return bytes((major | 27,)) + value.to_bytes(8, "big")


def length(data: bytes, position: int) -> tuple[int, int]:
    """The argument of the head at ``position`` (a string's or an array's length), and where
    the head ends."""
    info = data[position] & 0x1F
    if info < 24:
        return info, position + 1
    return argument(data, position, info)


def argument(data: bytes, position: int, info: int) -> tuple[int, int]:
    """The argument that follows a head byte with additional information ``info`` (24–27),
    and where it ends; anything else, or a longer form than needed, is MalformedToken."""
    if info > 27:
        raise MalformedToken("expected an unsigned integer or a definite length")
    end = position + 1 + (1 << (info - 24))
    if end > len(data):
        raise MalformedToken("CBOR item cut short")
    # one byte is read without a slice
    value = data[position + 1] if info == 24 else int.from_bytes(data[position + 1:end])
    if value < _MINIMUM[info - 24] or value >= MAX_ARGUMENT:
        raise MalformedToken("integer or length not in its shortest form, or too large")
    return value, end
