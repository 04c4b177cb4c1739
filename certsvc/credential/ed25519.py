"""Ed25519 verification of tokens and published lists, computed by libsodium (PyNaCl).

Keys are certified with ``cryptography`` (X.509); only the per-token check comes here,
because it is the hot path: on our machines libsodium verifies about 2x as fast as
OpenSSL's Ed25519 (``bench/verify.py`` prints both). Its check is the strict one: it also
refuses non-canonical encodings and small-order keys. The signer's side is
:mod:`certsvc.signer.signing_key`.

    VerifyingKey(raw_public).verify(signature, message)   # True or False
"""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from nacl.bindings import crypto_sign_open
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
