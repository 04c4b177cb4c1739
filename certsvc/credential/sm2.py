"""SM2 signatures with SM3 (GB/T 32918, GB/T 32905), computed by Tongsuo (tongsuopy).

China's commercial-cryptography assessment (密评) expects the SM algorithms, so a bureau may
hold an SM2 key instead of an Ed25519 one (:mod:`certsvc.credential.algorithms`). Tongsuo is
the OpenSSL fork that carries the SM suite; tongsuopy was chosen by measurement against
gmalglib and gmssl-fast (``bench/sm2_libraries.py``, README's dependency list).

The signer's identity is GM/T 0009's default user ID ``1234567812345678``, which Tongsuo
uses when none is set: the signature covers SM3(Z_A ‖ message), Z_A binding that ID and the
public key. Signatures travel as ``r ‖ s`` (64 bytes), like ECDSA in COSE (RFC 9053 §2.1);
X.509 certificates carry the DER ``SEQUENCE {r, s}`` instead, as GM/T 0015 has it.

Signing lives with the signer (:mod:`certsvc.signer.private_keys`): only it touches private
keys.

    >>> SM2VerifyingKey(b"\\x04" + bytes(64))
    Traceback (most recent call last):
    ...
    ValueError: Invalid public bytes for the given curve
"""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from tongsuopy.crypto import hashes
from tongsuopy.crypto.asymciphers import ec
from tongsuopy.crypto.exceptions import InternalError, InvalidSignature

SIGNATURE_BYTES = 64  # r ‖ s, 32 bytes each
PUBLIC_KEY_BYTES = 65  # 0x04 ‖ x ‖ y, the uncompressed point (GB/T 32918.1 §4.2.9)
SM2_WITH_SM3 = ec.ECDSA(hashes.SM3())  # Tongsuo's SM2 signature over SM3(Z_A ‖ message)


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
            self._key.verify(signature, message, SM2_WITH_SM3)
        except (InvalidSignature, InternalError, ValueError):
            return False
        return True
