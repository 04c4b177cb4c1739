"""Signing in to the console, as NIST SP 800-63B says: passwords, a second factor, sessions.

- An administrator (the national authority for anyone; a provincial bureau for its own staff)
  makes a one-time invitation link (valid 72 hours); following it, the account sets its
  password, and — for bureau, national and auditor accounts, which must have one — receives
  its TOTP secret (RFC 6238, 30-second steps), stored sealed (``signer.secret_box``: a copy of
  the database gives no second factor away). No e-mail is involved.
- Passwords are hashed with argon2id (``argon2-cffi``'s RFC 9106 low-memory profile) and
  checked by ``certsvc.domain.passwords``.
- Signing in with the account number and password opens a server-side session; where a
  second factor is required the session can do nothing until the TOTP code is given, and a
  code is accepted once (replays of the same step are refused). The session id changes when
  the sign-in completes (no session fixation), ends after 30 minutes idle or 12 hours in all,
  and can be ended everywhere from the account page.
- The sixth failure in a row — a wrong password or a wrong code, in any session — locks the
  account until an administrator unlocks it (SP 800-63B 5.2.2 allows up to 100). A failure
  is counted in one statement before the secret is checked, so parallel guesses in many
  workers get at most six checks. A locked account is told apart from a wrong password by
  no one but its administrator: the answer and its time are the same. Every sign-in,
  failure, lock, unlock and invitation is in the audit log.
- A new password ends the account's sessions; a new set-up link voids the earlier ones, and
  using one voids the rest.

    signin = SignIn(engine, secret_box(keys_dir, passphrase))
    token = signin.invite(admin, account_id, now, request_id)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pyotp
from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Engine

from certsvc.domain.accounts import Principal, Role
from certsvc.domain.fields import text
from certsvc.domain.passwords import normalise_password, password_problem
from certsvc.domain.time import as_utc
from certsvc.errors import CertsvcError, Conflict, Forbidden, NotFound, ValidationError
from certsvc.signer.secret_box import SecretBox, is_sealed
from certsvc.store import accounts, audit, credentials

INVITE_LIFETIME = dt.timedelta(hours=72)
IDLE_LIMIT = dt.timedelta(minutes=30)
ABSOLUTE_LIMIT = dt.timedelta(hours=12)
LOCK_AT = 6  # the sixth wrong password in a row locks the account
# a review body too: its findings decide licences, and can revoke one
SECOND_FACTOR_ROLES = frozenset({Role.NATIONAL, Role.PROVINCIAL, Role.LOCAL, Role.AUDITOR,
                                 Role.REVIEW_BODY})
STAFF_ADMINS = (Role.PROVINCIAL, Role.NATIONAL)  # bureaus whose staff administrator ...


def administers_staff(principal: Principal) -> bool:
    """... adds its bureau's staff, makes their set-up links and unlocks them: only the
    account the operator marked as the bureau's staff administrator (a set-up link sets a
    new password, so any clerk who could make one could take over a colleague's
    account)."""
    return principal.role in STAFF_ADMINS and principal.staff_admin
ISSUER = "certsvc"
PARAMETERS = profiles.RFC_9106_LOW_MEMORY  # t=3, m=64 MiB, p=4
HASHER = PasswordHasher.from_parameters(PARAMETERS)
# checked against for an account with no password, so that the answer takes as long and a
# stranger cannot tell which account numbers exist
_UNKNOWN_ACCOUNT = HASHER.hash("no account has this password")


# one answer for a wrong number, a wrong password and a locked account: a stranger learns
# nothing of which accounts exist or are locked (the administrator sees the lock)
REFUSED = ("the account number or the password is wrong, or the account is locked after "
           "repeated failures (its administrator unlocks it)")


class SignInRefused(CertsvcError):
    """The account number, password or code is wrong, or the account is locked."""

    type = "sign-in-refused"
    title = "Sign-in refused"
    status = 401


@dataclass(frozen=True)
class Invitation:
    """What an accepted invitation gives the new user: its TOTP secret, if it needs one."""

    principal: Principal
    totp_secret: str | None

    @property
    def provisioning_uri(self) -> str | None:
        if self.totp_secret is None:
            return None
        return pyotp.TOTP(self.totp_secret).provisioning_uri(
            name=f"{self.principal.account_id} {self.principal.name}", issuer_name=ISSUER)


@dataclass(frozen=True)
class Session:
    principal: Principal
    csrf: str
    second_factor_done: bool


def needs_second_factor(role: Role) -> bool:
    return role in SECOND_FACTOR_ROLES


class SignIn:
    def __init__(self, engine: Engine, box: SecretBox) -> None:
        self.engine = engine
        self.box = box  # seals the TOTP seeds at rest

    # --- invitations ------------------------------------------------------------------
    def invite(self, admin: Principal | None, account_id: int, now: dt.datetime,
               request_id: str) -> str:
        """A one-time link token for ``account_id``; ``admin`` None is the operator (CLI)."""
        with self.engine.begin() as conn:
            target = _administered(conn, admin, account_id)
            token = credentials.create_invite(conn, account_id, now, INVITE_LIFETIME)
            _audit(conn, admin, "account.invite", target, now, request_id)
        return token

    def staff(self, admin: Principal) -> list[dict[str, object]]:
        """The accounts ``admin`` administers in the console: a provincial bureau's own
        staff, the national authority's own; whether each has set its password, is
        locked."""
        if not administers_staff(admin):
            raise Forbidden("only the bureau's staff administrator administers its staff")
        with self.engine.connect() as conn:
            staff = [p for p in accounts.list_accounts(conn) if p.role is admin.role
                     and p.bureau_code == admin.bureau_code]
            found = []
            for p in staff:
                row = credentials.credentials(conn, p.account_id)
                found.append({"account_id": p.account_id, "name": p.name,
                              "password_set": row is not None and row.password_hash is not None,
                              "locked": row is not None and row.locked_at is not None})
        return found

    def add_staff(self, admin: Principal, name: Any, now: dt.datetime,
                  request_id: str) -> tuple[int, str]:
        """A new staff account in ``admin``'s own bureau (its role and province), and the
        one-time link token that sets it up."""
        if not administers_staff(admin):
            raise Forbidden("only the bureau's staff administrator administers its staff")
        name = text(name, "name", 100)
        with self.engine.begin() as conn:
            account_id = accounts.create_account(conn, admin.role, name, now,
                                                 bureau_code=admin.bureau_code)
            target = accounts.principal_for_account(conn, account_id)
            token = credentials.create_invite(conn, account_id, now, INVITE_LIFETIME)
            _audit(conn, admin, "account.create", target, now, request_id)
            _audit(conn, admin, "account.invite", target, now, request_id)
        return account_id, token

    def invitation(self, token: str, now: dt.datetime) -> Principal:
        """The account an unused, unexpired invitation is for."""
        with self.engine.connect() as conn:
            return _open_invite(conn, token, now)

    def accept_invite(self, token: str, password: str, now: dt.datetime,
                      request_id: str) -> Invitation:
        with self.engine.begin() as conn:
            principal = _open_invite(conn, token, now, for_update=True)
            second = needs_second_factor(principal.role)
            problem = password_problem(password, second, (principal.name,))
            if problem is not None:
                raise ValidationError("password", problem)
            secret = pyotp.random_base32() if second else None
            credentials.set_credentials(
                conn, principal.account_id, HASHER.hash(normalise_password(password)),
                self.box.seal(secret, _seed_context(principal.account_id)) if secret else None)
            credentials.use_invite(conn, token, principal.account_id, now)
            credentials.end_sessions(conn, principal.account_id, now)  # a new password
            _audit(conn, principal, "account.password_set", principal, now, request_id)
        return Invitation(principal, secret)

    # --- signing in -------------------------------------------------------------------
    def sign_in(self, account_id: int, password: str, client: str, now: dt.datetime,
                request_id: str) -> tuple[str, bool]:
        """A new session's id, and whether it still needs the second factor."""
        attempt = self._count_attempt(account_id, now, request_id)
        if attempt is None:
            _password_matches(_UNKNOWN_ACCOUNT, password)  # the same time as a real check
            raise SignInRefused(REFUSED)
        with self.engine.begin() as conn:
            row = credentials.credentials(conn, account_id)
            assert row is not None and row.password_hash is not None  # counted above
            right = _password_matches(row.password_hash, password)
            if not right or row.locked_at is not None:  # locked by a parallel attempt
                self._failed(conn, account_id, attempt, "sign_in.failed", now, request_id)
                failed = True
            else:
                failed, second = False, row.totp_secret is not None
                if second:  # earlier failures stand until the code is right
                    credentials.uncount_failure(conn, account_id)
                else:
                    credentials.update_credentials(conn, account_id, failed_sign_ins=0)
                token = credentials.create_session(conn, account_id, client, not second, now)
                principal = accounts.principal_for_account(conn, account_id)
                _audit(conn, principal, "sign_in.password" if second else "sign_in",
                       principal, now, request_id)
        if failed:
            raise SignInRefused(REFUSED)
        return token, second

    def second_factor(self, token: str, code: str, client: str, now: dt.datetime,
                      request_id: str) -> str:
        """Check the TOTP code of a half-signed-in session; a new session id on success."""
        with self.engine.connect() as conn:
            row = credentials.session(conn, token)
        if row is None or row.second_factor_done or _ended(row, now):
            raise SignInRefused("sign in with your password first")
        attempt = self._count_attempt(row.account_id, now, request_id)
        with self.engine.begin() as conn:
            if attempt is None:  # locked since the password: this half session is over
                credentials.end_session(conn, token, now)
                failed = True
            else:
                secret = credentials.credentials(conn, row.account_id)
                matched = self._matching_step(conn, row.account_id, secret, code, now)
                failed = matched is None
                if failed:
                    self._failed(conn, row.account_id, attempt, "sign_in.second_factor_failed",
                                 now, request_id)
                else:
                    credentials.update_credentials(conn, row.account_id, totp_last_step=matched,
                                                   failed_sign_ins=0)
                    credentials.end_session(conn, token, now)  # a new id once signed in
                    new = credentials.create_session(conn, row.account_id, client, True, now)
                    principal = accounts.principal_for_account(conn, row.account_id)
                    _audit(conn, principal, "sign_in", principal, now, request_id)
        if failed:
            raise SignInRefused("the code is wrong or was already used, or the account is "
                                "locked; wait for the next code")
        return new

    def _count_attempt(self, account_id: int, now: dt.datetime, request_id: str
                       ) -> int | None:
        """Counts the attempt as a failure before anything is checked (committed: parallel
        attempts see it); its number, or None where no check may be made — no such
        account, no password yet, locked, or past the limit (the account is then locked)."""
        with self.engine.begin() as conn:
            attempt = credentials.count_failure(conn, account_id)
            if attempt is not None and attempt <= LOCK_AT:
                return attempt
            if credentials.credentials(conn, account_id) is None:
                return None
            principal = accounts.principal_for_account(conn, account_id)
            if attempt is not None:  # a parallel attempt took the last check
                credentials.update_credentials(conn, account_id, locked_at=now)
            _audit(conn, principal, "sign_in.locked", principal, now, request_id)
        return None

    def _failed(self, conn: Connection, account_id: int, attempt: int, action: str,
                now: dt.datetime, request_id: str) -> None:
        """A wrong password or code, already counted; the last one allowed locks."""
        principal = accounts.principal_for_account(conn, account_id)
        if attempt >= LOCK_AT:
            credentials.update_credentials(conn, account_id, locked_at=now)
            action = "sign_in.lock"
        _audit(conn, principal, action, principal, now, request_id)

    def _matching_step(self, conn: Connection, account_id: int, secret: Any, code: str,
                       now: dt.datetime) -> int | None:
        """The 30-second step whose code ``code`` is (now, or one step either side), if it
        was not used before."""
        if secret is None or not secret.totp_secret:
            return None
        if not (code.isascii() and code.isdigit() and len(code) == 6):
            return None
        totp = self._totp(conn, account_id, secret.totp_secret)
        step = int(now.timestamp()) // 30
        matched = next((s for s in (step, step - 1, step + 1) if totp.at(s * 30) == code),
                       None)
        if matched is None or (secret.totp_last_step or -1) >= matched:
            return None
        return int(matched)

    def session(self, token: str, now: dt.datetime) -> Session | None:
        """The live session behind a cookie (its idle time restarts), or None."""
        with self.engine.begin() as conn:
            row = credentials.session(conn, token)
            if row is None:
                return None
            if _ended(row, now):
                credentials.end_session(conn, token, now)
                return None
            credentials.touch_session(conn, token, now)
            principal = accounts.principal_for_account(conn, row.account_id)
        return Session(principal, row.csrf, row.second_factor_done)

    def _totp(self, conn: Connection, account_id: int, stored: str) -> pyotp.TOTP:
        """The account's TOTP; a seed stored in clear before seeds were sealed is sealed
        now."""
        if is_sealed(stored):
            return pyotp.TOTP(self.box.open(stored, _seed_context(account_id)))
        credentials.update_credentials(conn, account_id,
                                       totp_secret=self.box.seal(stored, _seed_context(account_id)))
        return pyotp.TOTP(stored)

    def current_code(self, account_id: int, now: dt.datetime) -> str | None:
        """The account's TOTP code now (the development server's ``account totp-code``)."""
        with self.engine.begin() as conn:
            row = credentials.credentials(conn, account_id)
            if row is None or row.totp_secret is None:
                return None
            return str(self._totp(conn, account_id, row.totp_secret).at(now))

    def sign_out(self, token: str, now: dt.datetime) -> None:
        with self.engine.begin() as conn:
            credentials.end_session(conn, token, now)

    def sign_out_everywhere(self, principal: Principal, now: dt.datetime,
                            request_id: str) -> int:
        with self.engine.begin() as conn:
            ended = credentials.end_sessions(conn, principal.account_id, now)
            _audit(conn, principal, "sign_out.everywhere", principal, now, request_id)
        return ended

    def sessions(self, principal: Principal) -> list[dict[str, object]]:
        with self.engine.connect() as conn:
            return [{"client": r.client, "created_at": as_utc(r.created_at),
                     "last_seen_at": as_utc(r.last_seen_at)}
                    for r in credentials.open_sessions(conn, principal.account_id)]

    def unlock(self, admin: Principal | None, account_id: int, now: dt.datetime,
               request_id: str) -> None:
        with self.engine.begin() as conn:
            target = _administered(conn, admin, account_id)
            if credentials.credentials(conn, account_id) is None:
                raise NotFound(f"account {account_id} has no password yet")
            credentials.update_credentials(conn, account_id, failed_sign_ins=0,
                                           locked_at=None)
            _audit(conn, admin, "account.unlock", target, now, request_id)


def _seed_context(account_id: int) -> str:
    """What a sealed TOTP seed is bound to."""
    return f"totp:{account_id}"


def _password_matches(password_hash: str, password: str) -> bool:
    try:
        return bool(HASHER.verify(password_hash, normalise_password(password)))
    except (VerificationError, InvalidHashError):
        return False


def _administered(conn: Connection, admin: Principal | None, account_id: int) -> Principal:
    """The account ``admin`` may invite or unlock: the national authority's staff
    administrator any, a provincial bureau's its own staff (``admin`` None: the operator on
    the command line)."""
    if admin is not None and not administers_staff(admin):
        raise Forbidden("only the bureau's staff administrator administers its staff")
    target = accounts.principal_for_account(conn, account_id)
    if admin is None or admin.role is Role.NATIONAL or (
            admin.role is Role.PROVINCIAL and target.role is Role.PROVINCIAL
            and target.bureau_code == admin.bureau_code):
        return target
    raise Forbidden("the national authority's staff administrator administers every "
                    "account; a provincial bureau's only its own staff")


def _open_invite(conn: Connection, token: str, now: dt.datetime, for_update: bool = False
                 ) -> Principal:
    row = credentials.invite(conn, token, for_update)
    if row is None or row.used_at is not None or as_utc(row.expires_at) <= now:
        raise Conflict("this invitation link is unknown, used or expired; ask for a new one")
    return accounts.principal_for_account(conn, row.account_id)


def _ended(row: object, now: dt.datetime) -> bool:
    created = as_utc(row.created_at)  # type: ignore[attr-defined]
    seen = as_utc(row.last_seen_at)  # type: ignore[attr-defined]
    return now - seen > IDLE_LIMIT or now - created > ABSOLUTE_LIMIT


def _audit(conn: Connection, actor: Principal | None, action: str, subject: Principal,
           now: dt.datetime, request_id: str) -> None:
    if actor is None:
        audit.record_operator(conn, action, f"account:{subject.account_id}",
                              subject.bureau_code, {"account": subject.account_id}, now)
    else:
        audit.record(conn, actor, action, f"account:{subject.account_id}",
                     subject.bureau_code, None, {"account": subject.account_id}, request_id,
                     now)
