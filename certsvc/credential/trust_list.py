"""The trust list: bureau signing keys, certified by the national root, with their states.

A verifier pins only the root public key. The trust list is a COSE_Sign1 by the root over
a CBOR map; each entry carries a bureau certificate (X.509, signed by the root) and the
key's state — active, retired (signs no more, still verifies what it signed before its
retirement time) or revoked (compromised: everything it signed fails, with the reason).

Like a CRL's nextUpdate, the list says when it was issued and when the next one is due: a
list past that is not current, and a verifier never calls anything valid on its word (a
rolled-back list could hide a key revoked since). Its ``sequence`` only grows, so a verifier
that remembers the highest it has seen refuses an older list.

    >>> KeyState.from_code(2)
    <KeyState.REVOKED: 2>
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import math
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import cbor2
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.x509.oid import NameOID

from certsvc.credential.cose import Sign1, decode_sign1
from certsvc.credential.ed25519 import VerifyingKey
from certsvc.errors import MalformedToken, TrustListError

FORMAT_VERSION = 2  # 1 had no next update and no retirement times
MAX_TRUST_LIST_BYTES = 4 << 20
LIFETIME = dt.timedelta(days=7)  # a trust list is current for a week after it is issued


class KeyState(enum.Enum):
    ACTIVE = 0
    RETIRED = 1
    REVOKED = 2

    @classmethod
    def from_code(cls, code: Any) -> KeyState:
        try:
            return cls(code)
        except ValueError:
            raise TrustListError(f"unknown key state {code!r}") from None


def key_id(certificate_der: bytes) -> bytes:
    """Like the EU DCC: the first 8 bytes of the SHA-256 of the DER certificate."""
    return hashlib.sha256(certificate_der).digest()[:8]


def public_key_fingerprint(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def load_root_public_key(pem: bytes) -> Ed25519PublicKey:
    """The pinned root: a PEM certificate or a PEM public key."""
    try:
        if b"BEGIN CERTIFICATE" in pem:
            key: Any = x509.load_pem_x509_certificate(pem).public_key()
        else:
            key = serialization.load_pem_public_key(pem)
    except ValueError as exc:
        raise TrustListError(f"cannot read the root key: {exc}") from None
    if not isinstance(key, Ed25519PublicKey):
        raise TrustListError("the root key must be Ed25519")
    return key


@dataclass(frozen=True)
class TrustListEntry:
    """What the signer writes for one key."""

    certificate: bytes  # DER
    state: KeyState
    revoked_reason: str | None = None
    revoked_at: dt.datetime | None = None
    retired_at: dt.datetime | None = None  # a rotation ends the key's signing window here


def encode_trust_list_payload(
    issued_at: dt.datetime, sequence: int, entries: list[TrustListEntry]
) -> bytes:
    """The payload; it is current until ``issued_at + LIFETIME``."""
    return cbor2.dumps(
        {
            1: FORMAT_VERSION,
            2: int(issued_at.timestamp()),
            3: sequence,
            4: [
                {
                    1: e.certificate,
                    2: e.state.value,
                    3: e.revoked_reason,
                    4: _seconds(e.revoked_at),
                    5: _seconds(e.retired_at),
                }
                for e in entries
            ],
            5: int((issued_at + LIFETIME).timestamp()),
        }
    )


def _seconds(moment: dt.datetime | None) -> int | None:
    return int(moment.timestamp()) if moment is not None else None


@dataclass(frozen=True)
class TrustedKey:
    kid: bytes
    bureau_code: str
    public_key: Ed25519PublicKey
    not_before: dt.datetime
    not_after: dt.datetime
    state: KeyState
    revoked_reason: str | None
    revoked_at: dt.datetime | None
    retired_at: dt.datetime | None = None

    @cached_property
    def verifying_key(self) -> VerifyingKey:
        """The same key, for libsodium's fast check (made once, on first use)."""
        return VerifyingKey.of(self.public_key)

    @cached_property
    def signing_window(self) -> tuple[int, int]:
        """The whole Unix seconds from ``not_before`` to ``not_after`` or the retirement,
        whichever is first: what a token's signing time (whole seconds) is compared with,
        without making a datetime per token. A retired key verifies what it signed before it
        retired, and nothing it signs after."""
        end = self.not_after if self.retired_at is None else min(self.not_after, self.retired_at)
        return math.ceil(self.not_before.timestamp()), math.floor(end.timestamp())


@dataclass(frozen=True)
class TrustList:
    issued_at: dt.datetime
    next_update: dt.datetime
    sequence: int
    keys: dict[bytes, TrustedKey]
    root_fingerprint: str
    raw: bytes

    @classmethod
    def load(cls, data: bytes, root: Ed25519PublicKey) -> TrustList:
        """Check the root's signature and every certificate; raise TrustListError if not."""
        try:
            envelope = decode_sign1(data, MAX_TRUST_LIST_BYTES)
        except MalformedToken as exc:
            raise TrustListError(f"trust list is malformed: {exc.detail}") from None
        _verify(root, envelope, "trust list")
        try:
            raw = cbor2.loads(envelope.payload)
            if not isinstance(raw, dict) or raw.get(1) != FORMAT_VERSION:
                raise TrustListError("unsupported trust list format")
            issued_at = _time(raw[2])
            next_update = _time(raw[5])
            sequence = int(raw[3])
            entries = raw[4]
            if not isinstance(entries, list | tuple) or next_update <= issued_at:
                raise TrustListError("unsupported trust list format")
            keys = {k.kid: k for k in (_trusted_key(e, root) for e in entries)}
        except TrustListError:
            raise
        except Exception as exc:
            raise TrustListError(f"trust list payload is malformed: {exc}") from None
        return cls(issued_at, next_update, sequence, keys, public_key_fingerprint(root),
                   bytes(data))

    def key(self, kid: bytes) -> TrustedKey | None:
        return self.keys.get(kid)

    def is_current(self, now: dt.datetime) -> bool:
        """Before its next update: after that a newer list may revoke a key this one trusts."""
        return now < self.next_update


def _verify(key: Ed25519PublicKey, envelope: Sign1, what: str) -> None:
    try:
        key.verify(envelope.signature, envelope.to_be_signed)
    except InvalidSignature:
        raise TrustListError(f"{what} signature does not verify") from None


def _time(value: Any) -> dt.datetime:
    return dt.datetime.fromtimestamp(int(value), dt.UTC)


def _trusted_key(entry: dict[int, Any], root: Ed25519PublicKey) -> TrustedKey:
    der = entry[1]
    cert = x509.load_der_x509_certificate(der)
    try:
        root.verify(cert.signature, cert.tbs_certificate_bytes)
    except InvalidSignature:
        raise TrustListError("a bureau certificate is not signed by the root") from None
    public_key = cert.public_key()
    if not isinstance(public_key, Ed25519PublicKey):
        raise TrustListError("bureau keys must be Ed25519")
    bureau = cert.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)
    if len(bureau) != 1:
        raise TrustListError("bureau certificate lacks the bureau code")
    revoked_at, retired_at = entry.get(4), entry.get(5)
    return TrustedKey(
        kid=key_id(der),
        bureau_code=str(bureau[0].value),
        public_key=public_key,
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        state=KeyState.from_code(entry[2]),
        revoked_reason=entry.get(3),
        revoked_at=_time(revoked_at) if revoked_at is not None else None,
        retired_at=_time(retired_at) if retired_at is not None else None,
    )
