"""COSE_Sign1 (RFC 9052 §4.2) with EdDSA, encoded strictly.

We build and parse the envelope ourselves with cbor2 (it is four CBOR items) and leave the
signature to ``cryptography``. Parsing is strict — tag 18, protected header with exactly
``alg`` and ``kid``, an empty unprotected header, 64-byte signature, and the bytes must be
the canonical encoding of what was parsed — so no byte of a token can change without the
token failing.

    >>> env = encode_sign1(protected_header(b"12345678"), b"payload", bytes(64))
    >>> decode_sign1(env).kid
    b'12345678'
"""

from __future__ import annotations

from dataclasses import dataclass

import cbor2

from certsvc.errors import MalformedToken

COSE_SIGN1_TAG = 18
ALG_EDDSA = -8
HEADER_ALG = 1
HEADER_KID = 4
KID_LENGTH = 8
SIGNATURE_LENGTH = 64


def protected_header(kid: bytes) -> bytes:
    return cbor2.dumps({HEADER_ALG: ALG_EDDSA, HEADER_KID: kid})


_PROTECTED_PREFIX = protected_header(bytes(KID_LENGTH))[:-KID_LENGTH]  # a2 01 27 04 48


def _bstr(data: bytes) -> bytes:
    """A CBOR byte string (major type 2) in its shortest encoding."""
    n = len(data)
    if n < 24:
        head = bytes((0x40 | n,))
    elif n < 0x100:
        head = bytes((0x58, n))
    elif n < 0x10000:
        head = b"\x59" + n.to_bytes(2, "big")
    else:
        head = b"\x5a" + n.to_bytes(4, "big")
    return head + data


_SIGNATURE1 = cbor2.dumps("Signature1")


def sig_structure(protected: bytes, payload: bytes) -> bytes:
    """The bytes that are signed: ``["Signature1", protected, external_aad, payload]``.

    Built byte by byte (it is on the verifier's hot path); a test checks it against cbor2.
    """
    return b"\x84" + _SIGNATURE1 + _bstr(protected) + b"\x40" + _bstr(payload)


def encode_sign1(protected: bytes, payload: bytes, signature: bytes) -> bytes:
    """``18([protected, {}, payload, signature])`` in canonical form; a test checks it."""
    return b"\xd2\x84" + _bstr(protected) + b"\xa0" + _bstr(payload) + _bstr(signature)


@dataclass(frozen=True)
class Sign1:
    protected: bytes
    kid: bytes
    payload: bytes
    signature: bytes

    @property
    def to_be_signed(self) -> bytes:
        return sig_structure(self.protected, self.payload)


def decode_sign1(data: bytes, max_length: int = 1 << 20) -> Sign1:
    """Parse a COSE_Sign1 envelope; anything else raises MalformedToken."""
    if not isinstance(data, bytes | bytearray) or not data:
        raise MalformedToken("empty token")
    if len(data) > max_length:
        raise MalformedToken(f"token longer than {max_length} bytes")
    data = bytes(data)
    try:
        item = cbor2.loads(data)
    except Exception as exc:  # cbor2 raises several types on hostile input
        raise MalformedToken(f"not CBOR: {type(exc).__name__}") from None
    if not isinstance(item, cbor2.CBORTag) or item.tag != COSE_SIGN1_TAG:
        raise MalformedToken("not a COSE_Sign1 message (tag 18)")
    parts = item.value
    if not isinstance(parts, list | tuple) or len(parts) != 4:
        raise MalformedToken("COSE_Sign1 must have four parts")
    protected, unprotected, payload, signature = parts
    if not all(isinstance(p, bytes) for p in (protected, payload, signature)):
        raise MalformedToken("COSE_Sign1 parts have the wrong types")
    if unprotected != {}:
        raise MalformedToken("unprotected header must be empty")
    if len(signature) != SIGNATURE_LENGTH:
        raise MalformedToken("signature must be 64 bytes")
    kid = _parse_protected(protected)
    if encode_sign1(protected, payload, signature) != data:
        raise MalformedToken("token is not canonically encoded")
    return Sign1(protected, kid, payload, signature)


def _parse_protected(protected: bytes) -> bytes:
    """The only protected header we issue is ``{1: -8, 4: h'<8 bytes>'}`` in canonical form,
    so checking its fixed prefix and length is both the full check and the fast one."""
    if len(protected) != len(_PROTECTED_PREFIX) + KID_LENGTH:
        raise MalformedToken("protected header must hold exactly alg EdDSA and an 8-byte kid")
    if not protected.startswith(_PROTECTED_PREFIX):
        raise MalformedToken("protected header must hold exactly alg EdDSA and an 8-byte kid")
    return protected[len(_PROTECTED_PREFIX):]
