"""What a genuine key signed is still refused when issuance would have refused it, when it is
not the register's, when its lists are stale, or when its key had retired — at every door:
the verifier, the CLI, ``POST /api/v1/verify`` and the QR landing page.

Tokens here are signed straight with the test keys, bypassing the signer's lint, as someone
holding a stolen key (or a signer with a bug) would.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from freezegun import freeze_time
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from certsvc.config import STATUS_LIST_FILE
from certsvc.credential.cose import decode_sign1
from certsvc.credential.lint import licence_rule_violation
from certsvc.credential.payload import LicenceClaims, decode_payload, encode_payload
from certsvc.credential.qr_text import qr_text, token_to_digits
from certsvc.credential.status_list import StatusList
from certsvc.credential.trust_list import TrustList, load_root_public_key
from certsvc.credential.verifier import CLOCK_SKEW, VerdictCode, verify
from certsvc.domain.licence import LicenceStatus
from certsvc.domain.time import utcnow
from certsvc.errors import LintError
from certsvc.publish.artefacts import publish_status_list, publish_trust_list
from certsvc.signer.signer import Signer
from certsvc.store import writer
from certsvc.workflow.issuance import IssuedLicence, Issuer
from tests.conftest import ISSUE_TIME, PUBLIC_URL, VERIFY_TIME, init_keys, load_trust_list, run
from tests.test_public_site import make_client
from tests.test_verifier import reference, sign_directly

NOW = utcnow()


def claims_of(issued: IssuedLicence) -> LicenceClaims:
    return decode_payload(decode_sign1(issued.token).payload)


def kid_of(issued: IssuedLicence) -> str:
    return decode_sign1(issued.token).kid.hex()


def forge(signer: Signer, issued: IssuedLicence, **changes: object) -> bytes:
    """The reference licence's claims with ``changes``, signed by its genuine key."""
    payload = encode_payload(claims_of(issued)._replace(**changes))
    return sign_directly(signer, kid_of(issued), payload)


# Each breaks a rule that issuance keeps (check_terms), or packs no USCC.
MIS_ISSUED = {
    # 一企一证: a scope may span products, but the number must name a catalogue product
    "number-of-no-product": {"category": 6, "product": 9},
    # 安全帽 came under licence on 2024-09-25 (国发〔2024〕11号); issued 2024-09-24
    "unit-not-yet-listed": {"scope": (4, 29),
                            "issued_ordinal": dt.date(2024, 9, 24).toordinal()},
    "unit-not-in-catalogue": {"scope": (4, 999)},
    "unit-withdrawn-before-issue": {"category": 8, "product": 4, "scope": (32,)},
    "ends-before-it-starts": {"valid_until_ordinal": dt.date(2026, 3, 1).toordinal()},
    "uscc-that-packs-no-code": {"uscc_packed": b"\xff" * 11},
    "uscc-without-region": {"uscc_packed": (30 * 31**10).to_bytes(11, "big")},
}


@pytest.fixture
def published(tmp_path: Path, signer: Signer, engine: Engine) -> Path:
    publish_trust_list(signer, tmp_path / "trust-list.cose", NOW)
    return tmp_path


@pytest.fixture
def client(database_url: str, published: Path, signer: Signer) -> FlaskClient:
    return make_client(database_url, published, signer)


def doors(client: FlaskClient, token: bytes) -> tuple[str, str]:
    """(the API's verdict, the landing page's HTML) for ``token``; neither may fail."""
    text = qr_text(PUBLIC_URL, token)
    api = client.post("/api/v1/verify", json={"qr_text": text})
    assert api.status_code == 200, api.get_data(as_text=True)
    page = client.get("/V/" + token_to_digits(token))
    assert page.status_code == 200
    return api.get_json()["verdict"], page.get_data(as_text=True)


@pytest.mark.parametrize("attack", sorted(MIS_ISSUED))
def test_mis_issued_tokens_are_refused_at_every_door(
    attack: str, issued: IssuedLicence, signer: Signer, client: FlaskClient
) -> None:
    token = forge(signer, issued, **MIS_ISSUED[attack])
    verdict = verify(token, load_trust_list(signer, NOW), now=NOW)
    assert verdict.code is VerdictCode.MIS_ISSUED, verdict
    assert verdict.claims is None  # nothing of it is shown as if it were a licence
    api, page = doors(client, token)
    assert api == "mis_issued"
    assert "有效" not in page.split('id="verdict"')[1][:40]
    with pytest.raises((LintError, Exception)):
        signer.sign_licence(bytes.fromhex(kid_of(issued)), decode_sign1(token).payload)


@pytest.mark.parametrize("attack", sorted(MIS_ISSUED))
def test_the_cli_says_mis_issued_without_a_traceback(
    attack: str, env: dict[str, str], tmp_path: Path
) -> None:
    init_keys(env)
    with freeze_time("2026-03-15 02:00:00"):
        body = json.loads(run(env, "licence", "issue", "--file",
                              str(Path(__file__).parent / "data" / "reference-licence.json"),
                              "--json").output)
    keys = Path(env["CERTSVC_KEYS_DIR"])
    from certsvc.signer.keystore import KeyStore

    signer = Signer(KeyStore(keys, env["CERTSVC_KEY_PASSPHRASE"].encode()))
    token = bytes.fromhex(body["token"])
    kid = decode_sign1(token).kid.hex()
    claims = decode_payload(decode_sign1(token).payload)
    forged = sign_directly(signer, kid, encode_payload(claims._replace(**MIS_ISSUED[attack])))
    with freeze_time("2026-06-01"):
        result = run(env, "verify", "--qr-text", qr_text(PUBLIC_URL, forged), "--json")
    assert result.exit_code == 1, result.output
    assert json.loads(result.output)["verdict"] == "mis_issued"


def test_a_signing_time_in_the_future_is_refused(issued: IssuedLicence, signer: Signer) -> None:
    trust = load_trust_list(signer, VERIFY_TIME)
    for ahead, code in ((dt.timedelta(days=180), VerdictCode.SIGNED_IN_FUTURE),
                        (CLOCK_SKEW + dt.timedelta(seconds=1), VerdictCode.SIGNED_IN_FUTURE),
                        (CLOCK_SKEW, VerdictCode.STATUS_UNKNOWN)):
        token = forge(signer, issued, signed_at_epoch=int((VERIFY_TIME + ahead).timestamp()))
        with freeze_time(VERIFY_TIME):
            assert verify(token, trust).code is code, ahead


def test_a_retired_key_signs_nothing_new(issued: IssuedLicence, signer: Signer) -> None:
    """``keys rotate`` ends the old key's window at the rotation, in the trust list."""
    rotated_at = ISSUE_TIME + dt.timedelta(days=10)
    signer.keystore.rotate(reference().issuer, rotated_at)
    trust = load_trust_list(signer, VERIFY_TIME)
    old = trust.keys[bytes.fromhex(kid_of(issued))]
    assert old.retired_at == rotated_at
    before = forge(signer, issued, signed_at_epoch=int(rotated_at.timestamp()))
    after = forge(signer, issued, signed_at_epoch=int(rotated_at.timestamp()) + 1)
    today = forge(signer, issued, signed_at_epoch=int(VERIFY_TIME.timestamp()))
    assert verify(issued.qr_text, trust, now=VERIFY_TIME).code is VerdictCode.STATUS_UNKNOWN
    assert verify(before, trust, now=VERIFY_TIME).code is VerdictCode.STATUS_UNKNOWN
    for token in (after, today):
        assert verify(token, trust, now=VERIFY_TIME).code is VerdictCode.KEY_NOT_VALID_AT_SIGNING


def test_a_genuine_key_token_the_register_never_recorded(
    issued: IssuedLicence, signer: Signer, client: FlaskClient
) -> None:
    """A made-up serial, and one that copies the genuine QR's status index."""
    claims = claims_of(issued)
    made_up = forge(signer, issued, serial=4321, status_index=7)
    copied_index = forge(signer, issued, serial=4321)
    other_name = forge(signer, issued, enterprise_name="冒名顶替电缆有限公司")
    for token in (made_up, copied_index, other_name):
        api, page = doors(client, token)
        assert api == "not_in_register"
        assert "未登记" in page and "举报" in page
    assert doors(client, issued.token)[0] == "valid"
    assert claims.serial == 12


def test_a_superseded_token_says_so_online(
    issued: IssuedLicence, issuer: Issuer, engine: Engine, signer: Signer, client: FlaskClient
) -> None:
    from sqlalchemy import select

    from certsvc.store.models import LicenceRow

    with engine.begin() as conn:
        row_id = conn.execute(select(LicenceRow.id)).scalar_one()
        writer.supersede_token(conn, row_id, {"status_index": 99}, ISSUE_TIME)
    assert doors(client, issued.token)[0] == "superseded"


def test_a_stale_status_list_never_says_valid(
    issued: IssuedLicence, engine: Engine, signer: Signer, tmp_path: Path
) -> None:
    """A list 30 days old in which the licence was still valid: the status is unknown; a
    revocation on an old list stays a revocation."""
    month_ago = VERIFY_TIME - dt.timedelta(days=30)
    publish_status_list(engine, signer, tmp_path / "old", month_ago)
    with engine.begin() as conn:
        writer.set_status(conn, issued.number, LicenceStatus.REVOKED, VERIFY_TIME)
    trust = load_trust_list(signer, VERIFY_TIME)
    old = StatusList.load((tmp_path / "old" / STATUS_LIST_FILE).read_bytes(), trust)
    verdict = verify(issued.qr_text, trust, old, now=VERIFY_TIME)
    assert verdict.code is VerdictCode.STATUS_UNKNOWN
    assert "out of date" in verdict.detail
    with freeze_time(month_ago + dt.timedelta(hours=23)):
        assert verify(issued.qr_text, trust, old).code is VerdictCode.VALID
    publish_status_list(engine, signer, tmp_path / "new", VERIFY_TIME)
    revoked = StatusList.load((tmp_path / "new" / STATUS_LIST_FILE).read_bytes(), trust)
    with freeze_time(VERIFY_TIME + dt.timedelta(days=30)):
        assert verify(issued.qr_text, trust, revoked).code is VerdictCode.REVOKED


def test_a_stale_trust_list_never_says_valid(
    issued: IssuedLicence, engine: Engine, signer: Signer, tmp_path: Path
) -> None:
    stale = load_trust_list(signer, VERIFY_TIME - dt.timedelta(days=8))
    publish_status_list(engine, signer, tmp_path, VERIFY_TIME)
    statuses = StatusList.load((tmp_path / STATUS_LIST_FILE).read_bytes(), stale)
    verdict = verify(issued.qr_text, stale, statuses, now=VERIFY_TIME)
    assert verdict.code is VerdictCode.STATUS_UNKNOWN
    assert "trust list is out of date" in verdict.detail
    fresh = load_trust_list(signer, VERIFY_TIME - dt.timedelta(days=6))
    assert verify(issued.qr_text, fresh, statuses, now=VERIFY_TIME).code is VerdictCode.VALID


def test_the_cli_refuses_a_rolled_back_trust_list(env: dict[str, str], tmp_path: Path) -> None:
    """A trust list from before a key was revoked for compromise: exit 2, with the reason."""
    init_keys(env)
    published = Path(env["CERTSVC_PUBLISH_DIR"]) / "trust-list.cose"
    with freeze_time("2026-03-15 02:00:00"):
        issued = json.loads(run(env, "licence", "issue", "--file",
                                str(Path(__file__).parent / "data" / "reference-licence.json"),
                                "--json").output)
        run(env, "publish")
        old = tmp_path / "old-trust-list.cose"
        old.write_bytes(published.read_bytes())
        state = tmp_path / "verifier.json"
        first = run(env, "verify", "--qr-text", issued["qr_text"], "--state", str(state))
        assert first.exit_code == 3, first.output
        kid = decode_sign1(bytes.fromhex(issued["token"])).kid.hex()
        run(env, "keys", "revoke", kid, "--reason", "key stolen")
        revoked = run(env, "verify", "--qr-text", issued["qr_text"], "--state", str(state))
        assert revoked.exit_code == 1
        replay = run(env, "verify", "--qr-text", issued["qr_text"], "--trust-list", str(old),
                     "--state", str(state))
    assert replay.exit_code == 2
    assert "rolled-back" in replay.output
    assert json.loads(state.read_text())  # remembered, per root


def test_publish_every_refuses_an_interval_longer_than_half_a_list_life(
    env: dict[str, str]
) -> None:
    init_keys(env)
    assert run(env, "publish", "--every", str(13 * 3600)).exit_code == 2


# --- property: whatever a genuine key signs, the verifier answers and never says valid for
# what the lint refuses ------------------------------------------------------------------
claims_strategy = st.builds(
    LicenceClaims,
    bureau_code=st.sampled_from(["33"]),
    category=st.integers(0, 99),
    product=st.integers(0, 999),
    serial=st.integers(1, 99_999),
    enterprise_name=st.text(st.characters(codec="gb18030", exclude_categories=("Cs",)),
                            min_size=1, max_size=40),
    uscc_packed=st.binary(min_size=11, max_size=11),
    scope=st.lists(st.integers(0, 40), min_size=1, max_size=6, unique=True).map(
        lambda units: tuple(sorted(units))),
    issued_ordinal=st.integers(dt.date(1970, 1, 1).toordinal(), dt.date(2100, 1, 1).toordinal()),
    valid_until_ordinal=st.integers(dt.date(1970, 1, 1).toordinal(),
                                    dt.date(2100, 1, 1).toordinal()),
    signed_at_epoch=st.integers(0, 2**33),
    status_index=st.integers(0, 2**32 - 1),
)


@pytest.fixture(scope="module")
def genuine(tmp_path_factory: pytest.TempPathFactory, pristine_keys: Path
            ) -> tuple[Signer, str, TrustList]:
    import shutil

    from certsvc.signer.keystore import KeyStore
    from tests.conftest import PASSPHRASE

    directory = tmp_path_factory.mktemp("forge") / "keys"
    shutil.copytree(pristine_keys, directory)
    signer = Signer(KeyStore(directory, PASSPHRASE))
    kid = signer.licence_key("33", VERIFY_TIME).hex()
    root = load_root_public_key(signer.keystore.root_certificate_pem())
    return signer, kid, TrustList.load(signer.trust_list(VERIFY_TIME), root)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(claims=claims_strategy)
def test_any_signed_claims_get_a_verdict(
    genuine: tuple[Signer, str, TrustList], claims: LicenceClaims
) -> None:
    signer, kid, trust = genuine
    try:
        payload = encode_payload(claims)
    except (ValueError, UnicodeError):
        return
    verdict = verify(sign_directly(signer, kid, payload), trust, now=VERIFY_TIME)
    assert isinstance(verdict.code, VerdictCode)
    try:
        refused = licence_rule_violation(decode_payload(payload, check_uscc=False)) is not None
    except Exception:  # the strict decoder refuses it: then it must be malformed
        assert verdict.code is VerdictCode.MALFORMED
        return
    if refused:
        assert verdict.code is VerdictCode.MIS_ISSUED
        assert not verdict.valid and verdict.claims is None
    if verdict.claims is not None:  # shown to the public: every field must be showable
        assert verdict.claims.uscc and verdict.claims.number.canonical


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(payload=st.binary(max_size=300))
def test_any_signed_bytes_get_a_verdict(genuine: tuple[Signer, str, TrustList],
                                        payload: bytes) -> None:
    signer, kid, trust = genuine
    verdict = verify(sign_directly(signer, kid, payload), trust, now=VERIFY_TIME)
    assert verdict.code is VerdictCode.MALFORMED or verdict.code is VerdictCode.MIS_ISSUED \
        or not verdict.valid
