"""The status list: every licence's status in two bits, signed, compressed, "as of" a time.

Like the W3C Bitstring Status List, but two bits per entry so that suspended, revoked and
cancelled differ. Each licence owns a random, fixed index (it travels in the token), so the
list reveals nothing about which licence a verifier is checking. Entry ``i`` is bits
``2i, 2i+1`` counted from the most significant bit of the first byte. The bit string is
compressed with bzip2, which packs a sparse list tighter than DEFLATE (1,000,000 licences
with 1% revoked among 2**21 entries: 13 KB against 16.5 KB; see docs/benchmarks.md). The
national authority's signing key signs it.

Each list and each delta says when the next one is due (like a CRL's nextUpdate): past that
it is not current, and a verifier never calls a licence valid on its word, since a revocation
may have come since. The publisher refreshes it well before then (``certsvc publish --every``).

A signed delta lists the entries that changed between two versions, so a verifier that holds
version N can catch up without downloading the whole list.

A licence that is no longer required (its product left the catalogue) is code 0: it was not
revoked, and nothing is wrong with products made under it. A token superseded by a change or
renewal has code 3 (ended), like a cancelled licence.

    >>> payload = encode_status_list_payload(AS_OF_EXAMPLE, 1, 8, {3: 2})
    >>> StatusList.from_payload(payload, b"kid-test").status_at(3)
    <LicenceStatus.REVOKED: 'revoked'>
"""

from __future__ import annotations

import bz2
import datetime as dt
from dataclasses import dataclass
from typing import Any

import cbor2

from certsvc.credential.cose import Sign1, decode_sign1
from certsvc.credential.trust_list import KeyState, TrustList
from certsvc.domain.bureaus import NATIONAL_CODE
from certsvc.domain.licence import SUPERSEDED, LicenceStatus
from certsvc.errors import MalformedToken, TrustListError

FORMAT_VERSION = 3  # 1 was zlib-compressed, 2 had no next update
DELTA_FORMAT_VERSION = 2  # 1 had no next update
LIFETIME = dt.timedelta(hours=24)  # a status list is current for a day after its "as of"
REPUBLISH_EVERY = LIFETIME / 2  # the longest wait between publications, so one is always current
BITS = 2
MAX_ENTRIES = 1 << 24
MAX_STATUS_LIST_BYTES = 8 << 20
STATUS_CODES = {
    LicenceStatus.VALID: 0,
    LicenceStatus.NOT_REQUIRED: 0,
    LicenceStatus.SUSPENDED: 1,
    LicenceStatus.REVOKED: 2,
    LicenceStatus.CANCELLED: 3,
    LicenceStatus.MERGED: 3,  # ended: its products are on the enterprise's one licence
}
ENDED = 3  # cancelled, or a superseded token
def code_for(status: str) -> int:
    """The list's code for a stored status (a LicenceStatus value, or ``superseded``)."""
    return ENDED if status == SUPERSEDED else STATUS_CODES[LicenceStatus(status)]


_BY_CODE = {0: LicenceStatus.VALID, 1: LicenceStatus.SUSPENDED, 2: LicenceStatus.REVOKED,
            3: LicenceStatus.CANCELLED}
SIZE = 1 << 21  # random indices among 2 M entries: herd privacy up to ~1 M licences
AS_OF_EXAMPLE = dt.datetime(2026, 3, 15, tzinfo=dt.UTC)


def encode_status_list_payload(
    as_of: dt.datetime, version: int, size: int, codes: dict[int, int]
) -> bytes:
    """``codes`` maps index → status code; unlisted indices are valid (or unused). The list
    is current until ``as_of + LIFETIME``."""
    if not 0 < size <= MAX_ENTRIES or size % 4:
        raise ValueError("size must be a positive multiple of 4, at most 2**24")
    bits = bytearray(size * BITS // 8)
    for index, code in codes.items():
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
            6: bz2.compress(bytes(bits), 9),
            7: int((as_of + LIFETIME).timestamp()),
        }
    )


@dataclass(frozen=True)
class StatusList:
    as_of: dt.datetime
    next_update: dt.datetime
    version: int
    size: int
    bits: bytes
    kid: bytes

    @classmethod
    def load(cls, data: bytes, trust_list: TrustList) -> StatusList:
        """Check that the national authority's trusted key signed it; raise TrustListError."""
        envelope = signed_by_national_key(data, trust_list, "status list")
        return cls.from_payload(envelope.payload, envelope.kid)

    @classmethod
    def from_payload(cls, payload: bytes, kid: bytes) -> StatusList:
        try:
            raw: Any = cbor2.loads(payload)
            if not isinstance(raw, dict) or raw.get(1) != FORMAT_VERSION or raw[4] != BITS:
                raise TrustListError("unsupported status list format")
            size = int(raw[5])
            if not 0 < size <= MAX_ENTRIES:
                raise TrustListError("status list size out of range")
            expected = size * BITS // 8
            inflater = bz2.BZ2Decompressor()
            bits = inflater.decompress(raw[6], expected)  # bounded: no decompression bomb
            if len(bits) != expected or not inflater.eof:
                raise TrustListError("status list length does not match its size")
            as_of, next_update = _time(raw[2]), _time(raw[7])
            if next_update <= as_of:
                raise TrustListError("status list is due before it was issued")
            return cls(as_of, next_update, int(raw[3]), size, bits, kid)
        except TrustListError:
            raise
        except Exception as exc:
            raise TrustListError(f"status list payload is malformed: {exc}") from None

    def is_current(self, now: dt.datetime) -> bool:
        return now < self.next_update

    def status_at(self, index: int, token: bytes = b"") -> LicenceStatus | None:
        """The status at ``index``, or None when the list is too short to say. (``token`` is
        for the online register, which checks it; a list holds no tokens.)"""
        if not 0 <= index < self.size:
            return None
        byte, slot = divmod(index, 4)
        return _BY_CODE[(self.bits[byte] >> (6 - 2 * slot)) & 3]


def signed_by_national_key(data: bytes, trust_list: TrustList, what: str) -> Sign1:
    try:
        envelope = decode_sign1(data, MAX_STATUS_LIST_BYTES)
    except MalformedToken as exc:
        raise TrustListError(f"{what} is malformed: {exc.detail}") from None
    key = trust_list.key(envelope.kid)
    if key is None or key.bureau_code != NATIONAL_CODE or key.state is KeyState.REVOKED:
        raise TrustListError(f"{what} is not signed by a trusted national key")
    if not key.verifies(envelope):
        raise TrustListError(f"{what} signature does not verify") from None
    return envelope


def encode_delta_payload(
    as_of: dt.datetime, since: int, version: int, changes: dict[int, int]
) -> bytes:
    """Entries that changed after version ``since`` up to ``version``: index → new code."""
    return cbor2.dumps({
        1: DELTA_FORMAT_VERSION,
        2: int(as_of.timestamp()),
        3: since,
        4: version,
        5: [[index, code] for index, code in sorted(changes.items())],
        6: int((as_of + LIFETIME).timestamp()),
    })


def apply_delta(status_list: StatusList, data: bytes, trust_list: TrustList) -> StatusList:
    """The list brought up to date by a signed delta from its own version."""
    envelope = signed_by_national_key(data, trust_list, "status list delta")
    try:
        raw: Any = cbor2.loads(envelope.payload)
        if not isinstance(raw, dict) or raw.get(1) != DELTA_FORMAT_VERSION:
            raise TrustListError("unsupported status list delta format")
        if raw[3] != status_list.version:
            raise TrustListError(
                f"delta starts at version {raw[3]}, the list is version {status_list.version}")
        bits = bytearray(status_list.bits)
        for index, code in raw[5]:
            if not 0 <= index < status_list.size or code not in _BY_CODE:
                raise TrustListError("delta entry out of range")
            byte, slot = divmod(index, 4)
            shift = 6 - 2 * slot
            bits[byte] = (bits[byte] & ~(3 << shift)) | (code << shift)
        as_of, next_update = _time(raw[2]), _time(raw[6])
        if as_of < status_list.as_of or next_update <= as_of:
            raise TrustListError("status list delta is older than the list")
        return StatusList(as_of, next_update, int(raw[4]), status_list.size, bytes(bits),
                          envelope.kid)
    except TrustListError:
        raise
    except Exception as exc:
        raise TrustListError(f"status list delta is malformed: {exc}") from None


def _time(value: Any) -> dt.datetime:
    return dt.datetime.fromtimestamp(int(value), dt.UTC)
