"""Signing in to the console: invitations, passwords, the second factor, sessions, CSRF,
the lock, and the audit log — through HTTP, with time frozen."""

from __future__ import annotations

import datetime as dt
import re
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pyotp
import pytest
from flask.testing import FlaskClient
from freezegun import freeze_time
from sqlalchemy import insert, select

from certsvc.domain.accounts import Role
from certsvc.errors import Conflict
from certsvc.store import accounts, credentials
from certsvc.store.models import AccountInvite, AuditEvent
from tests.conftest import Api, signin_of

START = dt.datetime(2026, 6, 1, 2, 0, tzinfo=dt.UTC)
GOOD = "绿色的马在电池上订书钉，钉得很稳"  # 16 characters: enough even without a second factor


def console(api: Api) -> FlaskClient:
    return api.client.application.test_client()  # type: ignore[no-any-return]


def give_password(api: Api, who: str, password: str = GOOD) -> str | None:
    """Invite ``who`` and accept with ``password``; its TOTP secret, if it has one."""
    signin = signin_of(api)
    token = signin.invite(None, api.accounts[who], START, "test")
    return signin.accept_invite(token, password, START, "test").totp_secret


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, page
    return found.group(1)


def sign_in(client: FlaskClient, account_id: int, password: str = GOOD) -> Any:
    form = client.get("/console/sign-in", base_url="https://localhost")
    return client.post("/console/sign-in", base_url="https://localhost", data={
        "csrf": csrf_of(form.get_data(as_text=True)), "account": str(account_id),
        "password": password})


def session_cookie(client: FlaskClient) -> str | None:
    cookie = client.get_cookie("__Host-certsvc-session", domain="localhost")
    return cookie.value if cookie else None


@freeze_time(START)
def test_a_bureau_clerk_signs_in_with_password_and_code(api: Api) -> None:
    secret = give_password(api, "zhejiang")
    assert secret is not None
    client = console(api)
    answer = sign_in(client, api.accounts["zhejiang"])
    assert answer.status_code == 303 and answer.location.endswith("/console/second-factor")
    header = answer.headers["Set-Cookie"]
    assert header.startswith("__Host-certsvc-session=")
    for attribute in ("Secure", "HttpOnly", "SameSite=Lax", "Path=/"):
        assert attribute in header
    half = session_cookie(client)
    # no page of the console opens before the code
    assert client.get("/console/", base_url="https://localhost").location.endswith(
        "/console/second-factor")
    page = client.get("/console/second-factor", base_url="https://localhost")
    csrf = csrf_of(page.get_data(as_text=True))
    wrong = client.post("/console/second-factor", base_url="https://localhost",
                        data={"csrf": csrf, "code": "000000"})
    assert wrong.status_code == 401
    code = pyotp.TOTP(secret).now()
    done = client.post("/console/second-factor", base_url="https://localhost",
                       data={"csrf": csrf, "code": code})
    assert done.status_code == 303
    assert session_cookie(client) not in (None, half)  # a new session id at sign-in
    home = client.get("/console/", base_url="https://localhost")
    assert home.status_code == 200 and "待办事项" in home.get_data(as_text=True)
    assert home.headers["Content-Security-Policy"].startswith("default-src 'none'")
    # the same code again, in a new sign-in: refused (a code is good once)
    other = console(api)
    sign_in(other, api.accounts["zhejiang"])
    page = other.get("/console/second-factor", base_url="https://localhost")
    replay = other.post("/console/second-factor", base_url="https://localhost", data={
        "csrf": csrf_of(page.get_data(as_text=True)), "code": code})
    assert replay.status_code == 401


@freeze_time(START)
def test_an_enterprise_signs_in_with_a_password_alone(api: Api) -> None:
    assert give_password(api, "enterprise") is None
    client = console(api)
    answer = sign_in(client, api.accounts["enterprise"])
    assert answer.status_code == 303 and answer.location.endswith("/console/")
    assert client.get("/console/", base_url="https://localhost").status_code == 200


@pytest.mark.parametrize(("password", "who", "problem"), [
    ("short1!", "zhejiang", "at least 8"),
    ("an eight-char+ but alone", "enterprise", "at least 15"),  # 24: fine
    ("password12345678", "enterprise", "commonly used"),
    ("qwertyuiopasdfgh", "enterprise", "commonly used"),
    ("aaaaaaaaaaaaaaaaaa", "enterprise", "repeated"),
    ("my certsvc password!", "enterprise", "commonly used"),
])
def test_passwords_follow_nist(api: Api, password: str, who: str, problem: str) -> None:
    signin = signin_of(api)
    token = signin.invite(None, api.accounts[who], START, "test")
    if problem == "at least 15" and len(password) >= 15:
        assert signin.accept_invite(token, password, START, "test").principal
        return
    with pytest.raises(Exception, match=problem):
        signin.accept_invite(token, password, START, "test")


@freeze_time(START)
def test_the_sixth_wrong_password_locks_until_unlocked(api: Api) -> None:
    give_password(api, "enterprise")
    client = console(api)
    account = api.accounts["enterprise"]
    for _ in range(5):
        assert sign_in(client, account, "wrong password, wrong").status_code == 401
    sixth = sign_in(client, account, "wrong password, wrong")
    assert sixth.status_code == 401
    locked = sign_in(client, account)  # even the right password now
    assert locked.status_code == 401
    # the same answer as a wrong password or an account that does not exist: a stranger
    # cannot tell a locked account (so an existing one) from the others
    unknown = sign_in(client, 999_999, "wrong password, wrong")
    other = api.accounts["other_enterprise"]
    give_password(api, "other_enterprise")
    wrong = sign_in(console(api), other, "wrong password, wrong")
    assert _error_of(locked) == _error_of(unknown) == _error_of(wrong)
    assert locked.status_code == unknown.status_code == wrong.status_code
    signin_of(api).unlock(None, account, START, "test")
    assert sign_in(client, account).status_code == 303
    with api.engine.connect() as conn:
        actions = conn.execute(select(AuditEvent.action).where(
            AuditEvent.subject == f"account:{account}")).scalars().all()
    assert actions.count("sign_in.failed") == 5
    for action in ("account.invite", "account.password_set", "sign_in.lock",
                   "sign_in.locked", "account.unlock", "sign_in"):
        assert action in actions, action


@freeze_time(START)
def test_a_cross_site_form_post_is_refused(api: Api) -> None:
    give_password(api, "enterprise")
    client = console(api)
    assert sign_in(client, api.accounts["enterprise"]).status_code == 303
    for data in ({}, {"csrf": "forged"}):
        assert client.post("/console/sign-out-everywhere", base_url="https://localhost",
                           data=data).status_code == 403
    stranger = console(api)  # no CSRF cookie: a form posted from another site
    answer = stranger.post("/console/sign-in", base_url="https://localhost", data={
        "csrf": "x", "account": str(api.accounts["enterprise"]), "password": GOOD})
    assert answer.status_code == 403


def test_sessions_end_when_idle_or_old_and_everywhere(api: Api) -> None:
    with freeze_time(START):
        give_password(api, "enterprise")
        first, second = console(api), console(api)
        sign_in(first, api.accounts["enterprise"])
        sign_in(second, api.accounts["enterprise"])
    with freeze_time(START + dt.timedelta(minutes=29)):
        assert first.get("/console/", base_url="https://localhost").status_code == 200
    with freeze_time(START + dt.timedelta(minutes=29 + 31)):  # idle 31 minutes
        assert first.get("/console/", base_url="https://localhost").status_code == 303
    with freeze_time(START + dt.timedelta(hours=1)):
        third = console(api)
        sign_in(third, api.accounts["enterprise"])
        page = third.get("/console/account", base_url="https://localhost")
        assert page.status_code == 200
        third.post("/console/sign-out-everywhere", base_url="https://localhost",
                   data={"csrf": csrf_of(page.get_data(as_text=True))})
        assert second.get("/console/", base_url="https://localhost").status_code == 303
        assert third.get("/console/", base_url="https://localhost").status_code == 303
    with freeze_time(START + dt.timedelta(hours=2)):
        fourth = console(api)
        sign_in(fourth, api.accounts["enterprise"])
    for minutes in range(25, 12 * 60, 25):  # kept busy, it still ends after 12 hours
        with freeze_time(START + dt.timedelta(hours=2, minutes=minutes)):
            fourth.get("/console/", base_url="https://localhost")
    with freeze_time(START + dt.timedelta(hours=14, minutes=5)):
        assert fourth.get("/console/", base_url="https://localhost").status_code == 303


@freeze_time(START)
def test_the_console_takes_no_bearer_token_and_the_api_no_cookie(api: Api) -> None:
    give_password(api, "enterprise")
    client = console(api)
    bearer = {"Authorization": f"Bearer {api.tokens['enterprise']}"}
    assert client.get("/console/", base_url="https://localhost",
                      headers=bearer).status_code == 303
    sign_in(client, api.accounts["enterprise"])
    assert client.get("/api/v1/me", base_url="https://localhost").status_code == 401


@freeze_time(START)
def test_who_may_invite(api: Api) -> None:
    from certsvc.errors import Forbidden

    signin = signin_of(api)
    with api.engine.begin() as conn:
        zhejiang = accounts.principal_for_account(conn, api.accounts["zhejiang"])
        clerk = accounts.create_account(conn, Role.PROVINCIAL, "浙江省局科员", START,
                                        bureau_code="33")
    assert signin.invite(zhejiang, clerk, START, "t")
    for other in ("jiangsu", "enterprise", "national"):
        with pytest.raises(Forbidden):
            signin.invite(zhejiang, api.accounts[other], START, "t")


@freeze_time(START)
def test_an_invitation_works_once(api: Api) -> None:
    signin = signin_of(api)
    token = signin.invite(None, api.accounts["enterprise"], START, "test")
    client = console(api)
    page = client.get(f"/console/invite/{token}", base_url="https://localhost")
    assert page.status_code == 200
    done = client.post(f"/console/invite/{token}", base_url="https://localhost", data={
        "csrf": csrf_of(page.get_data(as_text=True)), "password": GOOD, "again": GOOD})
    assert done.status_code == 200 and "account-number" in done.get_data(as_text=True)
    assert client.get(f"/console/invite/{token}", base_url="https://localhost"
                      ).status_code == 409
    with api.engine.connect() as conn:
        stored = credentials.credentials(conn, api.accounts["enterprise"])
    assert stored is not None and stored.password_hash.startswith("$argon2id$")
    assert GOOD not in stored.password_hash


@freeze_time(START)
def test_names_with_html_render_inert(api: Api) -> None:
    with api.engine.begin() as conn:
        evil = accounts.create_account(conn, Role.ENTERPRISE, "<script>alert(1)</script>",
                                       START, uscc="91330106MA2H7K3LXA")
    signin = signin_of(api)
    token = signin.invite(None, evil, START, "test")
    signin.accept_invite(token, GOOD, START, "test")
    client = console(api)
    sign_in(client, evil)
    page = client.get("/console/account", base_url="https://localhost").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def _error_of(answer: Any) -> str:
    found = re.search(r'role="alert"[^>]*>(.*?)<', answer.get_data(as_text=True), re.S)
    assert found, answer.get_data(as_text=True)
    return found.group(1).strip()


def test_production_hashes_passwords_with_rfc_9106_parameters() -> None:
    """Tests hash with argon2's cheapest parameters (tests/conftest.py); the service does
    not."""
    from argon2 import extract_parameters, profiles

    from certsvc.workflow import signin

    assert signin.PARAMETERS == profiles.RFC_9106_LOW_MEMORY
    assert extract_parameters(signin._UNKNOWN_ACCOUNT) == profiles.RFC_9106_LOW_MEMORY


def _code_page(client: FlaskClient) -> str:
    return csrf_of(client.get("/console/second-factor", base_url="https://localhost")
                   .get_data(as_text=True))


def _wrong_code(client: FlaskClient, secret: str) -> Any:
    code = f"{(int(pyotp.TOTP(secret).now()) + 1) % 1_000_000:06d}"
    return client.post("/console/second-factor", base_url="https://localhost",
                       data={"csrf": _code_page(client), "code": code})


@freeze_time(START)
def test_second_factor_guesses_count_toward_the_lock_across_sessions(api: Api) -> None:
    """Six wrong codes lock the account, even spread over sessions that each passed the
    password (a right password does not forgive wrong codes)."""
    secret = give_password(api, "zhejiang")
    assert secret is not None
    account = api.accounts["zhejiang"]
    for _ in range(2):
        client = console(api)
        assert sign_in(client, account).status_code == 303
        for _ in range(3):
            assert _wrong_code(client, secret).status_code == 401
    last = console(api)
    assert sign_in(last, account).status_code == 401  # locked: not even the password
    with api.engine.connect() as conn:
        row = credentials.credentials(conn, account)
        actions = conn.execute(select(AuditEvent.action).where(
            AuditEvent.subject == f"account:{account}")).scalars().all()
    assert row is not None and row.locked_at is not None
    assert actions.count("sign_in.second_factor_failed") == 5 and "sign_in.lock" in actions


@freeze_time(START)
def test_a_half_signed_in_session_cannot_finish_once_the_account_locks(api: Api) -> None:
    secret = give_password(api, "zhejiang")
    assert secret is not None
    account = api.accounts["zhejiang"]
    patient = console(api)
    assert sign_in(patient, account).status_code == 303
    page = _code_page(patient)
    guesser = console(api)
    assert sign_in(guesser, account).status_code == 303
    for _ in range(6):
        _wrong_code(guesser, secret)
    right = patient.post("/console/second-factor", base_url="https://localhost",
                         data={"csrf": page, "code": pyotp.TOTP(secret).now()})
    assert right.status_code in (303, 401)
    assert patient.get("/console/account", base_url="https://localhost").status_code != 200


@freeze_time(START)
def test_a_right_code_clears_the_count(api: Api) -> None:
    secret = give_password(api, "zhejiang")
    assert secret is not None
    account = api.accounts["zhejiang"]
    client = console(api)
    sign_in(client, account)
    for _ in range(5):
        _wrong_code(client, secret)
    done = client.post("/console/second-factor", base_url="https://localhost",
                       data={"csrf": _code_page(client), "code": pyotp.TOTP(secret).now()})
    assert done.status_code == 303
    with api.engine.connect() as conn:
        row = credentials.credentials(conn, account)
    assert row is not None and row.failed_sign_ins == 0 and row.locked_at is None


@freeze_time(START)
def test_a_new_password_ends_the_accounts_sessions(api: Api) -> None:
    give_password(api, "enterprise")
    client = console(api)
    assert sign_in(client, api.accounts["enterprise"]).status_code == 303
    assert client.get("/console/account", base_url="https://localhost").status_code == 200
    give_password(api, "enterprise", GOOD + "，换了")
    assert client.get("/console/account", base_url="https://localhost").status_code == 303


@freeze_time(START)
def test_a_newer_set_up_link_voids_the_older_and_using_one_voids_the_rest(api: Api) -> None:
    signin = signin_of(api)
    account = api.accounts["enterprise"]
    older = signin.invite(None, account, START, "test")
    newer = signin.invite(None, account, START, "test")
    with pytest.raises(Conflict):
        signin.accept_invite(older, GOOD, START, "test")
    signin.accept_invite(newer, GOOD, START, "test")
    # two unused links at once (two administrators racing): using one voids the other
    first = signin.invite(None, account, START, "test")
    with api.engine.begin() as conn:
        conn.execute(insert(AccountInvite).values(
            digest=credentials.digest("raced"), account_id=account, created_at=START,
            expires_at=START + dt.timedelta(hours=1)))
    signin.accept_invite(first, GOOD + "！", START, "test")
    for token in (older, newer, first, "raced"):
        with pytest.raises(Conflict):
            signin.accept_invite(token, GOOD + "！！", START, "test")


def test_parallel_wrong_passwords_get_at_most_six_checks(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """Counted before the check, in one statement: 24 parallel guesses in 8 threads are
    checked against the password at most six times, on SQLite as on PostgreSQL."""
    from certsvc.workflow import signin as module

    give_password(api, "enterprise")
    account = api.accounts["enterprise"]
    with api.engine.connect() as conn:
        stored = credentials.credentials(conn, account)
    assert stored is not None
    checks: list[str] = []
    real = module._password_matches

    def slow_check(password_hash: str, password: str) -> bool:
        if password_hash == stored.password_hash:
            checks.append(password)
            time.sleep(0.02)  # widens the window between reading and counting
        return real(password_hash, password)

    monkeypatch.setattr(module, "_password_matches", slow_check)
    service = signin_of(api)

    def guess(i: int) -> None:
        with pytest.raises(module.SignInRefused):
            service.sign_in(account, f"wrong guess {i}", "t", START, "t")

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(guess, range(24)))
    assert 1 <= len(checks) <= module.LOCK_AT
    with api.engine.connect() as conn:
        row = credentials.credentials(conn, account)
    assert row is not None and row.locked_at is not None


@freeze_time(START)
def test_the_per_client_sign_in_limit_holds_across_workers(api: Api) -> None:
    """Issue 24: the limit counted per worker process, so the first 429 came at post 34–40
    of 45. Two app instances on one database stand for two workers: together they allow
    the limit, no more."""
    from certsvc.api.app import create_app
    from certsvc.console import SIGN_IN_ATTEMPTS

    first = api.client.application
    second = create_app(dict(first.config))
    clients = [app.test_client() for app in (first, second)]
    answers = []
    for n in range(SIGN_IN_ATTEMPTS + 5):
        client = clients[n % 2]
        form = client.get("/console/sign-in", base_url="https://localhost",
                          environ_base={"REMOTE_ADDR": "203.0.113.9"})
        answers.append(client.post("/console/sign-in", base_url="https://localhost",
                                   environ_base={"REMOTE_ADDR": "203.0.113.9"}, data={
            "csrf": csrf_of(form.get_data(as_text=True)), "account": "999999",
            "password": "wrong"}).status_code)
    assert answers == [401] * SIGN_IN_ATTEMPTS + [429] * 5
    other = clients[0].get("/console/sign-in", base_url="https://localhost",
                           environ_base={"REMOTE_ADDR": "203.0.113.10"})
    assert clients[0].post("/console/sign-in", base_url="https://localhost",
                           environ_base={"REMOTE_ADDR": "203.0.113.10"}, data={
        "csrf": csrf_of(other.get_data(as_text=True)), "account": "999999",
        "password": "wrong"}).status_code == 401  # another client: its own count
