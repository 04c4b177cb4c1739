"""Every verdict, from real tokens, keys and status lists; time frozen with freezegun."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from freezegun import freeze_time
from sqlalchemy import Engine

from certsvc.config import STATUS_LIST_FILE
from certsvc.credential.cose import encode_sign1, protected_header, sig_structure
from certsvc.credential.payload import decode_payload, encode_payload
from certsvc.credential.qr_image import qr_png, qr_version, read_qr
from certsvc.credential.status_list import StatusList
from certsvc.credential.verifier import VerdictCode, verify
from certsvc.domain.licence import Licence, LicenceStatus
from certsvc.publish.artefacts import publish_status_list
from certsvc.signer.signer import Signer
from certsvc.store import writer
from certsvc.workflow.issuance import IssuedLicence, Issuer
from tests.conftest import ISSUE_TIME, REFERENCE, VERIFY_TIME, load_trust_list


def reference() -> Licence:
    return Licence.from_dict(json.loads(REFERENCE.read_text("utf-8")))


@pytest.fixture
def issued(issuer: Issuer) -> IssuedLicence:
    return issuer.issue(reference(), ISSUE_TIME)


def status_list(engine: Engine, signer: Signer, tmp_path: object) -> StatusList:
    from pathlib import Path

    directory = Path(str(tmp_path)) / "published"
    publish_status_list(engine, signer, directory, VERIFY_TIME)
    return StatusList.load((directory / STATUS_LIST_FILE).read_bytes(), load_trust_list(signer))


def test_issue_png_decode_verify_is_valid(
    issued: IssuedLicence, engine: Engine, signer: Signer, tmp_path: object
) -> None:
    text = read_qr(qr_png(issued.qr_text))
    assert text == issued.qr_text
    verdict = verify(text, load_trust_list(signer), status_list(engine, signer, tmp_path),
                     "架空绝缘电缆", VERIFY_TIME)
    assert verdict.code is VerdictCode.VALID, verdict.detail
    assert verdict.claims is not None
    assert verdict.claims.enterprise_name == "浙江杭州市西湖区华光电线电缆制造有限公司"


def test_reference_qr_is_version_12_at_level_q(issued: IssuedLicence) -> None:
    assert len(issued.token) <= 176  # 174 when the random status index is below 65,536
    assert qr_version(issued.qr_text) == 12


def test_without_status_list_status_is_unknown(issued: IssuedLicence, signer: Signer) -> None:
    verdict = verify(issued.qr_text, load_trust_list(signer), now=VERIFY_TIME)
    assert verdict.code is VerdictCode.STATUS_UNKNOWN
    assert verdict.authentic


@pytest.mark.parametrize(("moment", "code"), [
    ("2026-03-14 15:59:59", VerdictCode.NOT_YET_VALID),   # 23:59:59 on 14 March in China
    ("2026-03-14 16:00:00", VerdictCode.STATUS_UNKNOWN),  # 00:00 on 15 March in China
    ("2031-03-14 15:59:59", VerdictCode.STATUS_UNKNOWN),  # last second of validity
    ("2031-03-14 16:00:00", VerdictCode.EXPIRED),
])
def test_validity_is_judged_by_the_date_in_china(
    issuer: Issuer, signer: Signer, moment: str, code: VerdictCode
) -> None:
    """Signed two days before it takes effect, so that the signing time is in the past at
    every moment tried (a signing time still to come is refused on its own)."""
    issued = issuer.issue(reference(), ISSUE_TIME - dt.timedelta(days=2))
    trust = load_trust_list(signer)
    with freeze_time(moment):
        assert verify(issued.qr_text, trust).code is code


@pytest.mark.parametrize("status", [
    LicenceStatus.SUSPENDED, LicenceStatus.REVOKED, LicenceStatus.CANCELLED,
])
def test_status_list_verdicts(
    issued: IssuedLicence, engine: Engine, signer: Signer, tmp_path: object,
    status: LicenceStatus,
) -> None:
    with engine.begin() as conn:
        writer.set_status(conn, issued.number, status, ISSUE_TIME)
    statuses = status_list(engine, signer, tmp_path)
    verdict = verify(issued.qr_text, load_trust_list(signer), statuses, now=VERIFY_TIME)
    assert verdict.code.value == status.value
    assert verdict.status_as_of == VERIFY_TIME


def test_product_not_in_scope(
    issued: IssuedLicence, engine: Engine, signer: Signer, tmp_path: object
) -> None:
    statuses = status_list(engine, signer, tmp_path)
    verdict = verify(issued.qr_text, load_trust_list(signer), statuses, "安全帽", VERIFY_TIME)
    assert verdict.code is VerdictCode.PRODUCT_NOT_IN_SCOPE


def test_rotated_key_still_verifies_old_and_signs_new(
    issued: IssuedLicence, issuer: Issuer, signer: Signer
) -> None:
    signer.keystore.rotate(reference().issuer, ISSUE_TIME)
    trust = load_trust_list(signer)
    assert verify(issued.qr_text, trust, now=VERIFY_TIME).authentic
    fresh = Issuer(issuer.engine, Signer(signer.keystore), issuer.public_url).issue(
        reference().with_number(None), ISSUE_TIME)  # type: ignore[arg-type]
    assert fresh.token[7:15] != issued.token[7:15]  # another kid
    assert verify(fresh.qr_text, trust, now=VERIFY_TIME).authentic


def test_revoked_key_fails_with_its_reason(issued: IssuedLicence, signer: Signer) -> None:
    kid = decode_token_kid(issued.token)
    signer.keystore.revoke(kid, "private key disclosed", ISSUE_TIME)
    verdict = verify(issued.qr_text, load_trust_list(signer), now=VERIFY_TIME)
    assert verdict.code is VerdictCode.KEY_REVOKED
    assert verdict.detail == "private key disclosed"
    assert not verdict.authentic


def test_key_not_valid_when_signed(issued: IssuedLicence, signer: Signer) -> None:
    """A token whose signing time lies before the key's certificate window."""
    kid = decode_token_kid(issued.token)
    claims = decode_payload(decode_sign1_payload(issued.token))

    early = claims._replace(
        signed_at_epoch=int(dt.datetime(2025, 6, 1, tzinfo=dt.UTC).timestamp()))
    token = sign_directly(signer, kid, encode_payload(early))
    verdict = verify(token, load_trust_list(signer), now=VERIFY_TIME)
    assert verdict.code is VerdictCode.KEY_NOT_VALID_AT_SIGNING


def test_key_window_includes_both_ends_to_the_second(
    issued: IssuedLicence, signer: Signer
) -> None:
    """The token's signing time (whole seconds) against the certificate's window."""
    kid = decode_token_kid(issued.token)
    trust_list = load_trust_list(signer)
    key = trust_list.keys[bytes.fromhex(kid)]
    claims = decode_payload(decode_sign1_payload(issued.token))
    second = dt.timedelta(seconds=1)
    for moment, code in ((key.not_before - second, VerdictCode.KEY_NOT_VALID_AT_SIGNING),
                         (key.not_before, VerdictCode.STATUS_UNKNOWN),
                         (key.not_after, VerdictCode.STATUS_UNKNOWN),
                         (key.not_after + second, VerdictCode.KEY_NOT_VALID_AT_SIGNING)):
        payload = encode_payload(claims._replace(signed_at_epoch=int(moment.timestamp())))
        token = sign_directly(signer, kid, payload)
        now = max(moment, VERIFY_TIME)  # never before the signing time
        assert verify(token, trust_list, now=now).code is code, moment


def test_key_of_another_bureau_is_not_trusted_for_this_number(
    issued: IssuedLicence, signer: Signer
) -> None:
    jiangsu = signer.keystore.active_key("32", ISSUE_TIME).kid
    token = sign_directly(signer, jiangsu, decode_sign1_payload(issued.token))
    verdict = verify(token, load_trust_list(signer), now=VERIFY_TIME)
    assert verdict.code is VerdictCode.UNKNOWN_KEY


def test_unknown_key_and_forgery(issued: IssuedLicence, signer: Signer) -> None:
    assert verify(issued.qr_text, None, now=VERIFY_TIME).code is VerdictCode.UNKNOWN_KEY
    forged = bytearray(issued.token)
    forged[-1] ^= 1
    verdict = verify(bytes(forged), load_trust_list(signer), now=VERIFY_TIME)
    assert verdict.code is VerdictCode.BAD_SIGNATURE
    assert verdict.claims is None


def decode_token_kid(token: bytes) -> str:
    from certsvc.credential.cose import decode_sign1

    return decode_sign1(token).kid.hex()


def decode_sign1_payload(token: bytes) -> bytes:
    from certsvc.credential.cose import decode_sign1

    return decode_sign1(token).payload


def sign_directly(signer: Signer, kid: str, payload: bytes) -> bytes:
    """Bypass the signer's lint, as an attacker holding the key would."""
    key = signer.keystore.load_private_key(kid)
    protected = protected_header(bytes.fromhex(kid))
    return encode_sign1(protected, payload, key.sign(sig_structure(protected, payload)))
