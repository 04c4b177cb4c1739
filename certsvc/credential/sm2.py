"""SM2 signatures with SM3 (GB/T 32918, GB/T 32905), computed by Tongsuo (tongsuopy).

China's commercial-cryptography assessment (密评) expects the SM algorithms, so a bureau may
hold an SM2 key instead of an Ed25519 one (:mod:`certsvc.credential.algorithms`). Tongsuo is
the OpenSSL fork that carries the SM suite; tongsuopy was chosen by measurement against
gmalglib and gmssl-fast (``bench/sm2_libraries.py``, README's dependency list).

The signer's identity is GM/T 0009's default user ID ``1234567812345678``, which Tongsuo
uses when none is set: the signature covers SM3(Z_A ‖ message), Z_A binding that ID and the
public key. Signatures travel as ``r ‖ s`` (64 bytes), like ECDSA in COSE (RFC 9053 §2.1);
X.509 certificates carry the DER ``SEQUENCE {r, s}`` instead, as GM/T 0015 has it.

    >>> key = SM2SigningKey.generate()
    >>> SM2VerifyingKey(key.public_raw).verify(key.sign(b"licence"), b"licence")
    True
"""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from tongsuopy.crypto import hashes, serialization
from tongsuopy.crypto.asymciphers import ec
from tongsuopy.crypto.exceptions import InternalError, InvalidSignature

SIGNATURE_BYTES = 64  # r ‖ s, 32 bytes each
PUBLIC_KEY_BYTES = 65  # 0x04 ‖ x ‖ y, the uncompressed point (GB/T 32918.1 §4.2.9)
DEFAULT_USER_ID = b"1234567812345678"  # GM/T 0009-2012 §10: what Tongsuo signs with
_ALGORITHM = ec.ECDSA(hashes.SM3())
_POINT = (serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)


def raw_signature(der: bytes) -> bytes:
    """A DER ``SEQUENCE {r, s}`` as the fixed 64 bytes ``r ‖ s``."""
    r, s = decode_dss_signature(der)
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def der_signature(raw: bytes) -> bytes:
    """``r ‖ s`` as the DER ``SEQUENCE {r, s}`` that X.509 and Tongsuo expect."""
    return encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))


def sm3(data: bytes) -> bytes:
    """The SM3 hash (GB/T 32905) of ``data``."""
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return bytes(digest.finalize())


class SM2VerifyingKey:
    """An SM2 public key that answers one question: is this the signature of this message?"""

    __slots__ = ("_key", "raw")

    def __init__(self, raw: bytes) -> None:
        if len(raw) != PUBLIC_KEY_BYTES or raw[0] != 4:
            raise ValueError("an SM2 public key is the 65-byte uncompressed point")
        self.raw = bytes(raw)
        self._key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SM2(), self.raw)

    def verify(self, signature: bytes, message: bytes) -> bool:
        if len(signature) != SIGNATURE_BYTES:
            return False
        return self.verify_der(der_signature(signature), message)

    def verify_der(self, signature: bytes, message: bytes) -> bool:
        """The same check on a DER signature (as an X.509 certificate carries it)."""
        try:
            self._key.verify(signature, message, _ALGORITHM)
        except (InvalidSignature, InternalError, ValueError):
            return False
        return True


class SM2SigningKey:
    """A decrypted SM2 private key, held in memory only for as long as its signer lives."""

    __slots__ = ("_key",)

    def __init__(self, key: ec.EllipticCurvePrivateKey) -> None:
        self._key = key

    @classmethod
    def generate(cls) -> SM2SigningKey:
        return cls(ec.generate_private_key(ec.SM2()))

    @classmethod
    def from_private_value(cls, value: int) -> SM2SigningKey:
        """A key from its secret scalar (test vectors only)."""
        return cls(ec.derive_private_key(value, ec.SM2()))

    @classmethod
    def from_pem(cls, pem: bytes, passphrase: bytes) -> SM2SigningKey:
        """Decrypt an encrypted PKCS#8 PEM; ValueError if the passphrase or file is wrong."""
        key = serialization.load_pem_private_key(pem, passphrase)
        if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "SM2":
            raise ValueError("not an SM2 private key")
        return cls(key)

    def encrypted_pem(self, passphrase: bytes) -> bytes:
        """Encrypted PKCS#8 (PBES2), the form kept in ``keys/``."""
        return bytes(self._key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(passphrase)))

    @property
    def public_raw(self) -> bytes:
        return bytes(self._key.public_key().public_bytes(*_POINT))

    def sign(self, message: bytes) -> bytes:
        """``r ‖ s`` over SM3(Z_A ‖ message); randomised, so never the same bytes twice."""
        return raw_signature(self.sign_der(message))

    def sign_der(self, message: bytes) -> bytes:
        return bytes(self._key.sign(message, _ALGORITHM))

    def __repr__(self) -> str:  # never show the secret, even in a traceback
        return "SM2SigningKey(<secret>)"
