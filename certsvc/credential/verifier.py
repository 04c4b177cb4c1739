"""The offline verifier: QR text or token + trust list (+ status list) → a verdict.

It needs no network and no database: the token carries the signed licence, the trust list
carries the keys, the status list carries revocations. It never returns a bare bool: the
:class:`Verdict` says valid, or exactly why not, in Chinese and English. Hostile input never
raises; it yields the ``malformed`` verdict.

A genuine key is not enough. The claims must keep the licence rules that issuance keeps
(``certsvc.credential.lint``, the same check the signer runs), the signing time must lie in
the key's window (which a rotation ends) and not in the future beyond ``CLOCK_SKEW``, and the
lists it relies on must be current: on a trust list or status list past its next update a
licence is never called valid. Online, the status source is the register itself, which also
checks that the token is its own current token for that licence.

    >>> verify("not a QR", trust_list=None).code
    <VerdictCode.MALFORMED: 'malformed'>
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import NamedTuple, Protocol

from certsvc.credential.cose import decode_sign1
from certsvc.credential.lint import licence_rule_violation
from certsvc.credential.payload import LicenceClaims, decode_payload
from certsvc.credential.qr_text import token_from_text
from certsvc.credential.trust_list import KeyState, TrustedKey, TrustList
from certsvc.domain.catalogue import catalogue
from certsvc.domain.licence import SUPERSEDED, LicenceStatus
from certsvc.domain.time import china_date, utcnow
from certsvc.errors import CertsvcError

# How far a signing time may lie ahead of the verifier's clock: clocks drift, but a token
# signed "tomorrow" was signed by a wrong clock or by someone back-dating a key's use.
CLOCK_SKEW = dt.timedelta(minutes=5)
NOT_IN_REGISTER = "not_in_register"  # an online source's answer: not the register's token
NOT_IN_LOG = "not_in_log"  # the register's token, but its issuance is not in the log
PENDING_LOG = "pending_log"  # recorded in the log, not yet under a head the log key signed


class StatusSource(Protocol):
    """Where current statuses come from: a signed StatusList offline, the register online.

    ``status_at`` answers a status, ``None`` (the source does not list that index),
    ``SUPERSEDED`` (the index belonged to a token that a change or renewal replaced) or
    ``NOT_IN_REGISTER`` (the register holds another token, or none, for that index) or
    ``NOT_IN_LOG`` (the register's token, but the transparency log has no leaf of it).
    """

    @property
    def as_of(self) -> dt.datetime: ...

    def is_current(self, now: dt.datetime) -> bool: ...

    def status_at(self, index: int, token: bytes) -> LicenceStatus | str | None: ...


class VerdictCode(enum.Enum):
    VALID = "valid"
    MALFORMED = "malformed"
    UNKNOWN_KEY = "unknown_key"
    BAD_SIGNATURE = "bad_signature"
    KEY_REVOKED = "key_revoked"
    KEY_NOT_VALID_AT_SIGNING = "key_not_valid_at_signing"
    NOT_YET_VALID = "not_yet_valid"
    EXPIRED = "expired"
    SUSPENDED = "suspended"
    REVOKED = "revoked"
    CANCELLED = "cancelled"
    PRODUCT_NOT_IN_SCOPE = "product_not_in_scope"
    STATUS_UNKNOWN = "status_unknown"
    MIS_ISSUED = "mis_issued"
    SIGNED_IN_FUTURE = "signed_in_future"
    NOT_IN_REGISTER = "not_in_register"
    SUPERSEDED = "superseded"


MESSAGES: dict[VerdictCode, tuple[str, str]] = {
    VerdictCode.VALID: ("有效", "Valid"),
    VerdictCode.MALFORMED: ("无法识别的许可证二维码", "Not a readable licence QR"),
    VerdictCode.UNKNOWN_KEY: ("签发密钥不受信任", "Signed by an unknown key"),
    VerdictCode.BAD_SIGNATURE: ("签名无效，可能是伪造", "Signature invalid: possibly forged"),
    VerdictCode.KEY_REVOKED: ("签发密钥已被吊销", "The signing key has been revoked"),
    VerdictCode.KEY_NOT_VALID_AT_SIGNING: (
        "签发时密钥不在有效期内", "The key was not valid when the licence was signed"),
    VerdictCode.NOT_YET_VALID: ("许可证尚未生效", "The licence is not yet valid"),
    VerdictCode.EXPIRED: ("许可证已过期", "The licence has expired"),
    VerdictCode.SUSPENDED: ("许可证已暂停", "The licence is suspended"),
    VerdictCode.REVOKED: ("许可证已撤销", "The licence has been revoked"),
    VerdictCode.CANCELLED: ("许可证已注销", "The licence has been cancelled"),
    VerdictCode.PRODUCT_NOT_IN_SCOPE: (
        "该产品不在许可范围内", "The product is not covered by the licence"),
    VerdictCode.STATUS_UNKNOWN: (
        "签名有效且在有效期内，但未核对最新状态",
        "Authentic and in date, but its current status was not checked"),
    VerdictCode.MIS_ISSUED: (
        "许可证内容不符合发证规则，不予认可",
        "The licence breaks the issuing rules and is not accepted"),
    VerdictCode.SIGNED_IN_FUTURE: (
        "签发时间晚于当前时间，不予认可", "Signed at a time still to come: not accepted"),
    VerdictCode.NOT_IN_REGISTER: (
        "未登记：没有这张许可证的发证登记记录，可能是伪造",
        "Not in the register: there is no record of its issuance; possibly forged"),
    VerdictCode.SUPERSEDED: (
        "该二维码已被新版许可证取代", "This QR was replaced by a newer version of the licence"),
}
_STATUS_VERDICTS: dict[LicenceStatus | str, VerdictCode] = {
    LicenceStatus.SUSPENDED: VerdictCode.SUSPENDED,
    LicenceStatus.REVOKED: VerdictCode.REVOKED,
    LicenceStatus.CANCELLED: VerdictCode.CANCELLED,
    SUPERSEDED: VerdictCode.SUPERSEDED,
    LicenceStatus.MERGED: VerdictCode.SUPERSEDED,  # 一企一证: merged into another licence
}


class Verdict(NamedTuple):
    """A tuple, not a frozen dataclass: one is made per verification, in a third of the time."""

    code: VerdictCode
    detail: str = ""
    claims: LicenceClaims | None = None  # only when the signature verified
    key: TrustedKey | None = None
    status_as_of: dt.datetime | None = None

    @property
    def valid(self) -> bool:
        return self.code is VerdictCode.VALID

    @property
    def authentic(self) -> bool:
        """The signature verified with a trusted, unrevoked key (the claims can be shown)."""
        return self.claims is not None

    @property
    def message_zh(self) -> str:
        return MESSAGES[self.code][0]

    @property
    def message_en(self) -> str:
        return MESSAGES[self.code][1]


def verify(
    qr_or_token: str | bytes,
    trust_list: TrustList | None,
    status_list: StatusSource | None = None,
    product: int | str | None = None,
    now: dt.datetime | None = None,
) -> Verdict:
    """Check a licence QR text or token; see :class:`VerdictCode` for the possible answers."""
    now = now or utcnow()
    try:
        token = qr_or_token if isinstance(qr_or_token, bytes) else token_from_text(qr_or_token)
        envelope = decode_sign1(token, max_length=1024)
    except CertsvcError as exc:
        return Verdict(VerdictCode.MALFORMED, exc.detail)
    key = trust_list.key(envelope.kid) if trust_list is not None else None
    if key is None or trust_list is None:
        return Verdict(VerdictCode.UNKNOWN_KEY, f"no trusted key with id {envelope.kid.hex()}")
    if not key.verifies(envelope):  # in the key's own algorithm: no algorithm confusion
        return Verdict(VerdictCode.BAD_SIGNATURE, "the signature does not match the licence")
    try:  # authentic bytes; a trusted signer's bug must still not pass as valid
        claims = decode_payload(envelope.payload, check_uscc=False)
    except CertsvcError as exc:
        return Verdict(VerdictCode.MALFORMED, exc.detail, key=key)
    if key.state is KeyState.REVOKED:
        return Verdict(VerdictCode.KEY_REVOKED, key.revoked_reason or "", key=key)
    if key.bureau_code != claims.bureau_code:
        return Verdict(
            VerdictCode.UNKNOWN_KEY,
            f"key of bureau {key.bureau_code} cannot sign licences of bureau "
            f"{claims.bureau_code}",
            key=key,
        )
    violation = licence_rule_violation(claims)
    if violation is not None:
        return Verdict(VerdictCode.MIS_ISSUED, violation, key=key)
    not_before, not_after = key.signing_window
    if not not_before <= claims.signed_at_epoch <= not_after:
        return Verdict(
            VerdictCode.KEY_NOT_VALID_AT_SIGNING,
            f"signed {claims.signed_at:%Y-%m-%d %H:%M}Z, key valid "
            f"{key.not_before:%Y-%m-%d %H:%M}Z to "
            f"{dt.datetime.fromtimestamp(not_after, dt.UTC):%Y-%m-%d %H:%M}Z",
            key=key,
        )
    if claims.signed_at_epoch > (now + CLOCK_SKEW).timestamp():
        return Verdict(VerdictCode.SIGNED_IN_FUTURE,
                       f"signed {claims.signed_at:%Y-%m-%d %H:%M}Z", key=key)
    code, detail = _licence_state(claims, token, status_list, product, now)
    if code is VerdictCode.NOT_IN_REGISTER:  # a genuine key, but the register never had it
        return Verdict(code, detail, key=key)
    if code is VerdictCode.VALID and not trust_list.is_current(now):
        code, detail = VerdictCode.STATUS_UNKNOWN, (
            f"the trust list is out of date (next update was due "
            f"{trust_list.next_update:%Y-%m-%d %H:%M}Z)")
    # given a status list, the verdict carries its date, unless the list lacks the licence
    as_of = None if status_list is None or code is VerdictCode.STATUS_UNKNOWN else status_list.as_of
    return Verdict(code, detail, claims, key, as_of)


def _licence_state(
    claims: LicenceClaims,
    token: bytes,
    status_list: StatusSource | None,
    product: int | str | None,
    now: dt.datetime,
) -> tuple[VerdictCode, str]:
    """What an authentic licence's dates, status and scope say, as a code and its detail."""
    today = china_date(now).toordinal()
    if today < claims.issued_ordinal:
        return VerdictCode.NOT_YET_VALID, f"valid from {claims.issued}"
    if today > claims.valid_until_ordinal:
        return VerdictCode.EXPIRED, f"valid until {claims.valid_until}"
    if status_list is not None:
        status = status_list.status_at(claims.status_index, token)
        if status is None:
            return VerdictCode.STATUS_UNKNOWN, "not in the status list"
        if status == NOT_IN_REGISTER:
            return VerdictCode.NOT_IN_REGISTER, (
                f"the register holds no such licence {claims.number}")
        if status == NOT_IN_LOG:
            return VerdictCode.NOT_IN_REGISTER, (
                f"the issuance of {claims.number} is not in the transparency log: it was not "
                "recorded by the licensing procedure")
        if status == PENDING_LOG:  # never valid on a row alone
            return VerdictCode.NOT_IN_REGISTER, (
                f"the issuance of {claims.number} is recorded but not yet under a signed "
                "checkpoint of the transparency log; check again in a minute")
        if status in _STATUS_VERDICTS:  # a revocation stays true on an old list
            return _STATUS_VERDICTS[status], f"as of {status_list.as_of:%Y-%m-%d %H:%M}Z"
        if not status_list.is_current(now):
            return VerdictCode.STATUS_UNKNOWN, (
                f"the status list of {status_list.as_of:%Y-%m-%d %H:%M}Z is out of date")
    if product is not None:
        try:
            unit = catalogue().resolve(product, "product")
        except CertsvcError as exc:
            return VerdictCode.PRODUCT_NOT_IN_SCOPE, exc.detail
        if unit.id not in claims.scope:
            return VerdictCode.PRODUCT_NOT_IN_SCOPE, f"{unit.name} is not in scope"
    if status_list is None:
        return VerdictCode.STATUS_UNKNOWN, "no status list given"
    return VerdictCode.VALID, ""
