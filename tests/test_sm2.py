"""SM2/SM3 keys beside Ed25519 (issue 15): published vectors, an implementation we did not
write (the pure-Python ``gmssl``) checking our signatures and certificates both ways, every
mix of root and bureau algorithms, algorithm confusion, and the QR size with SM2."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import stat
from pathlib import Path

import cbor2
import pytest
from gmssl import sm2 as independent_sm2
from gmssl import sm3 as independent_sm3
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine

from certsvc.credential.algorithms import Algorithm
from certsvc.credential.certificates import read_certificate
from certsvc.credential.cose import (
    ALG_EDDSA,
    ALG_SM2,
    decode_sign1,
    encode_sign1,
    protected_header,
)
from certsvc.credential.qr_image import qr_png, qr_version, read_qr
from certsvc.credential.sm2 import SM2VerifyingKey, raw_signature, sm3
from certsvc.credential.status_list import StatusList
from certsvc.credential.trust_list import TrustList, load_root_public_key
from certsvc.credential.verifier import VerdictCode, verify
from certsvc.domain.licence import Licence
from certsvc.errors import KeyStoreError, MalformedToken, TrustListError
from certsvc.publish.artefacts import STATUS_LIST_FILE, publish_status_list
from certsvc.signer.keystore import KeyStore
from certsvc.signer.private_keys import SM2Key
from certsvc.signer.signer import Signer
from certsvc.store.db import make_engine, migrate
from certsvc.workflow.issuance import IssuedLicence, Issuer
from tests.conftest import (
    ISSUE_TIME,
    KEYS_CREATED,
    PASSPHRASE,
    PUBLIC_URL,
    REFERENCE,
    VERIFY_TIME,
    load_trust_list,
)

pytestmark = pytest.mark.no_database

# GB/T 32918.5-2017 Annex A (= GM/T 0003.5-2012 A.2): the recommended curve, ID
# 1234567812345678, message "message digest".
VECTOR_PRIVATE = 0x3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8
VECTOR_PUBLIC = bytes.fromhex(
    "04" "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020"
    "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13")
VECTOR_SIGNATURE = bytes.fromhex(
    "F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3"
    "B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA")


def _independent(public_raw: bytes) -> independent_sm2.CryptSM2:
    """gmssl's SM2, knowing only the public key (its x ‖ y in hex)."""
    return independent_sm2.CryptSM2(private_key="", public_key=public_raw[1:].hex(), mode=1)


def _keys(tmp_path: Path, root: Algorithm, bureaus: Algorithm) -> KeyStore:
    keystore = KeyStore(tmp_path / "keys", PASSPHRASE)
    keystore.init(KEYS_CREATED, bureaus, root)
    return keystore


def _engine(tmp_path: Path) -> Engine:
    """A database of the test's own (its keys are not the session's)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'licences.db'}")
    migrate(engine)
    return engine


def _reference(keystore: KeyStore, engine: Engine) -> IssuedLicence:
    licence = Licence.from_dict(json.loads(REFERENCE.read_text("utf-8")))
    return Issuer(engine, Signer(keystore), PUBLIC_URL).issue(licence, ISSUE_TIME)


# --- the published vectors -------------------------------------------------------------
def test_sm3_matches_the_standard_example() -> None:
    """GB/T 32905-2016 Annex A, example 1: SM3("abc")."""
    expected = "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    assert sm3(b"abc").hex() == expected
    assert independent_sm3.sm3_hash(list(b"abc")) == expected


def test_the_published_sm2_signature_verifies_and_nothing_near_it_does() -> None:
    key = SM2VerifyingKey(VECTOR_PUBLIC)
    assert key.verify(VECTOR_SIGNATURE, b"message digest")
    assert SM2Key.from_private_value(VECTOR_PRIVATE).public_raw == VECTOR_PUBLIC
    assert not key.verify(VECTOR_SIGNATURE, b"message digesT")
    flipped = bytes([VECTOR_SIGNATURE[0] ^ 1]) + VECTOR_SIGNATURE[1:]
    assert not key.verify(flipped, b"message digest")
    assert not key.verify(VECTOR_SIGNATURE[:-1], b"message digest")


# --- an implementation we did not write -----------------------------------------------
def test_gmssl_verifies_our_signatures_and_we_verify_gmssl_s() -> None:
    ours = SM2Key.generate()
    message = os.urandom(200)
    assert _independent(ours.public_raw).verify_with_sm3(ours.sign(message).hex(), message)
    theirs = independent_sm2.CryptSM2(
        private_key=f"{VECTOR_PRIVATE:064x}", public_key=VECTOR_PUBLIC[1:].hex(), mode=1)
    signature = theirs.sign_with_sm3(message)
    assert SM2VerifyingKey(VECTOR_PUBLIC).verify(bytes.fromhex(signature), message)


def test_gmssl_verifies_an_sm2_token_and_its_certificate(tmp_path: Path) -> None:
    """The token's signature covers its COSE Sig_structure with GM/T 0009's default ID, and
    the bureau certificate's SM2-with-SM3 signature is the root's over the TBS bytes."""
    keystore = _keys(tmp_path, Algorithm.SM2, Algorithm.SM2)
    token = _reference(keystore, _engine(tmp_path)).token
    envelope = decode_sign1(token)
    assert envelope.alg == ALG_SM2
    kid = envelope.kid.hex()
    bureau = read_certificate(keystore.certificate_der(kid))
    assert bureau.algorithm is Algorithm.SM2 and bureau.bureau_code == "33"
    assert _independent(bureau.public_key).verify_with_sm3(
        envelope.signature.hex(), envelope.to_be_signed)
    root = read_certificate(keystore.root_certificate_der())
    assert _independent(root.public_key).verify_with_sm3(
        raw_signature(bureau.signature).hex(), bureau.tbs)
    changed = bytearray(envelope.to_be_signed)
    changed[-1] ^= 1
    assert not _independent(bureau.public_key).verify_with_sm3(
        envelope.signature.hex(), bytes(changed))


def test_openssl_reads_an_sm2_certificate(tmp_path: Path) -> None:
    """The system's OpenSSL (not ours, not asn1crypto) parses the certificate and names its
    algorithms by the GM/T OIDs."""
    import shutil
    import subprocess

    if shutil.which("openssl") is None:
        pytest.skip("no openssl binary")
    keystore = _keys(tmp_path, Algorithm.SM2, Algorithm.SM2)
    kid = keystore.records()[0].kid
    path = tmp_path / "bureau.der"
    path.write_bytes(keystore.certificate_der(kid))
    text = subprocess.run(["openssl", "x509", "-inform", "DER", "-in", str(path), "-noout",
                           "-text"], capture_output=True, text=True, check=True).stdout
    assert "SM2-with-SM3" in text or "1.2.156.10197.1.501" in text
    assert "SM2" in text or "1.2.156.10197.1.301" in text


# --- every mix of root and bureau algorithms ---------------------------------------------
@pytest.mark.parametrize("root, bureaus", [
    (Algorithm.ED25519, Algorithm.SM2),
    (Algorithm.SM2, Algorithm.ED25519),
    (Algorithm.SM2, Algorithm.SM2),
])
def test_a_licence_verifies_under_every_mix_of_algorithms(
        tmp_path: Path, root: Algorithm, bureaus: Algorithm) -> None:
    keystore = _keys(tmp_path, root, bureaus)
    signer = Signer(keystore)
    trust = load_trust_list(signer)
    assert {key.algorithm for key in trust.keys.values()} == {bureaus}
    engine = _engine(tmp_path)
    issued = _reference(keystore, engine)
    publish_status_list(engine, signer, tmp_path / "published", VERIFY_TIME)
    statuses = StatusList.load((tmp_path / "published" / STATUS_LIST_FILE).read_bytes(), trust)
    verdict = verify(issued.qr_text, trust, statuses, now=VERIFY_TIME)
    assert verdict.code is VerdictCode.VALID
    assert verdict.key is not None and verdict.key.algorithm is bureaus


def test_a_root_of_one_algorithm_cannot_pass_for_the_other(tmp_path: Path) -> None:
    sm2_keys = _keys(tmp_path / "a", Algorithm.SM2, Algorithm.SM2)
    ed_keys = _keys(tmp_path / "b", Algorithm.ED25519, Algorithm.ED25519)
    wrong_root = load_root_public_key(ed_keys.root_certificate_pem())
    with pytest.raises(TrustListError):
        TrustList.load(Signer(sm2_keys).trust_list(VERIFY_TIME), wrong_root)


def test_a_token_naming_another_algorithm_than_its_key_is_refused(
        tmp_path: Path) -> None:
    """Algorithm confusion: the same kid and signature under the other ``alg`` header."""
    keystore = _keys(tmp_path, Algorithm.ED25519, Algorithm.SM2)
    trust = load_trust_list(Signer(keystore))
    token = _reference(keystore, _engine(tmp_path)).token
    envelope = decode_sign1(token)
    relabelled = encode_sign1(protected_header(envelope.kid, ALG_EDDSA), envelope.payload,
                              envelope.signature)
    assert verify(relabelled, trust, now=VERIFY_TIME).code is VerdictCode.BAD_SIGNATURE
    assert verify(token, trust, now=VERIFY_TIME).code is VerdictCode.STATUS_UNKNOWN


def test_the_reference_licence_signed_with_sm2_still_fits_version_12_q(
        tmp_path: Path) -> None:
    """SM2's header costs four bytes more (alg -65537); the QR stays at version 12, level Q."""
    text = _reference(_keys(tmp_path, Algorithm.SM2, Algorithm.SM2), _engine(tmp_path)).qr_text
    assert qr_version(text) == 12
    assert read_qr(qr_png(text)) == text


# --- keys at rest, rotation between algorithms -----------------------------------------------
def test_sm2_keys_are_encrypted_0600_and_refuse_a_wrong_passphrase(tmp_path: Path) -> None:
    keystore = _keys(tmp_path, Algorithm.SM2, Algorithm.SM2)
    record = keystore.records()[0]
    path = keystore.directory / "bureaus" / record.bureau_code / f"{record.kid}.key"
    assert path.read_bytes().startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(keystore.root_key_path.stat().st_mode) == 0o600
    with pytest.raises(KeyStoreError, match="wrong CERTSVC_KEY_PASSPHRASE"):
        KeyStore(keystore.directory, b"not the passphrase").load_private_key(record.kid)


def test_rotation_switches_one_bureau_to_sm2_and_its_old_licences_still_verify(
        signer: Signer, issuer: Issuer) -> None:
    from certsvc.domain.bureaus import bureau_by_code

    old = issuer.issue(Licence.from_dict(json.loads(REFERENCE.read_text("utf-8"))),
                       ISSUE_TIME)
    rotated_at = ISSUE_TIME + dt.timedelta(days=1)
    record = signer.keystore.rotate(bureau_by_code("33"), rotated_at, Algorithm.SM2)
    assert record.algorithm is Algorithm.SM2
    assert signer.keystore.rotate(bureau_by_code("33"), rotated_at).algorithm is Algorithm.SM2
    trust = load_trust_list(signer)
    assert verify(old.token, trust, now=VERIFY_TIME).code is VerdictCode.STATUS_UNKNOWN


# --- hostile bytes ---------------------------------------------------------------------------
@given(st.binary(max_size=80), st.binary(max_size=64))
def test_sm2_verification_of_any_bytes_says_no_and_never_raises(
        signature: bytes, message: bytes) -> None:
    assert not SM2VerifyingKey(VECTOR_PUBLIC).verify(signature, message)
    assert SM2VerifyingKey(VECTOR_PUBLIC).verify(VECTOR_SIGNATURE, b"message digest")


@given(st.binary(min_size=8, max_size=8), st.binary(max_size=300), st.binary(min_size=64,
                                                                              max_size=64))
def test_an_sm2_envelope_round_trips_and_matches_cbor2(
        kid: bytes, payload: bytes, signature: bytes) -> None:
    protected = protected_header(kid, ALG_SM2)
    assert cbor2.loads(protected) == {1: ALG_SM2, 4: kid}
    assert cbor2.dumps({1: ALG_SM2, 4: kid}) == protected
    token = encode_sign1(protected, payload, signature)
    assert cbor2.dumps(cbor2.CBORTag(18, [protected, {}, payload, signature])) == token
    envelope = decode_sign1(token)
    assert (envelope.alg, envelope.kid, envelope.payload, envelope.signature) == (
        ALG_SM2, kid, payload, signature)


@pytest.mark.parametrize("alg", [-7, -35, -65536, -65538, 0])
def test_an_envelope_with_any_other_algorithm_is_malformed(alg: int) -> None:
    protected = cbor2.dumps({1: alg, 4: bytes(8)})
    token = cbor2.dumps(cbor2.CBORTag(18, [protected, {}, b"x", bytes(64)]))
    with pytest.raises(MalformedToken):
        decode_sign1(token)


@given(st.binary(max_size=600))
def test_reading_any_bytes_as_a_certificate_raises_only_trust_list_error(data: bytes) -> None:
    with contextlib.suppress(TrustListError):
        read_certificate(data)


def test_an_off_curve_sm2_key_is_refused() -> None:
    with pytest.raises(ValueError):
        SM2VerifyingKey(b"\x04" + bytes(64))
    with pytest.raises(ValueError):
        Algorithm.named("rsa")


def test_documented_sm2_vector() -> None:
    """docs/credential.md's SM2 vector: its token decodes to its kid and payload, its
    signature verifies with its public key (ours and gmssl's), and its QR text is its own."""
    from tests.vector import documented_vector, sm2_vector

    documented, fresh = documented_vector("sm2-test-vector"), sm2_vector()
    for name in ("sm2_private_key", "sm2_public_key", "kid", "payload"):
        assert documented[name] == fresh[name]
    token = bytes.fromhex(documented["token"])
    envelope = decode_sign1(token)
    assert (envelope.alg, envelope.kid.hex(), envelope.payload.hex()) == (
        ALG_SM2, documented["kid"], documented["payload"])
    public = bytes.fromhex(documented["sm2_public_key"])
    assert SM2VerifyingKey(public).verify(envelope.signature, envelope.to_be_signed)
    assert _independent(public).verify_with_sm3(envelope.signature.hex(),
                                                envelope.to_be_signed)
    from certsvc.credential.qr_text import qr_text, token_from_text
    assert qr_text("https://certsvc.example", token) == documented["qr_text"]
    assert token_from_text(documented["qr_text"]) == token
