"""The token format: the documented vector, third-party COSE, tampering, hostile input."""

from __future__ import annotations

import contextlib
import datetime as dt
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pycose.keys import OKPKey
from pycose.keys.curves import Ed25519
from pycose.messages import Sign1Message

from certsvc.credential.cose import decode_sign1
from certsvc.credential.payload import decode_payload
from certsvc.credential.qr_text import digits_to_token, token_from_text, token_to_digits
from certsvc.credential.trust_list import TrustList
from certsvc.credential.verifier import VerdictCode, verify
from certsvc.domain.licence import Licence
from certsvc.errors import MalformedToken
from certsvc.workflow.issuance import Issuer
from tests.conftest import REFERENCE, VERIFY_TIME
from tests.vector import documented_vector, vector


def pycose_sign1(token: bytes) -> Sign1Message:
    """Decode with pycose alone: tag, headers, payload."""
    message = Sign1Message.decode(token)
    assert isinstance(message, Sign1Message)
    return message


def test_documented_vector() -> None:
    assert documented_vector() == vector()


def test_vector_verifies_with_pycose() -> None:
    v = vector()
    message = pycose_sign1(bytes.fromhex(v["token"]))
    message.key = OKPKey(crv=Ed25519, x=bytes.fromhex(v["public_key"]))
    assert message.verify_signature()
    assert message.payload == bytes.fromhex(v["payload"])


@pytest.fixture
def reference_token(issuer: Issuer) -> bytes:
    from tests.conftest import ISSUE_TIME

    licence = Licence.from_dict(json.loads(REFERENCE.read_text("utf-8")))
    return issuer.issue(licence, ISSUE_TIME).token


def test_issued_token_verifies_with_pycose(
    reference_token: bytes, trust_list: TrustList
) -> None:
    envelope = decode_sign1(reference_token)
    key = trust_list.key(envelope.kid)
    assert key is not None
    raw = key.public_key
    message = pycose_sign1(reference_token)
    message.key = OKPKey(crv=Ed25519, x=raw)
    assert message.verify_signature()
    message.key = OKPKey(crv=Ed25519, x=bytes(32 - 1) + b"\x01")
    with pytest.raises(Exception):  # noqa: B017 - any failure is right for a wrong key
        assert message.verify_signature()


def test_changing_any_byte_never_verifies(reference_token: bytes, trust_list: TrustList) -> None:
    assert verify(reference_token, trust_list, now=VERIFY_TIME).code is VerdictCode.STATUS_UNKNOWN
    for position in range(len(reference_token)):
        for flip in (0x01, 0x80, 0xFF):
            tampered = bytearray(reference_token)
            tampered[position] ^= flip
            verdict = verify(bytes(tampered), trust_list, now=VERIFY_TIME)
            assert not verdict.authentic, f"byte {position} ^ {flip:#x} still verified"
            assert verdict.code in (
                VerdictCode.MALFORMED, VerdictCode.BAD_SIGNATURE, VerdictCode.UNKNOWN_KEY
            )


def test_truncated_or_extended_tokens_never_verify(
    reference_token: bytes, trust_list: TrustList
) -> None:
    for cut in range(1, len(reference_token)):
        assert not verify(reference_token[:cut], trust_list, now=VERIFY_TIME).authentic
    assert not verify(reference_token + b"\x00", trust_list, now=VERIFY_TIME).authentic


@given(st.binary(max_size=400))
@settings(max_examples=300, deadline=None)
def test_decoders_raise_only_malformed_token(data: bytes) -> None:
    for decode in (decode_sign1, decode_payload):
        with contextlib.suppress(MalformedToken):
            decode(data)


@given(st.text(max_size=600))
@settings(max_examples=300, deadline=None)
def test_qr_text_parser_raises_only_malformed_token(text: str) -> None:
    with contextlib.suppress(MalformedToken):
        token_from_text(text)


@given(st.binary(max_size=1023))
@settings(max_examples=200, deadline=None)
def test_digits_round_trip(rest: bytes) -> None:
    """Every byte string that starts as a COSE_Sign1 does (0xd2) comes back as it went."""
    token = b"\xd2" + rest
    digits = token_to_digits(token)
    assert digits.isdigit()
    assert digits_to_token(digits) == token


@given(st.one_of(st.text(max_size=500), st.binary(max_size=500)))
@settings(max_examples=200, deadline=None)
def test_verify_never_raises(data: str | bytes) -> None:
    verdict = verify(data, None, now=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    assert verdict.code in (VerdictCode.MALFORMED, VerdictCode.UNKNOWN_KEY)


def test_digits_of_impossible_length_or_range_are_refused(reference_token: bytes) -> None:
    """The forms of the whole QR text are tested at every door in tests/test_qr_forms.py."""
    digits = token_to_digits(reference_token)
    with pytest.raises(MalformedToken):
        digits_to_token(digits + "0")
    with pytest.raises(MalformedToken):
        digits_to_token("9" * len(digits))


@given(st.binary(max_size=300), st.binary(min_size=64, max_size=64),
       st.binary(min_size=8, max_size=8))
@settings(max_examples=100, deadline=None)
def test_hand_built_cbor_matches_cbor2(payload: bytes, signature: bytes, kid: bytes) -> None:
    import cbor2

    from certsvc.credential.cose import encode_sign1, protected_header, sig_structure

    protected = protected_header(kid)
    assert protected == cbor2.dumps({1: -8, 4: kid})
    assert sig_structure(protected, payload) == cbor2.dumps(
        ["Signature1", protected, b"", payload])
    assert encode_sign1(protected, payload, signature) == cbor2.dumps(
        cbor2.CBORTag(18, [protected, {}, payload, signature]))
