"""A client of the transparency log, as a verifier or a monitor uses it online.

It accepts a checkpoint only if the log key the trust list names signed it, ``quorum`` of
the named witnesses cosigned it — the quorum-th newest of their cosignatures no older than
``MAX_COSIGNATURE_AGE`` (a log that shows old, validly cosigned checkpoints to some clients
froze its history for them) — and it is consistent with the last checkpoint this client
accepted (kept in a state file): never smaller, never the same size with another root, and
a larger one only with a consistency proof that verifies. Any of those failing is
:class:`~certsvc.errors.LogInconsistent`; a log that does not answer is ``Unavailable``.

Proofs are built from the published hash tiles and entry bundles (static files a CDN
serves), not taken from the JSON API: only the index of a token's leaf, which only the
register can tell, is asked of the API. A tile altered on the server makes the proof fail.

    client = LogClient("https://certsvc.example", trust_list.log, Path("seen.json"))
    checkpoint = client.checkpoint()
    index, entry = client.prove_token(token, checkpoint)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from certsvc.credential.trust_list import LogPolicy
from certsvc.domain.time import utcnow
from certsvc.errors import LogInconsistent, NotFound, Unavailable
from certsvc.transparency.cosignature import Cosigner, cosignatures
from certsvc.transparency.entries import LogEntry, decode_entry
from certsvc.transparency.merkle import leaf_hash, verify_consistency, verify_inclusion
from certsvc.transparency.note import Checkpoint, NoteError, NoteVerifier, open_note
from certsvc.transparency.published import Fetch, PublishedTiles
from certsvc.transparency.stored import prove_consistency, prove_inclusion
from certsvc.transparency.tiles import WIDTH
from certsvc.transparency.witness import LatestCheckpoints

TIMEOUT = 15.0
# The publisher republishes, and the witnesses cosign again, every 12 hours (REPUBLISH_EVERY):
# a checkpoint whose quorum cosigned longer ago than this is not news of the log's present.
MAX_COSIGNATURE_AGE = dt.timedelta(hours=36)
MAX_BODY = 8 << 20
__all__ = ["Fetch", "LogClient", "http_fetch"]


def http_fetch(base_url: str) -> Fetch:
    def fetch(path: str) -> bytes:
        try:
            with urllib.request.urlopen(base_url.rstrip("/") + path, timeout=TIMEOUT) as r:
                return bytes(r.read(MAX_BODY))
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                raise NotFound(f"{path}: {exc.read(2000).decode('utf-8', 'replace')}") from None
            raise Unavailable(f"the log answered {exc.code} for {path}") from None
        except (urllib.error.URLError, OSError) as exc:
            raise Unavailable(f"the log at {base_url} did not answer: {exc}") from None
    return fetch


class LogClient:
    def __init__(self, policy: LogPolicy, state: Path, fetch: Fetch,
                 clock: Callable[[], dt.datetime] = utcnow) -> None:
        self.policy = policy
        self.clock = clock
        try:
            self.log_key = NoteVerifier.parse(policy.log_key)
            self.witnesses = [Cosigner.parse(w) for w in policy.witnesses]
        except NoteError as exc:
            raise LogInconsistent(f"the trust list's log policy: {exc}") from None
        self.memory = LatestCheckpoints(state)
        self.fetch = fetch

    def checkpoint(self) -> Checkpoint:
        """The log's latest checkpoint, checked (see the module), and remembered."""
        note = self.fetch("/log/checkpoint")
        checkpoint = self.verify_note(note)
        state = self.memory.read()
        seen = state.get(self.policy.log_key)  # by key: another log may reuse the name
        if seen is not None:
            self._consistent(seen, checkpoint)
        state[self.policy.log_key] = (checkpoint.size, checkpoint.root_hash)
        self.memory.write(state)
        return checkpoint

    def verify_note(self, note: bytes | str) -> Checkpoint:
        """A checkpoint signed by the log and cosigned by the quorum."""
        try:
            text, _ = open_note(note, {self.log_key.id: self.log_key})
            checkpoint = Checkpoint.parse(text)
            cosigned = cosignatures(note, self.witnesses)
        except NoteError as exc:
            raise LogInconsistent(f"the checkpoint does not verify: {exc}") from None
        if checkpoint.origin != self.policy.origin:
            raise LogInconsistent(f"the checkpoint is of {checkpoint.origin}, not "
                                  f"{self.policy.origin}")
        if len(cosigned) < self.policy.quorum:
            raise LogInconsistent(
                f"the checkpoint is cosigned by {len(cosigned)} of the witnesses the trust "
                f"list names; it requires {self.policy.quorum}")
        if self.policy.quorum:
            times = sorted((c.at for c in cosigned), reverse=True)
            vouched = times[self.policy.quorum - 1]  # when the quorum last stood behind it
            if self.clock() - vouched > MAX_COSIGNATURE_AGE:
                raise LogInconsistent(
                    f"the checkpoint's quorum last cosigned it at {vouched:%Y-%m-%d %H:%M}Z, "
                    f"more than {MAX_COSIGNATURE_AGE.total_seconds() / 3600:.0f} hours ago: a "
                    "log showing an old checkpoint may be hiding what it appended since")
        return checkpoint

    def _consistent(self, seen: tuple[int, bytes], checkpoint: Checkpoint) -> None:
        size, root = seen
        if checkpoint.size < size:
            raise LogInconsistent(
                f"the log's checkpoint has {checkpoint.size} leaves; {size} were seen before: "
                "the log was rolled back")
        if checkpoint.size == size:
            if checkpoint.root_hash != root:
                raise LogInconsistent(f"two checkpoints of size {size} with different roots: "
                                      "the log was forked or rewritten")
            return
        tiles = PublishedTiles(self.fetch, checkpoint.size)
        proof = prove_consistency(checkpoint.size, size, tiles.read)
        if not verify_consistency(size, checkpoint.size, root, checkpoint.root_hash, proof):
            raise LogInconsistent(
                f"the published tiles of the checkpoint of size {checkpoint.size} do not "
                f"prove it extends the one of size {size} seen before: the log's history "
                "was rewritten, or its tiles altered")

    def prove_token(self, token: bytes, checkpoint: Checkpoint) -> tuple[int, LogEntry]:
        """The leaf about ``token`` in ``checkpoint``, its inclusion proof verified."""
        return self.prove_digest(hashlib.sha256(token).hexdigest(), checkpoint)

    def prove_digest(self, digest: str, checkpoint: Checkpoint) -> tuple[int, LogEntry]:
        """The leaf about the token of SHA-256 ``digest`` (hex) in ``checkpoint``: its
        index asked of the register, its entry read from the bundle and its inclusion proof
        built from the tiles, verified against the checkpoint; NotFound if the log has none."""
        body = self._json(f"/api/v1/log/proof/inclusion?token_sha256={digest}"
                          f"&size={checkpoint.size}")
        try:
            index = int(body["index"])
        except (KeyError, TypeError, ValueError):
            raise LogInconsistent("the log's answer for the token's leaf is malformed") from None
        if not 0 <= index < checkpoint.size:
            raise LogInconsistent(f"the log names leaf {index} for the token, outside its "
                                  f"checkpoint of size {checkpoint.size}")
        tiles = PublishedTiles(self.fetch, checkpoint.size)
        entry = tiles.entries(index // WIDTH)[index % WIDTH]
        proof = prove_inclusion(checkpoint.size, index, tiles.read)
        if not verify_inclusion(leaf_hash(entry), index, checkpoint.size, proof,
                                checkpoint.root_hash):
            raise LogInconsistent(f"leaf {index} and the published tiles do not prove it in "
                                  f"the checkpoint of size {checkpoint.size}: the log serves "
                                  "tiles or entries other than the ones it signed")
        try:
            event = decode_entry(entry)
        except ValueError as exc:
            raise LogInconsistent(f"leaf {index}: {exc}") from None
        if event.token_sha256 != bytes.fromhex(digest):
            raise LogInconsistent(f"leaf {index} is not about this token")
        return index, event

    def _json(self, path: str) -> dict[str, Any]:
        try:
            body = json.loads(self.fetch(path))
        except (ValueError, UnicodeDecodeError):
            raise LogInconsistent(f"{path} did not answer JSON") from None
        if not isinstance(body, dict):
            raise LogInconsistent(f"{path} did not answer a JSON object")
        return body

