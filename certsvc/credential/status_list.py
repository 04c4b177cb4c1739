"""The status list: every licence's status in two bits, signed, compressed, "as of" a time.

Like the W3C Bitstring Status List, but two bits per entry so that suspended, revoked and
cancelled differ. Each licence owns a random, fixed index (it travels in the token), so the
list reveals nothing about which licence a verifier is checking. Entry ``i`` is bits
``2i, 2i+1`` counted from the most significant bit of the first byte. The national
authority's signing key signs it.

    >>> payload = encode_status_list_payload(AS_OF_EXAMPLE, 1, 8, {3: LicenceStatus.REVOKED})
    >>> StatusList.from_payload(payload, b"kid-test").status_at(3)
    <LicenceStatus.REVOKED: 'revoked'>
"""

from __future__ import annotations

import datetime as dt
import zlib
from dataclasses import dataclass
from typing import Any

import cbor2
from cryptography.exceptions import InvalidSignature

from certsvc.credential.cose import decode_sign1
from certsvc.credential.trust_list import KeyState, TrustList
from certsvc.domain.bureaus import NATIONAL_CODE
from certsvc.domain.licence import LicenceStatus
from certsvc.errors import MalformedToken, TrustListError

FORMAT_VERSION = 1
BITS = 2
MAX_ENTRIES = 1 << 24
MAX_STATUS_LIST_BYTES = 8 << 20
STATUS_CODES = {
    LicenceStatus.VALID: 0,
    LicenceStatus.SUSPENDED: 1,
    LicenceStatus.REVOKED: 2,
    LicenceStatus.CANCELLED: 3,
}
_BY_CODE = {code: status for status, code in STATUS_CODES.items()}
AS_OF_EXAMPLE = dt.datetime(2026, 3, 15, tzinfo=dt.UTC)


def encode_status_list_payload(
    as_of: dt.datetime, version: int, size: int, statuses: dict[int, LicenceStatus]
) -> bytes:
    """``statuses`` maps index → status; unlisted indices are valid (or unused)."""
    if not 0 < size <= MAX_ENTRIES or size % 4:
        raise ValueError("size must be a positive multiple of 4, at most 2**24")
    bits = bytearray(size * BITS // 8)
    for index, status in statuses.items():
        code = STATUS_CODES[status]
        if code:
            byte, slot = divmod(index, 4)
            bits[byte] |= code << (6 - 2 * slot)
    return cbor2.dumps(
        {
            1: FORMAT_VERSION,
            2: int(as_of.timestamp()),
            3: version,
            4: BITS,
            5: size,
            6: zlib.compress(bytes(bits), 9),
        }
    )


@dataclass(frozen=True)
class StatusList:
    as_of: dt.datetime
    version: int
    size: int
    bits: bytes
    kid: bytes

    @classmethod
    def load(cls, data: bytes, trust_list: TrustList) -> StatusList:
        """Check that the national authority's trusted key signed it; raise TrustListError."""
        try:
            envelope = decode_sign1(data, MAX_STATUS_LIST_BYTES)
        except MalformedToken as exc:
            raise TrustListError(f"status list is malformed: {exc.detail}") from None
        key = trust_list.key(envelope.kid)
        if key is None or key.bureau_code != NATIONAL_CODE or key.state is KeyState.REVOKED:
            raise TrustListError("status list is not signed by a trusted national key")
        try:
            key.public_key.verify(envelope.signature, envelope.to_be_signed)
        except InvalidSignature:
            raise TrustListError("status list signature does not verify") from None
        return cls.from_payload(envelope.payload, envelope.kid)

    @classmethod
    def from_payload(cls, payload: bytes, kid: bytes) -> StatusList:
        try:
            raw: Any = cbor2.loads(payload)
            if raw[1] != FORMAT_VERSION or raw[4] != BITS:
                raise TrustListError("unsupported status list format")
            size = int(raw[5])
            if not 0 < size <= MAX_ENTRIES:
                raise TrustListError("status list size out of range")
            expected = size * BITS // 8
            inflater = zlib.decompressobj()
            bits = inflater.decompress(raw[6], expected)
            if len(bits) != expected or inflater.unconsumed_tail:
                raise TrustListError("status list length does not match its size")
            return cls(
                dt.datetime.fromtimestamp(int(raw[2]), dt.UTC), int(raw[3]), size, bits, kid
            )
        except TrustListError:
            raise
        except Exception as exc:
            raise TrustListError(f"status list payload is malformed: {exc}") from None

    def status_at(self, index: int) -> LicenceStatus | None:
        """The status at ``index``, or None when the list is too short to say."""
        if not 0 <= index < self.size:
            return None
        byte, slot = divmod(index, 4)
        return _BY_CODE[(self.bits[byte] >> (6 - 2 * slot)) & 3]
