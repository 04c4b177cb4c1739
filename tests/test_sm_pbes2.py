"""SM2 private keys at rest under the SM suite (issue 24: they were PBKDF2-HMAC-SHA256 with
AES, where 密评 expects the commercial algorithms): PBES2 with PBKDF2-HMAC-SM3 and SM4-CBC,
the profile GmSSL writes. Checked with a DER decoder, a PBKDF2 and an SM4 we did not write."""

from __future__ import annotations

import base64
import hashlib
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from gmssl.sm4 import SM4_DECRYPT, CryptSM4
from hypothesis import given
from hypothesis import strategies as st
from pyasn1.codec.der import decoder
from tongsuopy.crypto import serialization as sm_serialization

from certsvc.credential.algorithms import Algorithm
from certsvc.domain.time import utcnow
from certsvc.errors import KeyStoreError
from certsvc.signer import sm_pbes2
from certsvc.signer.keystore import KeyStore
from certsvc.signer.private_keys import SM2Key

pytestmark = pytest.mark.no_database
PASSPHRASE = b"sm test passphrase"


@pytest.fixture(scope="module")
def sm2_keystore(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KeyStore]:
    """Keys made at production's cost (the suite makes them cheaper elsewhere)."""
    cheap, sm_pbes2.ITERATIONS = sm_pbes2.ITERATIONS, sm_pbes2.PRODUCTION_ITERATIONS
    try:
        keystore = KeyStore(tmp_path_factory.mktemp("sm-keys"), PASSPHRASE)
        keystore.init(utcnow(), Algorithm.SM2, Algorithm.ED25519)
        yield keystore
    finally:
        sm_pbes2.ITERATIONS = cheap


def _der(pem: bytes) -> bytes:
    lines = pem.decode().strip().splitlines()
    assert lines[0] == "-----BEGIN ENCRYPTED PRIVATE KEY-----"
    assert lines[-1] == "-----END ENCRYPTED PRIVATE KEY-----"
    return base64.b64decode("".join(lines[1:-1]))


def test_a_bureau_s_sm2_key_file_is_sm3_and_sm4_as_gmssl_writes_it(
        sm2_keystore: KeyStore, tmp_path: Path) -> None:
    record = next(r for r in sm2_keystore.records() if r.algorithm is Algorithm.SM2)
    path = sm2_keystore.directory / "bureaus" / record.bureau_code / f"{record.kid}.key"
    info, rest = decoder.decode(_der(path.read_bytes()))
    assert not rest
    algorithm, encrypted = info[0], bytes(info[1])
    assert str(algorithm[0]) == "1.2.840.113549.1.5.13"  # PBES2
    kdf, scheme = algorithm[1][0], algorithm[1][1]
    assert str(kdf[0]) == "1.2.840.113549.1.5.12"  # PBKDF2
    salt, iterations, prf = bytes(kdf[1][0]), int(kdf[1][1]), kdf[1][-1]
    assert str(prf[0]) == "1.2.156.10197.1.401.2"  # hmac-sm3
    assert len(salt) == 16 and iterations == 65_536
    assert str(scheme[0]) == "1.2.156.10197.1.104.2"  # SM4-CBC
    iv = bytes(scheme[1])
    assert len(iv) == 16

    # decrypted without our code: OpenSSL's PBKDF2 with SM3, gmssl's pure-Python SM4
    key = hashlib.pbkdf2_hmac("sm3", PASSPHRASE, salt, iterations, 16)
    sm4 = CryptSM4(SM4_DECRYPT)
    sm4.set_key(key, SM4_DECRYPT)
    private_key_info = sm4.crypt_cbc(iv, encrypted)  # PKCS#7 padding removed
    (tmp_path / "key.der").write_bytes(private_key_info)
    openssl = subprocess.run(
        ["openssl", "pkey", "-inform", "DER", "-in", str(tmp_path / "key.der"), "-pubout",
         "-outform", "DER"], capture_output=True, check=True)
    assert openssl.stdout.endswith(sm2_keystore.load_private_key(record.kid).public_raw)


def test_a_key_encrypted_before_the_sm_profile_still_opens(tmp_path: Path) -> None:
    """Keys made before this change are AES PBES2 (Tongsuo's default): still read."""
    key = SM2Key.generate()
    older = key._key.private_bytes(  # the form an earlier version wrote
        sm_serialization.Encoding.PEM, sm_serialization.PrivateFormat.PKCS8,
        sm_serialization.BestAvailableEncryption(PASSPHRASE))
    assert not sm_pbes2.is_sm_encrypted(older)
    assert SM2Key.from_pem(older, PASSPHRASE).public_raw == key.public_raw
    newer = key.encrypted_pem(PASSPHRASE)
    assert sm_pbes2.is_sm_encrypted(newer)
    assert SM2Key.from_pem(newer, PASSPHRASE).public_raw == key.public_raw


def test_a_wrong_passphrase_is_refused(sm2_keystore: KeyStore) -> None:
    record = next(r for r in sm2_keystore.records() if r.algorithm is Algorithm.SM2)
    with pytest.raises(KeyStoreError, match="wrong CERTSVC_KEY_PASSPHRASE"):
        KeyStore(sm2_keystore.directory, b"not it").load_private_key(record.kid)


@pytest.mark.parametrize(("iterations", "refused"), [
    (sm_pbes2.MAX_ITERATIONS, False), (sm_pbes2.MAX_ITERATIONS + 1, True)])
def test_a_file_asking_for_endless_work_is_refused_before_any(
        monkeypatch: pytest.MonkeyPatch, iterations: int, refused: bool) -> None:
    derived: list[int] = []

    def derive(passphrase: bytes, salt: bytes, count: int) -> bytes:
        derived.append(count)  # the file is written without doing the work
        return bytes(16)

    monkeypatch.setattr(sm_pbes2, "_key", derive)
    pem = sm_pbes2.encrypt(b"x" * 40, PASSPHRASE, iterations=iterations)
    if refused:
        with pytest.raises(ValueError, match="iteration count"):
            sm_pbes2.decrypt(pem, PASSPHRASE)
        assert derived == [iterations]  # only the writing derived a key
    else:
        assert sm_pbes2.decrypt(pem, PASSPHRASE) == b"x" * 40


@given(st.binary(max_size=400))
def test_any_bytes_are_a_key_file_or_a_value_error(data: bytes) -> None:
    for candidate in (data, b"-----BEGIN ENCRYPTED PRIVATE KEY-----\n"
                      + base64.encodebytes(data) + b"-----END ENCRYPTED PRIVATE KEY-----\n"):
        try:
            sm_pbes2.decrypt(candidate, PASSPHRASE)
        except ValueError:
            continue
