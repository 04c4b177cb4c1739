"""A bureau's or the root's private key, whichever algorithm it uses, as the signer needs it.

Both kinds are kept in ``keys/`` as encrypted PKCS#8 PEM (mode 0600) and decrypted only
into a :class:`PrivateKey`, which signs COSE messages (``sign``: Ed25519's 64 bytes, or
SM2's ``r ‖ s``) and certificates (``certificate_signature``: what X.509 holds).

    key = generate(Algorithm.SM2)
    pem = key.encrypted_pem(passphrase)
    load(Algorithm.SM2, pem, passphrase).sign(b"…")
"""

from __future__ import annotations

from typing import Protocol

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from certsvc.credential.algorithms import Algorithm
from certsvc.credential.sm2 import SM2SigningKey
from certsvc.signer.signing_key import SigningKey


class PrivateKey(Protocol):
    @property
    def algorithm(self) -> Algorithm: ...

    @property
    def public_raw(self) -> bytes: ...

    def sign(self, message: bytes) -> bytes: ...

    def certificate_signature(self, tbs: bytes) -> bytes: ...

    def encrypted_pem(self, passphrase: bytes) -> bytes: ...


class Ed25519Key:
    """Ed25519: decrypted by ``cryptography``, signing through libsodium (the fast path)."""

    algorithm = Algorithm.ED25519
    __slots__ = ("_fast", "_key")

    def __init__(self, key: Ed25519PrivateKey) -> None:
        self._key = key
        self._fast = SigningKey.of(key)

    @property
    def public_raw(self) -> bytes:
        return self._key.public_key().public_bytes(serialization.Encoding.Raw,
                                                   serialization.PublicFormat.Raw)

    def sign(self, message: bytes) -> bytes:
        return self._fast.sign(message)

    def certificate_signature(self, tbs: bytes) -> bytes:
        return self._fast.sign(tbs)

    def encrypted_pem(self, passphrase: bytes) -> bytes:
        return self._key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.BestAvailableEncryption(passphrase))

    def __repr__(self) -> str:
        return "Ed25519Key(<secret>)"


class SM2Key:
    """SM2 with SM3, through Tongsuo (:mod:`certsvc.credential.sm2`)."""

    algorithm = Algorithm.SM2
    __slots__ = ("_key",)

    def __init__(self, key: SM2SigningKey) -> None:
        self._key = key

    @property
    def public_raw(self) -> bytes:
        return self._key.public_raw

    def sign(self, message: bytes) -> bytes:
        return self._key.sign(message)

    def certificate_signature(self, tbs: bytes) -> bytes:
        return self._key.sign_der(tbs)

    def encrypted_pem(self, passphrase: bytes) -> bytes:
        return self._key.encrypted_pem(passphrase)

    def __repr__(self) -> str:
        return "SM2Key(<secret>)"


def generate(algorithm: Algorithm) -> PrivateKey:
    if algorithm is Algorithm.SM2:
        return SM2Key(SM2SigningKey.generate())
    return Ed25519Key(Ed25519PrivateKey.generate())


def load(algorithm: Algorithm, pem: bytes, passphrase: bytes) -> PrivateKey:
    """Decrypt a key file; ValueError on a wrong passphrase or a key of another algorithm."""
    if algorithm is Algorithm.SM2:
        return SM2Key(SM2SigningKey.from_pem(pem, passphrase))
    try:
        key = serialization.load_pem_private_key(pem, passphrase)
    except TypeError as exc:
        raise ValueError(str(exc)) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("not an Ed25519 private key")
    return Ed25519Key(key)
