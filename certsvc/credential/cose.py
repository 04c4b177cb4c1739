"""COSE_Sign1 (RFC 9052 §4.2) with EdDSA or SM2, encoded strictly.

The envelope we issue is four CBOR items of fixed shape, so we build and parse its bytes
directly (it is on every verifier's hot path); the key's own algorithm
(:mod:`certsvc.credential.algorithms`) checks the signature.
Parsing accepts exactly one byte layout per algorithm — tag 18, a four-part array, the
protected header with only ``alg`` (EdDSA -8, or SM2's private-use -65537) and an 8-byte
``kid``, an empty unprotected header, the payload, a 64-byte signature (Ed25519, or SM2's
``r ‖ s``), every length in its shortest form and nothing after — so no byte of a token can
change without the token failing. All of it but the kid, the payload and the signature is
fixed bytes, compared as such. Property tests check both directions against cbor2.

    >>> env = encode_sign1(protected_header(b"12345678"), b"payload", bytes(64))
    >>> decode_sign1(env).kid
    b'12345678'
"""

from __future__ import annotations

from typing import NamedTuple

import cbor2

from certsvc.credential.cbor_head import head, length
from certsvc.errors import MalformedToken

COSE_SIGN1_TAG = 18
ALG_EDDSA = -8
ALG_SM2 = -65537  # private use (RFC 9052 §11.1); see certsvc.credential.algorithms
HEADER_ALG = 1
HEADER_KID = 4
KID_LENGTH = 8
SIGNATURE_LENGTH = 64


def _protected_prefix(alg: int) -> bytes:
    """``{1: alg, 4: h'…'}`` up to the kid's bytes: map(2), 1, alg, 4, bstr(8). A test checks
    it against cbor2's encoding of the same map."""
    return b"\xa2" + head(0, HEADER_ALG) + head(0x20, -1 - alg) + head(0, HEADER_KID) + bytes(
        (0x40 | KID_LENGTH,))


_PROTECTED_PREFIXES = {alg: _protected_prefix(alg) for alg in (ALG_EDDSA, ALG_SM2)}


def protected_header(kid: bytes, alg: int = ALG_EDDSA) -> bytes:
    """The protected header we issue: ``alg`` and an 8-byte kid, canonically encoded."""
    if len(kid) != KID_LENGTH:
        raise ValueError(f"kid must be {KID_LENGTH} bytes")
    if alg not in _PROTECTED_PREFIXES:
        raise ValueError(f"unsupported COSE algorithm {alg}")
    return _PROTECTED_PREFIXES[alg] + kid


def _bstr_head(size: int) -> bytes:
    return head(0x40, size)


def _bstr(data: bytes) -> bytes:
    """A CBOR byte string (major type 2) in its shortest encoding."""
    return _bstr_head(len(data)) + data


_SIGNATURE1 = cbor2.dumps("Signature1")


def sig_structure(protected: bytes, payload: bytes) -> bytes:
    """The bytes that are signed: ``["Signature1", protected, external_aad, payload]``.

    Built byte by byte (it is on the verifier's hot path); a test checks it against cbor2.
    """
    return b"\x84" + _SIGNATURE1 + _bstr(protected) + b"\x40" + _bstr(payload)


def encode_sign1(protected: bytes, payload: bytes, signature: bytes) -> bytes:
    """``18([protected, {}, payload, signature])`` in canonical form; a test checks it."""
    return b"\xd2\x84" + _bstr(protected) + b"\xa0" + _bstr(payload) + _bstr(signature)


class Sign1(NamedTuple):
    """The parts of an envelope (a tuple: made on every verification, at a third of the
    cost of a frozen dataclass), and the Sig_structure its signature covers."""

    protected: bytes
    kid: bytes
    payload: bytes
    signature: bytes
    to_be_signed: bytes
    alg: int = ALG_EDDSA


# Everything before the payload is fixed but the kid's bytes: tag 18, array(4), the protected
# header as a byte string, then after the kid the empty unprotected map. One such head per
# algorithm, with where the kid ends and where the protected header starts in it; EdDSA's
# is tried first, as nearly every token uses it.
class _Head(NamedTuple):
    alg: int
    head: bytes
    kid_end: int
    protected_start: int


def _envelope_head_of(alg: int) -> _Head:
    prefix = _PROTECTED_PREFIXES[alg]
    envelope_head = b"\xd2\x84" + _bstr_head(len(prefix) + KID_LENGTH) + prefix
    return _Head(alg, envelope_head, len(envelope_head) + KID_LENGTH,
                 len(envelope_head) - len(prefix))


_EDDSA_HEAD = _envelope_head_of(ALG_EDDSA)
_OTHER_HEADS = tuple(_envelope_head_of(alg) for alg in _PROTECTED_PREFIXES if alg != ALG_EDDSA)
_SIGNATURE_HEAD = bytes((0x58, SIGNATURE_LENGTH))
_TBS_START = b"\x84" + _SIGNATURE1  # array(4), "Signature1"


def decode_sign1(data: bytes, max_length: int = 1 << 20) -> Sign1:
    """Parse a COSE_Sign1 envelope; anything else raises MalformedToken."""
    if not isinstance(data, bytes | bytearray) or not data:
        raise MalformedToken("empty token")
    if len(data) > max_length:
        raise MalformedToken(f"token longer than {max_length} bytes")
    data = bytes(data)
    found = _EDDSA_HEAD if data.startswith(_EDDSA_HEAD.head) else _other_head(data)
    kid_end = found.kid_end
    if data[kid_end:kid_end + 1] != b"\xa0":
        raise MalformedToken("unprotected header must be empty")
    payload, position = _read_bstr(data, kid_end + 1, "payload")
    if data[position:position + 2] != _SIGNATURE_HEAD:
        raise MalformedToken("signature must be 64 bytes")
    if len(data) != position + 2 + SIGNATURE_LENGTH:
        raise MalformedToken("signature cut short, or bytes after the COSE_Sign1 message")
    # The Sig_structure holds the protected header and the payload as the same byte strings,
    # heads included, that the envelope holds: they are copied, not encoded again.
    to_be_signed = _TBS_START + data[2:kid_end] + b"\x40" + data[kid_end + 1:position]
    return Sign1(data[found.protected_start:kid_end], data[len(found.head):kid_end], payload,
                 data[position + 2:], to_be_signed, found.alg)


def _other_head(data: bytes) -> _Head:
    """The fixed head of another algorithm than EdDSA that ``data`` starts with, if any."""
    for found in _OTHER_HEADS:
        if data.startswith(found.head):
            return found
    if not data.startswith(b"\xd2\x84"):
        raise MalformedToken("not a COSE_Sign1 message (tag 18 with four parts)")
    raise MalformedToken("protected header must hold exactly alg (EdDSA or SM2) and an 8-byte kid")


def _read_bstr(data: bytes, position: int, part: str) -> tuple[bytes, int]:
    """The byte string at ``position`` (length in its shortest form) and where it ends."""
    if position >= len(data):
        raise MalformedToken(f"{part} missing")
    if data[position] >> 5 != 2:
        raise MalformedToken(f"{part} must be a byte string")
    size, start = length(data, position)
    end = start + size
    if end > len(data):
        raise MalformedToken(f"{part} cut short")
    return data[start:end], end
