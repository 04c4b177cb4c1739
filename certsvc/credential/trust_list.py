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
from pathlib import Path
from typing import Any

import cbor2
from asn1crypto import pem as asn1_pem

from certsvc.credential.algorithms import Algorithm, Verifier
from certsvc.credential.certificates import read_certificate, read_public_key_info
from certsvc.credential.cose import Sign1, decode_sign1
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


@dataclass(frozen=True)
class RootKey:
    """The pinned root public key, Ed25519 or SM2: what the trust list must be signed by."""

    algorithm: Algorithm
    raw: bytes

    @cached_property
    def verifier(self) -> Verifier:
        return self.algorithm.verifier(self.raw)

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the raw public key: the name a verifier remembers sequences under."""
        return hashlib.sha256(self.raw).hexdigest()


def pinned_root(path: Path) -> RootKey:
    """The root pinned in a file (``--root``, or keys/root/root.crt where the keys are):
    a clear refusal, not a traceback, where there is none — a monitor or verifier run outside
    a deployment has no keys/ folder."""
    try:
        pem = path.read_bytes()
    except OSError as exc:
        raise TrustListError(f"no pinned root certificate at {path} ({exc.strerror}); give "
                             "--root with the root certificate the operator publishes") from None
    return load_root_public_key(pem)


def load_root_public_key(pem: bytes) -> RootKey:
    """The pinned root: a PEM certificate or a PEM public key (SubjectPublicKeyInfo)."""
    try:
        kind, _, der = asn1_pem.unarmor(pem)
        if kind == "CERTIFICATE":
            certificate = read_certificate(der)
            algorithm, raw = certificate.algorithm, certificate.public_key
        else:
            algorithm, raw = read_public_key_info(der)
        root = RootKey(algorithm, raw)
        root.verifier  # noqa: B018 - a point off the curve fails here, not on first use
    except (ValueError, TypeError) as exc:
        raise TrustListError(f"cannot read the root key: {exc}") from None
    return root


@dataclass(frozen=True)
class LogPolicy:
    """The transparency log a verifier should check issuances against: its origin, its
    checkpoint key and the witnesses of which ``quorum`` must cosign (keys as C2SP vkeys).
    Optional in the payload (key 6): format-2 readers that predate it ignore it."""

    origin: str
    log_key: str
    witnesses: tuple[str, ...] = ()
    quorum: int = 0

    def to_cbor(self) -> dict[int, Any]:
        return {1: self.origin, 2: self.log_key, 3: list(self.witnesses), 4: self.quorum}

    @classmethod
    def from_cbor(cls, value: Any) -> LogPolicy:
        origin, log_key, witnesses, quorum = value[1], value[2], value[3], value[4]
        if not (isinstance(origin, str) and isinstance(log_key, str)
                and isinstance(witnesses, list) and all(isinstance(w, str) for w in witnesses)
                and isinstance(quorum, int) and 0 <= quorum <= len(witnesses)):
            raise TrustListError("the trust list's log policy is malformed")
        return cls(origin, log_key, tuple(witnesses), quorum)


@dataclass(frozen=True)
class TrustListEntry:
    """What the signer writes for one key."""

    certificate: bytes  # DER
    state: KeyState
    revoked_reason: str | None = None
    revoked_at: dt.datetime | None = None
    retired_at: dt.datetime | None = None  # a rotation ends the key's signing window here


def encode_trust_list_payload(
    issued_at: dt.datetime, sequence: int, entries: list[TrustListEntry],
    log: LogPolicy | None = None,
) -> bytes:
    """The payload; it is current until ``issued_at + LIFETIME``."""
    optional = {6: log.to_cbor()} if log is not None else {}
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
            **optional,
        }
    )


def _seconds(moment: dt.datetime | None) -> int | None:
    return int(moment.timestamp()) if moment is not None else None


@dataclass(frozen=True)
class TrustedKey:
    kid: bytes
    bureau_code: str
    algorithm: Algorithm
    public_key: bytes  # raw: Ed25519's 32 bytes, or SM2's 65-byte point
    not_before: dt.datetime
    not_after: dt.datetime
    state: KeyState
    revoked_reason: str | None
    revoked_at: dt.datetime | None
    retired_at: dt.datetime | None = None

    @cached_property
    def verifying_key(self) -> Verifier:
        """The key's fast verifier for its algorithm (made once, on first use)."""
        return self.algorithm.verifier(self.public_key)

    @cached_property
    def cose_alg(self) -> int:
        return self.algorithm.cose

    def verifies(self, envelope: Sign1) -> bool:
        """Does this key's signature, in this key's algorithm, cover the envelope? A header
        naming another algorithm than the key's fails before any arithmetic."""
        return (envelope.alg == self.cose_alg
                and self.verifying_key.verify(envelope.signature, envelope.to_be_signed))

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
    log: LogPolicy | None = None

    @classmethod
    def load(cls, data: bytes, root: RootKey) -> TrustList:
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
            log = LogPolicy.from_cbor(raw[6]) if 6 in raw else None
        except TrustListError:
            raise
        except Exception as exc:
            raise TrustListError(f"trust list payload is malformed: {exc}") from None
        return cls(issued_at, next_update, sequence, keys, root.fingerprint, bytes(data), log)

    def key(self, kid: bytes) -> TrustedKey | None:
        return self.keys.get(kid)

    def is_current(self, now: dt.datetime) -> bool:
        """Before its next update: after that a newer list may revoke a key this one trusts."""
        return now < self.next_update


def _verify(root: RootKey, envelope: Sign1, what: str) -> None:
    if envelope.alg != root.algorithm.cose or not root.verifier.verify(
            envelope.signature, envelope.to_be_signed):
        raise TrustListError(f"{what} signature does not verify")


def _time(value: Any) -> dt.datetime:
    return dt.datetime.fromtimestamp(int(value), dt.UTC)


def _trusted_key(entry: dict[int, Any], root: RootKey) -> TrustedKey:
    der = entry[1]
    cert = read_certificate(der)
    if not cert.signed_by(root.algorithm, root.raw):
        raise TrustListError("a bureau certificate is not signed by the root")
    if cert.bureau_code is None:
        raise TrustListError("bureau certificate lacks the bureau code")
    cert.algorithm.verifier(cert.public_key)  # a point off the curve fails here
    revoked_at, retired_at = entry.get(4), entry.get(5)
    return TrustedKey(
        kid=key_id(der),
        bureau_code=cert.bureau_code,
        algorithm=cert.algorithm,
        public_key=cert.public_key,
        not_before=cert.not_before,
        not_after=cert.not_after,
        state=KeyState.from_code(entry[2]),
        revoked_reason=entry.get(3),
        revoked_at=_time(revoked_at) if revoked_at is not None else None,
        retired_at=_time(retired_at) if retired_at is not None else None,
    )
