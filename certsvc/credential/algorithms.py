"""The signature algorithms a certsvc key may use: Ed25519, or SM2 with SM3.

Each bureau key (and the root) is one or the other, chosen when it is made. Everything that
names an algorithm — the COSE ``alg`` of a token or a published list, the X.509 key and
signature algorithm of a certificate — comes from this one table, and a verifier takes the
algorithm from the key it trusts, never from the message alone: a token whose header names
another algorithm than its key's fails (no algorithm confusion).

COSE has no registered SM2 algorithm (IANA "COSE Algorithms", checked 2026-11; the only
proposal, draft-dang-webauthn-sm2-00, expired in 2022 without assigning a value), so SM2
takes the first private-use value, -65537 (RFC 9052 §11.1: integers below -65536 are for
private use), as docs/credential.md states.

    >>> Algorithm.from_cose(-8)
    <Algorithm.ED25519: 'ed25519'>
    >>> Algorithm.SM2.cose
    -65537
"""

from __future__ import annotations

import enum
from typing import Protocol

from certsvc.credential.ed25519 import VerifyingKey
from certsvc.credential.sm2 import SM2VerifyingKey
from certsvc.errors import MalformedToken

# X.509 object identifiers (RFC 8410 for Ed25519; GB/T 35276-2017 / GM/T 0006-2012 for SM).
OID_ED25519 = "1.3.101.112"
OID_EC_PUBLIC_KEY = "1.2.840.10045.2.1"
OID_SM2_CURVE = "1.2.156.10197.1.301"  # sm2p256v1
OID_SM2_WITH_SM3 = "1.2.156.10197.1.501"


class Verifier(Protocol):
    """What a verifier needs of a public key: its bytes, and a yes/no on a signature."""

    raw: bytes

    def verify(self, signature: bytes, message: bytes) -> bool: ...


class Algorithm(enum.Enum):
    ED25519 = "ed25519"
    SM2 = "sm2"

    @property
    def cose(self) -> int:
        """The COSE ``alg`` value (RFC 9053 EdDSA; private use for SM2, see above)."""
        return _COSE[self]

    @property
    def label(self) -> str:
        return "Ed25519" if self is Algorithm.ED25519 else "SM2/SM3"

    @classmethod
    def from_cose(cls, value: int) -> Algorithm:
        for algorithm, cose in _COSE.items():
            if cose == value:
                return algorithm
        raise MalformedToken(f"unknown COSE algorithm {value}")

    @classmethod
    def named(cls, name: str) -> Algorithm:
        """From a command-line or configuration word, case-insensitively."""
        try:
            return cls(name.strip().lower())
        except ValueError:
            raise ValueError(
                f"unknown algorithm {name!r}: use one of "
                f"{', '.join(a.value for a in cls)}") from None

    def verifier(self, raw_public_key: bytes) -> Verifier:
        """The fast verifier of this algorithm for a raw public key (ValueError if bad)."""
        if self is Algorithm.ED25519:
            return VerifyingKey(raw_public_key)
        return SM2VerifyingKey(raw_public_key)


_COSE = {Algorithm.ED25519: -8, Algorithm.SM2: -65537}
