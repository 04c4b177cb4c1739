"""libsodium's Ed25519 against RFC 8032 and against OpenSSL (through cryptography)."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from hypothesis import given
from hypothesis import strategies as st

from certsvc.credential.ed25519 import VerifyingKey
from certsvc.signer.signing_key import SigningKey

pytestmark = pytest.mark.no_database

# RFC 8032, section 7.1, TEST 2 (one-byte message)
SECRET = bytes.fromhex("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb")
PUBLIC = bytes.fromhex("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c")
MESSAGE = bytes.fromhex("72")
SIGNATURE = bytes.fromhex(
    "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
    "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00")
PRIVATE = Ed25519PrivateKey.from_private_bytes(SECRET)
SIGNING = SigningKey.of(PRIVATE)


def test_rfc8032_vector() -> None:
    assert SIGNING.sign(MESSAGE) == SIGNATURE
    assert VerifyingKey(PUBLIC).verify(SIGNATURE, MESSAGE)
    assert VerifyingKey.of(PRIVATE.public_key()).raw == PUBLIC


@given(st.binary(max_size=600))
def test_same_signatures_as_openssl_and_each_verifies_the_other(message: bytes) -> None:
    signature = SIGNING.sign(message)
    assert signature == PRIVATE.sign(message)
    Ed25519PublicKey.from_public_bytes(PUBLIC).verify(signature, message)  # raises if not
    assert VerifyingKey(PUBLIC).verify(PRIVATE.sign(message), message)


@given(st.binary(min_size=1, max_size=200), st.data())
def test_any_changed_bit_fails(message: bytes, data: st.DataObject) -> None:
    signed = bytearray(SIGNING.sign(message) + message)
    bit = data.draw(st.integers(0, len(signed) * 8 - 1))
    signed[bit // 8] ^= 1 << (bit % 8)
    assert not VerifyingKey(PUBLIC).verify(bytes(signed[:64]), bytes(signed[64:]))


def test_wrong_lengths_and_small_order_keys_are_refused() -> None:
    key = VerifyingKey(PUBLIC)
    assert not key.verify(SIGNATURE[:63], MESSAGE)
    assert not key.verify(SIGNATURE + b"\0", MESSAGE)
    assert not key.verify(b"", MESSAGE)
    identity = bytes([1]) + bytes(31)  # the neutral point: "verifies" anything in weak checks
    assert not VerifyingKey(identity).verify(bytes(64), MESSAGE)
    with pytest.raises(ValueError, match="32 bytes"):
        VerifyingKey(PUBLIC[:31])


def test_the_secret_never_shows_in_repr() -> None:
    assert SECRET.hex() not in repr(SIGNING)
    assert "secret" in repr(SIGNING)
