"""Ed25519 signatures on tokens and published lists, computed by libsodium (PyNaCl).

Keys are kept, encrypted and certified with ``cryptography`` (PKCS#8, X.509); only the
per-token operations come here, because they are the hot path: on our machines libsodium
verifies about 2x and signs about 1.6x as fast as OpenSSL's Ed25519 (``bench/verify.py``
and ``bench/import_licences.py`` print both). The signatures are the same RFC 8032 bytes —
Ed25519 is deterministic — and libsodium's check is the strict one: it also refuses
non-canonical encodings and small-order keys.

    signing = SigningKey.of(private_key)          # a cryptography Ed25519PrivateKey
    VerifyingKey(raw_public).verify(signing.sign(b"m"), b"m")   # True
"""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from nacl.bindings import crypto_sign, crypto_sign_open, crypto_sign_seed_keypair
from nacl.exceptions import BadSignatureError

SIGNATURE_BYTES = 64
_RAW = (serialization.Encoding.Raw, serialization.PublicFormat.Raw)


class VerifyingKey:
    """A public key that answers one question: is this the signature of this message?"""

    __slots__ = ("raw",)

    def __init__(self, raw: bytes) -> None:
        if len(raw) != 32:
            raise ValueError("an Ed25519 public key is 32 bytes")
        self.raw = raw

    @classmethod
    def of(cls, public_key: Ed25519PublicKey) -> VerifyingKey:
        return cls(public_key.public_bytes(*_RAW))

    def verify(self, signature: bytes, message: bytes) -> bool:
        if len(signature) != SIGNATURE_BYTES:
            return False
        try:
            crypto_sign_open(signature + message, self.raw)
        except BadSignatureError:
            return False
        return True


class SigningKey:
    """A decrypted private key, held in memory only for as long as its Signer lives."""

    __slots__ = ("_secret",)

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    @classmethod
    def of(cls, private_key: Ed25519PrivateKey) -> SigningKey:
        seed = private_key.private_bytes(serialization.Encoding.Raw,
                                         serialization.PrivateFormat.Raw,
                                         serialization.NoEncryption())
        return cls(crypto_sign_seed_keypair(seed)[1])

    def sign(self, message: bytes) -> bytes:
        return crypto_sign(message, self._secret)[:SIGNATURE_BYTES]

    def __repr__(self) -> str:  # never show the secret, even in a traceback
        return "SigningKey(<secret>)"
