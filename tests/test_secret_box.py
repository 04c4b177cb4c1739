"""TOTP seeds are sealed at rest: a copy of the database gives no second factor away."""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path

import pyotp
import pytest
from freezegun import freeze_time
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select, update

from certsvc.signer.secret_box import SealedSecretInvalid, SecretBox, secret_box
from certsvc.store.models import AccountCredentials
from tests.conftest import Api, signin_of
from tests.test_console_signin import GOOD, START

BOX = SecretBox(bytes(range(32)))


def test_a_sealed_seed_opens_only_for_its_account() -> None:
    sealed = BOX.seal("JBSWY3DPEHPK3PXP", "totp:17")
    assert sealed.startswith("v1:") and "JBSWY3DPEHPK3PXP" not in sealed
    assert BOX.open(sealed, "totp:17") == "JBSWY3DPEHPK3PXP"
    assert BOX.seal("JBSWY3DPEHPK3PXP", "totp:17") != sealed  # a fresh nonce each time
    with pytest.raises(SealedSecretInvalid):
        BOX.open(sealed, "totp:18")  # copied onto another account
    with pytest.raises(SealedSecretInvalid):
        SecretBox(bytes(32)).open(sealed, "totp:17")  # another data key


@given(st.one_of(st.text(max_size=200), st.text(max_size=200).map(lambda t: "v1:" + t),
                 st.binary(max_size=120).map(
                     lambda b: "v1:" + base64.urlsafe_b64encode(b).decode())))
def test_any_stored_text_opens_or_is_refused_plainly(text: str) -> None:
    """Whatever the column holds, the answer is the seed or SealedSecretInvalid."""
    try:
        opened = BOX.open(text, "totp:1")
    except SealedSecretInvalid:
        return
    assert isinstance(opened, str)


def test_the_data_key_lives_in_keys_wrapped_and_private(tmp_path: Path) -> None:
    box = secret_box(tmp_path, b"a passphrase")
    path = tmp_path / "console" / "secret-box.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    entry = json.loads(path.read_text())
    assert entry["kdf"] == "scrypt" and set(entry) >= {"salt", "nonce", "wrapped"}
    sealed = box.seal("SEED", "totp:1")
    assert secret_box(tmp_path, b"a passphrase").open(sealed, "totp:1") == "SEED"
    with pytest.raises(SealedSecretInvalid):
        secret_box(tmp_path, b"another passphrase")


def _stored(api: Api, who: str) -> str:
    with api.engine.connect() as conn:
        return str(conn.execute(select(AccountCredentials.totp_secret).where(
            AccountCredentials.account_id == api.accounts[who])).scalar_one())


@freeze_time(START)
def test_the_database_holds_no_seed_in_clear(api: Api) -> None:
    signin = signin_of(api)
    seed = signin.accept_invite(signin.invite(None, api.accounts["zhejiang"], START, "t"),
                                GOOD, START, "t").totp_secret
    stored = _stored(api, "zhejiang")
    assert seed is not None and seed not in stored and stored.startswith("v1:")
    token, second = signin.sign_in(api.accounts["zhejiang"], GOOD, "test", START, "t")
    assert second
    assert signin.second_factor(token, pyotp.TOTP(seed).now(), "test", START, "t")


@freeze_time(START)
def test_a_seed_stored_in_clear_before_is_sealed_at_its_next_use(api: Api) -> None:
    signin = signin_of(api)
    signin.accept_invite(signin.invite(None, api.accounts["national"], START, "t"), GOOD,
                         START, "t")
    legacy = pyotp.random_base32()
    with api.engine.begin() as conn:
        conn.execute(update(AccountCredentials).where(
            AccountCredentials.account_id == api.accounts["national"]).values(
            totp_secret=legacy))
    token, _ = signin.sign_in(api.accounts["national"], GOOD, "test", START, "t")
    assert signin.second_factor(token, pyotp.TOTP(legacy).now(), "test", START, "t")
    stored = _stored(api, "national")
    assert stored.startswith("v1:") and legacy not in stored
    assert signin.current_code(api.accounts["national"], START) == pyotp.TOTP(legacy).at(START)


@freeze_time(START)
def test_a_seed_moved_to_another_account_does_not_sign_in(api: Api) -> None:
    signin = signin_of(api)
    for who in ("zhejiang", "jiangsu"):
        signin.accept_invite(signin.invite(None, api.accounts[who], START, "t"), GOOD, START,
                             "t")
    with api.engine.begin() as conn:
        conn.execute(update(AccountCredentials).where(
            AccountCredentials.account_id == api.accounts["jiangsu"]).values(
            totp_secret=_stored(api, "zhejiang")))
    token, _ = signin.sign_in(api.accounts["jiangsu"], GOOD, "test", START, "t")
    with pytest.raises(SealedSecretInvalid):
        signin.second_factor(token, "123456", "test", START, "t")
