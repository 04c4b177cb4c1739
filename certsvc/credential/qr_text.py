"""QR text: an https URL of the public verification page that carries the whole token.

``https://HOST/V/<digits>``: the scheme is lower case, because some phone cameras (Pixel
Camera, some Samsung models) treat an upper-case ``HTTPS://`` as text rather than a link; the
rest of the prefix is upper case so that it fits the QR alphanumeric mode (5.5 bits a
character), and the token follows as one decimal number, zero-padded to a length fixed by
the token's byte length, in numeric mode (3.33 bits a digit, 8.03 bits a byte — within
0.4 % of binary). The encoder puts ``https://`` in a byte segment, the host and ``/V/`` in
an alphanumeric one and the digits in a numeric one; the reference licence still fits
version 12 at level Q (a test pins it). Hosts are case-insensitive, and the site serves both
``/V/`` and ``/v/``.

The digits leave out the two bytes every COSE_Sign1 starts with (``0xd2 0x84``: tag 18, an
array of four), which the parser puts back: that keeps an SM2-signed reference licence, whose
private-use ``alg`` costs four bytes more than EdDSA's, at version 12 too. A token's own first
byte is always ``0xd2`` and a shortened one's never is (it starts with the protected header's
byte-string head), so QR codes printed before the change read as they always did.

One parser, :func:`token_from_text`, serves every door (the CLI, ``POST /api/v1/verify`` and
the landing page, which hands it its own path), so all accept the same forms: the URL in
either case, with or without a trailing slash, a query or a fragment (a browser keeps the
query for the page's language and never sends the fragment); the path alone; the digits
alone; or the token in base64url.

    >>> digits = token_to_digits(b"\\xd2\\x84\\x4d")
    >>> digits, digits_to_token(digits)
    ('077', b'\\xd2\\x84M')
"""

from __future__ import annotations

import base64
import binascii
import re
from functools import cache

from certsvc.errors import MalformedToken

MAX_TOKEN_BYTES = 1024
COSE_SIGN1_HEAD = b"\xd2\x84"  # tag 18, array(4): left out of the digits, put back on reading
PATH_PREFIX = "/V/"
# What may come before the digits' slash; matched on its own so that the regex does not step
# through the 400-odd digits, which are checked as bytes at a quarter of the cost.
_URL_HEAD = re.compile(r"(?:HTTPS?://[^/\s]{1,253})?/?V", re.IGNORECASE)
_BASE64URL = re.compile(r"^[A-Za-z0-9_-]+={0,2}$")


@cache
def _digit_lengths() -> dict[int, tuple[int, int]]:
    """Digits needed for L bytes (the length of 256**L - 1) → (L, 256**L); injective in L."""
    return {
        len(str(256**length - 1)): (length, 256**length)
        for length in range(1, MAX_TOKEN_BYTES + 1)
    }


def digits_for(length: int) -> int:
    return len(str(256**length - 1))


def token_to_digits(token: bytes) -> str:
    if not 0 < len(token) <= MAX_TOKEN_BYTES:
        raise MalformedToken(f"token must be 1–{MAX_TOKEN_BYTES} bytes")
    body = token.removeprefix(COSE_SIGN1_HEAD)
    if not body or body.startswith(COSE_SIGN1_HEAD[:1]):  # kept whole, to read back as it is
        body = token
    return str(int.from_bytes(body, "big")).zfill(digits_for(len(body)))


def _ascii_digits(text: str) -> bool:
    """int() would also take other scripts' digits and "_"; the bytes check is ASCII-only and
    8x as fast as str.isdigit, which consults the Unicode tables (this is the hot path)."""
    return text.isascii() and text.encode().isdigit()


def digits_to_token(digits: str) -> bytes:
    if not _ascii_digits(digits):
        raise MalformedToken("the QR must carry the token as decimal digits")
    return _token_of(digits)


def _token_of(digits: str) -> bytes:
    """The token that ``digits`` (ASCII digits, checked by the caller) encodes."""
    found = _digit_lengths().get(len(digits))
    if found is None:
        raise MalformedToken("the number in the QR has an impossible length")
    length, limit = found
    value = int(digits)
    if value >= limit:
        raise MalformedToken("the number in the QR is out of range")
    return _with_head(value.to_bytes(length, "big"))


def _with_head(data: bytes) -> bytes:
    """The whole token: ``data`` itself if it starts as a COSE_Sign1 does (a QR printed before
    the head was left out), else ``data`` with the head put back."""
    return data if data.startswith(COSE_SIGN1_HEAD[:1]) else COSE_SIGN1_HEAD + data


def qr_text(public_url: str, token: bytes) -> str:
    """The QR content for ``token`` on the site at ``public_url`` (scheme and host only)."""
    scheme, separator, host = public_url.rstrip("/").partition("://")
    return scheme.lower() + separator + host.upper() + PATH_PREFIX + token_to_digits(token)


def token_from_text(text: str) -> bytes:
    """Token bytes from what a user or scanner gives us: the QR URL, its digits, or base64url."""
    if not isinstance(text, str):
        raise MalformedToken("expected text")
    text = text.strip()
    if len(text) > 4 * MAX_TOKEN_BYTES:
        raise MalformedToken("text too long to be a licence QR")
    url = text.partition("#")[0].partition("?")[0] if "/" in text else text
    head, slash, digits = url.removesuffix("/").rpartition("/")
    if slash and _ascii_digits(digits) and _URL_HEAD.fullmatch(head):
        return _token_of(digits)
    if _ascii_digits(text):
        return _token_of(text)
    if _BASE64URL.match(text):
        try:
            return _with_head(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        except (binascii.Error, ValueError):
            pass
    raise MalformedToken("not a certsvc licence QR text or token")

