"""SM2 private keys at rest under the SM suite: PKCS#8 ``EncryptedPrivateKeyInfo`` with PBES2,
its key derived by PBKDF2 with HMAC-SM3 and the key encrypted with SM4-CBC.

A deployment assessed under 密评 (GB/T 39786) is expected to protect keys with the
commercial algorithms, not AES and SHA-256 (what Tongsuo's ``BestAvailableEncryption``
chooses). This is the profile GmSSL, the reference implementation of the SM standards,
writes for an encrypted SM2 key (``sm2_private_key_info_encrypt_to_der`` in its
``src/pkcs8.c``): PBES2 (1.2.840.113549.1.5.13), PBKDF2 (1.2.840.113549.1.5.12) with the
PRF hmac-sm3 (1.2.156.10197.1.401.2), 16 bytes of salt, 65,536 iterations, a 16-byte key,
and SM4-CBC (1.2.156.10197.1.104.2) with a 16-byte IV and PKCS#7 padding. The primitives are
libraries' (OpenSSL's PBKDF2 and SM3 through :mod:`hashlib`, Tongsuo's SM4); this module only
puts them in the ASN.1 the profile names.

    >>> info = b"0" * 100
    >>> decrypt(encrypt(info, b"pass", iterations=2), b"pass") == info
    True
"""

from __future__ import annotations

import hashlib
import os
from typing import Any, ClassVar

from asn1crypto import core, pem
from cryptography.hazmat.primitives.padding import PKCS7
from tongsuopy.crypto.ciphers import Cipher, algorithms, modes

PBES2 = "1.2.840.113549.1.5.13"
PBKDF2 = "1.2.840.113549.1.5.12"
HMAC_SM3 = "1.2.156.10197.1.401.2"
SM4_CBC = "1.2.156.10197.1.104.2"
PRODUCTION_ITERATIONS = 65_536  # GmSSL's
ITERATIONS = PRODUCTION_ITERATIONS  # the count new files get (the tests' is lower)
SALT_SIZE = KEY_SIZE = IV_SIZE = 16
MAX_ITERATIONS = 10_000_000  # a file asking for more is refused, not worked through
_PEM_TYPE = "ENCRYPTED PRIVATE KEY"  # RFC 7468's label for an EncryptedPrivateKeyInfo


class _AlgorithmIdentifier(core.Sequence):  # type: ignore[misc]
    _fields: ClassVar[list[Any]] = [("algorithm", core.ObjectIdentifier),
               ("parameters", core.Any, {"optional": True})]


class _Pbkdf2Params(core.Sequence):  # type: ignore[misc]
    _fields: ClassVar[list[Any]] = [("salt", core.OctetString), ("iteration_count", core.Integer),
               ("key_length", core.Integer, {"optional": True}),
               ("prf", _AlgorithmIdentifier)]


class _Pbes2Params(core.Sequence):  # type: ignore[misc]
    _fields: ClassVar[list[Any]] = [("key_derivation_func", _AlgorithmIdentifier),
               ("encryption_scheme", _AlgorithmIdentifier)]


class _EncryptedPrivateKeyInfo(core.Sequence):  # type: ignore[misc]
    _fields: ClassVar[list[Any]] = [("encryption_algorithm", _AlgorithmIdentifier),
               ("encrypted_data", core.OctetString)]


def _key(passphrase: bytes, salt: bytes, iterations: int) -> bytes:
    return hashlib.pbkdf2_hmac("sm3", passphrase, salt, iterations, KEY_SIZE)


def encrypt(private_key_info: bytes, passphrase: bytes, iterations: int | None = None
            ) -> bytes:
    """A PKCS#8 PrivateKeyInfo (DER), encrypted as PEM (``ITERATIONS`` unless said)."""
    iterations = iterations or ITERATIONS
    salt, iv = os.urandom(SALT_SIZE), os.urandom(IV_SIZE)
    padder = PKCS7(128).padder()
    padded = padder.update(private_key_info) + padder.finalize()
    encryptor = Cipher(algorithms.SM4(_key(passphrase, salt, iterations)), modes.CBC(iv)
                       ).encryptor()
    encrypted = encryptor.update(padded) + encryptor.finalize()
    kdf = _Pbkdf2Params({"salt": salt, "iteration_count": iterations,
                         "prf": {"algorithm": HMAC_SM3, "parameters": core.Null()}})
    params = _Pbes2Params({
        "key_derivation_func": {"algorithm": PBKDF2, "parameters": kdf},
        "encryption_scheme": {"algorithm": SM4_CBC, "parameters": core.OctetString(iv)}})
    der = _EncryptedPrivateKeyInfo({
        "encryption_algorithm": {"algorithm": PBES2, "parameters": params},
        "encrypted_data": encrypted}).dump()
    return bytes(pem.armor(_PEM_TYPE, der))


def is_sm_encrypted(data: bytes) -> bool:
    """Is this an encrypted PKCS#8 PEM in this profile (and not, say, AES PBES2)?"""
    try:
        _parse(data)
    except ValueError:
        return False
    return True


def decrypt(data: bytes, passphrase: bytes) -> bytes:
    """The PrivateKeyInfo (DER) inside; ValueError on a wrong passphrase or another form."""
    salt, iterations, iv, encrypted = _parse(data)
    decryptor = Cipher(algorithms.SM4(_key(passphrase, salt, iterations)), modes.CBC(iv)
                       ).decryptor()
    padded = decryptor.update(encrypted) + decryptor.finalize()
    unpadder = PKCS7(128).unpadder()
    try:
        return unpadder.update(padded) + unpadder.finalize()
    except ValueError:
        raise ValueError("the passphrase is wrong, or the file is damaged") from None


def _parse(data: bytes) -> tuple[bytes, int, bytes, bytes]:
    try:
        kind, _, der = pem.unarmor(data)
    except (ValueError, TypeError):
        raise ValueError("not a PEM file") from None
    if kind != _PEM_TYPE:
        raise ValueError("not an encrypted PKCS#8 PEM")
    try:
        info = _EncryptedPrivateKeyInfo.load(der, strict=True)
        algorithm = info["encryption_algorithm"]
        if algorithm["algorithm"].dotted != PBES2:
            raise ValueError("not PBES2")
        params = _Pbes2Params.load(algorithm["parameters"].dump(), strict=True)
        kdf, scheme = params["key_derivation_func"], params["encryption_scheme"]
        if kdf["algorithm"].dotted != PBKDF2 or scheme["algorithm"].dotted != SM4_CBC:
            raise ValueError("not PBKDF2 with SM4-CBC")
        kdf_params = _Pbkdf2Params.load(kdf["parameters"].dump(), strict=True)
        if kdf_params["prf"]["algorithm"].dotted != HMAC_SM3:
            raise ValueError("the PBKDF2 PRF is not HMAC-SM3")
        key_length = kdf_params["key_length"].native
        salt = bytes(kdf_params["salt"].native)
        iterations = int(kdf_params["iteration_count"].native)
        iv = bytes(core.OctetString.load(scheme["parameters"].dump(), strict=True).native)
        encrypted = bytes(info["encrypted_data"].native)
    except (ValueError, TypeError, KeyError) as exc:  # asn1crypto's errors are ValueErrors
        raise ValueError(f"not an SM-suite encrypted key: {exc}") from None
    if key_length not in (None, KEY_SIZE) or len(iv) != IV_SIZE or not salt:
        raise ValueError("not an SM-suite encrypted key: key, IV or salt of the wrong size")
    if not 1 <= iterations <= MAX_ITERATIONS:
        raise ValueError(f"the iteration count must be 1 to {MAX_ITERATIONS}")
    if not encrypted or len(encrypted) % 16:
        raise ValueError("the encrypted key is not whole SM4 blocks")
    return salt, iterations, iv, encrypted
