"""Witness cosignatures (c2sp.org/tlog-cosignature, Ed25519 v1).

A cosignature is a note signature line on a checkpoint by a witness that checked the
checkpoint is consistent with everything it saw of the log before. Its key id is SHA-256 of
(name ‖ 0x0A ‖ 0x04 ‖ public key), its bytes a big-endian 8-byte POSIX timestamp then the
Ed25519 signature of::

    cosignature/v1
    time <timestamp>
    <the checkpoint's text>

A verifier requires ``quorum`` of the witnesses the trust list names; lines of other keys
are ignored, a bad signature by a known witness rejects the checkpoint.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from certsvc.credential.ed25519 import VerifyingKey
from certsvc.transparency.note import (
    NoteError,
    format_vkey,
    key_id,
    parse_note,
    parse_vkey,
    signature_line,
)

COSIGNATURE = 0x04
_MAX_TIMESTAMP = 253402300799  # 9999-12-31T23:59:59Z: the spec's 2**63-1, as a date can hold


def cosigned_message(checkpoint_text: str, timestamp: int) -> bytes:
    return f"cosignature/v1\ntime {timestamp}\n{checkpoint_text}".encode()


@dataclass(frozen=True)
class Cosigner:
    """A witness's Ed25519 cosigning key, by name."""

    name: str
    public_key: bytes

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.public_key, COSIGNATURE)

    def __str__(self) -> str:
        return format_vkey(self.name, self.public_key, COSIGNATURE)

    @classmethod
    def parse(cls, vkey: str) -> Cosigner:
        return cls(*parse_vkey(vkey, COSIGNATURE))

    def line(self, checkpoint_text: str, timestamp: int,
             sign: Callable[[bytes], bytes]) -> str:
        """This witness's cosignature line; ``sign`` holds its private key."""
        signature = sign(cosigned_message(checkpoint_text, timestamp))
        return signature_line(self.name, self.key_id,
                              timestamp.to_bytes(8, "big") + signature)


@dataclass(frozen=True)
class Cosignature:
    cosigner: Cosigner
    at: dt.datetime


def cosignatures(note: str | bytes, cosigners: Sequence[Cosigner]) -> list[Cosignature]:
    """The valid cosignatures of the known witnesses on a checkpoint note (each at most
    once). NoteError if a known witness's line does not verify."""
    text, signatures = parse_note(note)
    known = {(c.name, c.key_id): c for c in cosigners}
    found: dict[Cosigner, Cosignature] = {}
    for signature in signatures:
        cosigner = known.get((signature.name, signature.key_id))
        if cosigner is None:
            continue
        raw = signature.signature
        timestamp = int.from_bytes(raw[:8], "big")
        if (len(raw) != 72 or timestamp > _MAX_TIMESTAMP or not VerifyingKey(
                cosigner.public_key).verify(raw[8:], cosigned_message(text, timestamp))):
            raise NoteError(f"{cosigner.name}'s cosignature does not verify")
        found.setdefault(cosigner, Cosignature(cosigner, dt.datetime.fromtimestamp(
            timestamp, dt.UTC)))
    return list(found.values())
