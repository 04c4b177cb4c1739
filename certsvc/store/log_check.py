"""Is a token's issuance in the transparency log? Held to the log key's signature, not to a
row.

Anyone who can write to the database can insert a ``log_entries`` row with a token's digest;
no one without the log key can sign a tree head. So a token counts as logged only when

1. the first leaf about its digest really is an issuance or change of that token (the leaf's
   bytes name the digest: the indexed column alone is not believed),
2. that leaf lies below the size of the latest tree head the log key signed (``log_heads``;
   rows there that it did not sign are passed over), and
3. an inclusion proof built from the stored hashes puts the leaf's hash at its index under
   that head's root.

A leaf that passes 1 but lies beyond the latest head is *pending*: recorded, awaiting a
signed head (the signing service signs one in the transaction of every issuance, and the
publisher at each publication, so this lasts seconds at most — or for ever, if the row was
written by someone without the key). Pending is never valid.

A confirmed digest stays confirmed (leaves are never removed: triggers refuse it), so it is
remembered, and each head's signature is checked once per process.
"""

from __future__ import annotations

import enum
import threading

from sqlalchemy import Engine

from certsvc.store import log
from certsvc.transparency.entries import decode_entry
from certsvc.transparency.merkle import leaf_hash, verify_inclusion
from certsvc.transparency.note import Checkpoint, NoteError, NoteVerifier, open_note
from certsvc.transparency.stored import prove_inclusion

REMEMBERED = 100_000  # digests known to be in the log, per process (about 10 MB)
ISSUANCES = ("licence.issued", "licence.changed")
# a row in log_heads that the log key did not sign is passed over: the latest of this many
# that it did sign counts (rows written by a forger cannot hide the genuine heads)
HEADS_TRIED = 8


class LogState(enum.Enum):
    CONFIRMED = "confirmed"  # below a signed head, proven
    PENDING = "pending"  # recorded, beyond the latest signed head
    ABSENT = "absent"  # no leaf of it, or a leaf that does not prove


class LogCheck:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._confirmed: set[bytes] = set()
        # (note, key) → its checkpoint, the signature checked
        self._heads: dict[tuple[str, NoteVerifier], Checkpoint] = {}
        self._lock = threading.Lock()

    def state(self, token_sha256: bytes, log_key: NoteVerifier | None) -> LogState:
        """Where the token with this digest stands in the log whose key is ``log_key`` (the
        trust list's; its name is the log's origin); ABSENT where there is none."""
        if token_sha256 in self._confirmed:
            return LogState.CONFIRMED
        if log_key is None:
            return LogState.ABSENT
        with self.engine.connect() as conn:
            found = log.first_entry_of_token(conn, token_sha256)
            if found is None or not _about(found[1], token_sha256):
                return LogState.ABSENT
            index, data = found
            head = next(filter(None, (self._head(note, log_key)
                                      for note in log.latest_heads(conn, HEADS_TRIED))), None)
            if head is None or index >= head.size:
                return LogState.PENDING
            proof = prove_inclusion(head.size, index, log.hash_reader(conn))
        if not verify_inclusion(leaf_hash(data), index, head.size, proof, head.root_hash):
            return LogState.ABSENT  # the stored tree does not hold this leaf
        with self._lock:
            if len(self._confirmed) >= REMEMBERED:
                self._confirmed.clear()
            self._confirmed.add(token_sha256)
        return LogState.CONFIRMED

    def _head(self, note: str, log_key: NoteVerifier) -> Checkpoint | None:
        """The checkpoint of a stored head, if the log key signed it; None otherwise."""
        head = self._heads.get((note, log_key))
        if head is not None:
            return head
        try:
            text, _ = open_note(note, {log_key.id: log_key})
            head = Checkpoint.parse(text)
        except (NoteError, ValueError):
            return None
        if head.origin != log_key.name:
            return None
        with self._lock:
            if len(self._heads) > 64:
                self._heads.clear()
            self._heads[(note, log_key)] = head
        return head


def _about(data: bytes, token_sha256: bytes) -> bool:
    """Does the leaf's own text say it is the issuance (or change) of this token?"""
    try:
        entry = decode_entry(data)
    except ValueError:
        return False
    return entry.kind in ISSUANCES and entry.token_sha256 == token_sha256
