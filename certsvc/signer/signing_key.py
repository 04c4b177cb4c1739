"""A decrypted Ed25519 key that signs through libsodium (PyNaCl).

The keystore decrypts keys with ``cryptography`` (encrypted PKCS#8); signing itself goes to
libsodium, which on our machines signs about 1.6x as fast as OpenSSL
(``bench/import_licences.py`` prints both). Ed25519 is deterministic, so the signature
bytes are the same whichever library computes them (``tests/test_ed25519.py``).
"""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from nacl.bindings import crypto_sign, crypto_sign_seed_keypair

from certsvc.credential.ed25519 import SIGNATURE_BYTES


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
