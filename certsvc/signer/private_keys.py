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
from tongsuopy.crypto import serialization as sm_serialization
from tongsuopy.crypto.asymciphers import ec

from certsvc.credential.algorithms import Algorithm
from certsvc.credential.sm2 import SM2_WITH_SM3, raw_signature
from certsvc.signer import sm_pbes2
from certsvc.signer.signing_key import SigningKey

_POINT = (sm_serialization.Encoding.X962, sm_serialization.PublicFormat.UncompressedPoint)


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
    """SM2 with SM3, through Tongsuo: ``sign`` gives ``r ‖ s`` for COSE, randomised, so never
    the same bytes twice; certificates get the DER ``SEQUENCE {r, s}`` (GM/T 0015)."""

    algorithm = Algorithm.SM2
    __slots__ = ("_key",)

    def __init__(self, key: ec.EllipticCurvePrivateKey) -> None:
        self._key = key

    @classmethod
    def generate(cls) -> SM2Key:
        return cls(ec.generate_private_key(ec.SM2()))

    @classmethod
    def from_private_value(cls, value: int) -> SM2Key:
        """A key from its secret scalar (published test vectors only)."""
        return cls(ec.derive_private_key(value, ec.SM2()))

    @classmethod
    def from_pem(cls, pem: bytes, passphrase: bytes) -> SM2Key:
        """Decrypt an encrypted PKCS#8 PEM, in the SM suite's profile (:mod:`sm_pbes2`) or,
        as keys made before it were, AES's; ValueError if the passphrase or file is wrong."""
        if sm_pbes2.is_sm_encrypted(pem):
            key = sm_serialization.load_der_private_key(sm_pbes2.decrypt(pem, passphrase), None)
        else:
            key = sm_serialization.load_pem_private_key(pem, passphrase)
        if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "SM2":
            raise ValueError("not an SM2 private key")
        return cls(key)

    @property
    def public_raw(self) -> bytes:
        return bytes(self._key.public_key().public_bytes(*_POINT))

    def sign(self, message: bytes) -> bytes:
        return raw_signature(self.certificate_signature(message))

    def certificate_signature(self, tbs: bytes) -> bytes:
        return bytes(self._key.sign(tbs, SM2_WITH_SM3))

    def encrypted_pem(self, passphrase: bytes) -> bytes:
        """Encrypted PKCS#8, PBES2 with PBKDF2-HMAC-SM3 and SM4-CBC as GmSSL writes it: the
        form kept in ``keys/`` (see :mod:`certsvc.signer.sm_pbes2`)."""
        return sm_pbes2.encrypt(bytes(self._key.private_bytes(
            sm_serialization.Encoding.DER, sm_serialization.PrivateFormat.PKCS8,
            sm_serialization.NoEncryption())), passphrase)

    def secret_scalar(self) -> bytes:
        """The 32-byte private value, for handing the key to another SM2 library in
        ``bench/sm2_libraries.py``; nothing in the service calls it."""
        return int(self._key.private_numbers().private_value).to_bytes(32, "big")

    def __repr__(self) -> str:  # never show the secret, even in a traceback
        return "SM2Key(<secret>)"


def generate(algorithm: Algorithm) -> PrivateKey:
    if algorithm is Algorithm.SM2:
        return SM2Key.generate()
    return Ed25519Key(Ed25519PrivateKey.generate())


def load(algorithm: Algorithm, pem: bytes, passphrase: bytes) -> PrivateKey:
    """Decrypt a key file; ValueError on a wrong passphrase or a key of another algorithm."""
    if algorithm is Algorithm.SM2:
        return SM2Key.from_pem(pem, passphrase)
    try:
        key = serialization.load_pem_private_key(pem, passphrase)
    except TypeError as exc:
        raise ValueError(str(exc)) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("not an Ed25519 private key")
    return Ed25519Key(key)
