"""The trust list: bureau signing keys, certified by the national root, with their states.

A verifier pins only the root public key. The trust list is a COSE_Sign1 by the root over
a CBOR map; each entry carries a bureau certificate (X.509, signed by the root) and the
key's state — active, retired (signs no more, still verifies) or revoked (compromised:
everything it signed fails, with the reason).

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

FORMAT_VERSION = 1
MAX_TRUST_LIST_BYTES = 4 << 20


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


def encode_trust_list_payload(
    issued_at: dt.datetime, sequence: int, entries: list[TrustListEntry]
) -> bytes:
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
                    4: int(e.revoked_at.timestamp()) if e.revoked_at else None,
                }
                for e in entries
            ],
        }
    )


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

    @cached_property
    def verifying_key(self) -> VerifyingKey:
        """The same key, for libsodium's fast check (made once, on first use)."""
        return VerifyingKey.of(self.public_key)

    @cached_property
    def signing_window(self) -> tuple[int, int]:
        """The whole Unix seconds from ``not_before`` to ``not_after``: what a token's signing
        time (whole seconds) is compared with, without making a datetime per token."""
        return math.ceil(self.not_before.timestamp()), math.floor(self.not_after.timestamp())


@dataclass(frozen=True)
class TrustList:
    issued_at: dt.datetime
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
            issued_at = _time(raw[2])
            sequence = int(raw[3])
            entries = raw[4]
            if raw[1] != FORMAT_VERSION or not isinstance(entries, list | tuple):
                raise TrustListError("unsupported trust list format")
            keys = {k.kid: k for k in (_trusted_key(e, root) for e in entries)}
        except TrustListError:
            raise
        except Exception as exc:
            raise TrustListError(f"trust list payload is malformed: {exc}") from None
        return cls(issued_at, sequence, keys, public_key_fingerprint(root), bytes(data))

    def key(self, kid: bytes) -> TrustedKey | None:
        return self.keys.get(kid)


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
    revoked_at = entry.get(4)
    return TrustedKey(
        kid=key_id(der),
        bureau_code=str(bureau[0].value),
        public_key=public_key,
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        state=KeyState.from_code(entry[2]),
        revoked_reason=entry.get(3),
        revoked_at=_time(revoked_at) if revoked_at is not None else None,
    )
