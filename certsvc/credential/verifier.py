"""The offline verifier: QR text or token + trust list (+ status list) → a verdict.

It needs no network and no database: the token carries the signed licence, the trust list
carries the keys, the status list carries revocations. It never returns a bare bool: the
:class:`Verdict` says valid, or exactly why not, in Chinese and English. Hostile input never
raises; it yields the ``malformed`` verdict.

    >>> verify("not a QR", trust_list=None).code
    <VerdictCode.MALFORMED: 'malformed'>
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import NamedTuple, Protocol

from certsvc.credential.cose import decode_sign1
from certsvc.credential.payload import LicenceClaims, decode_payload
from certsvc.credential.qr_text import token_from_text
from certsvc.credential.trust_list import KeyState, TrustedKey, TrustList
from certsvc.domain.catalogue import catalogue
from certsvc.domain.licence import LicenceStatus
from certsvc.domain.time import china_date, utcnow
from certsvc.errors import CertsvcError


class StatusSource(Protocol):
    """Where current statuses come from: a signed StatusList offline, the database online."""

    @property
    def as_of(self) -> dt.datetime: ...

    def status_at(self, index: int) -> LicenceStatus | None: ...


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
}
_STATUS_VERDICTS = {
    LicenceStatus.SUSPENDED: VerdictCode.SUSPENDED,
    LicenceStatus.REVOKED: VerdictCode.REVOKED,
    LicenceStatus.CANCELLED: VerdictCode.CANCELLED,
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
    try:
        token = qr_or_token if isinstance(qr_or_token, bytes) else token_from_text(qr_or_token)
        envelope = decode_sign1(token, max_length=1024)
    except CertsvcError as exc:
        return Verdict(VerdictCode.MALFORMED, exc.detail)
    key = trust_list.key(envelope.kid) if trust_list is not None else None
    if key is None:
        return Verdict(VerdictCode.UNKNOWN_KEY, f"no trusted key with id {envelope.kid.hex()}")
    if not key.verifying_key.verify(envelope.signature, envelope.to_be_signed):
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
    not_before, not_after = key.signing_window
    if not not_before <= claims.signed_at_epoch <= not_after:
        return Verdict(
            VerdictCode.KEY_NOT_VALID_AT_SIGNING,
            f"signed {claims.signed_at:%Y-%m-%d}, key valid {key.not_before:%Y-%m-%d}"
            f" to {key.not_after:%Y-%m-%d}",
            key=key,
        )
    code, detail = _licence_state(claims, status_list, product, now or utcnow())
    # given a status list, the verdict carries its date, unless the list lacks the licence
    as_of = None if status_list is None or code is VerdictCode.STATUS_UNKNOWN else status_list.as_of
    return Verdict(code, detail, claims, key, as_of)


def _licence_state(
    claims: LicenceClaims,
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
        status = status_list.status_at(claims.status_index)
        if status is None:
            return VerdictCode.STATUS_UNKNOWN, "not in the status list"
        if status in _STATUS_VERDICTS:
            return _STATUS_VERDICTS[status], f"as of {status_list.as_of:%Y-%m-%d %H:%M}Z"
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
