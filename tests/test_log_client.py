"""The log client refuses what a hostile or broken log serves: a checkpoint signed by
another key, too few known witnesses, a smaller or forked checkpoint than seen before, a
history that does not extend the last one, a proof for another leaf (issue 16)."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from certsvc.credential.trust_list import LogPolicy
from certsvc.errors import LogInconsistent, NotFound
from certsvc.transparency.client import MAX_COSIGNATURE_AGE, LogClient
from certsvc.transparency.cosignature import Cosigner
from certsvc.transparency.entries import bundle, decode_entry, encode_entry, unbundle
from certsvc.transparency.merkle import CompactRange, leaf_hash, root
from certsvc.transparency.note import Checkpoint, NoteVerifier, sign_note
from certsvc.transparency.tiles import entries_path, tile_data, tile_path
from tests.test_witness import LOG, ORIGIN, checkpoint_note, key

pytestmark = pytest.mark.no_database

AT = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
ENTRIES = [encode_entry("licence.issued", AT, "91330000000000000X", f"licence:{i}",
                        {"number": f"浙XK06-001-{i:05d}", "token_sha256": f"{i:064x}"})
           for i in range(30)]
LEAVES = [leaf_hash(e) for e in ENTRIES]
W_PRIVATE, W_PUBLIC = key()
WITNESS = Cosigner("witness.example/w1", W_PUBLIC)


class HostileLog:
    """What a log serves, as bytes a test chooses."""

    def __init__(self, leaves: list[bytes] = LEAVES) -> None:
        self.leaves = leaves
        self.size = 10
        self.cosign = True
        self.note_override: str | None = None

    def note(self) -> str:
        note = checkpoint_note(self.size, self.leaves)
        if self.cosign:
            text = note[:note.index("\n\n") + 1]
            note += WITNESS.line(text, 1_790_000_000, W_PRIVATE.sign)
        return self.note_override or note

    def __call__(self, path: str) -> bytes:
        if path == "/log/checkpoint":
            return self.note().encode()
        if path.startswith("/api/v1/log/proof/inclusion"):
            digest = path.split("token_sha256=")[1].split("&")[0]
            index = int(digest, 16)
            if index >= self.size:
                raise NotFound("no leaf")
            return json.dumps({"index": index}).encode()
        if path == "/log/" + entries_path(0, self.size):
            return bundle(ENTRIES[:self.size])
        if path == "/log/" + tile_path(0, 0, self.size):
            return tile_data(self.leaves[:self.size], 0, 0, self.size)
        raise NotFound(path)


COSIGNED_AT = dt.datetime.fromtimestamp(1_790_000_000, dt.UTC)


def client(log: HostileLog, tmp_path: Path, quorum: int = 1,
           now: dt.datetime = COSIGNED_AT + dt.timedelta(hours=1)) -> LogClient:
    policy = LogPolicy(ORIGIN, str(LOG), (str(WITNESS),), quorum)
    return LogClient(policy, tmp_path / "seen.json", log, lambda: now)


@pytest.mark.parametrize(("age", "accepted"), [
    (MAX_COSIGNATURE_AGE - dt.timedelta(seconds=1), True),
    (MAX_COSIGNATURE_AGE, True),
    (MAX_COSIGNATURE_AGE + dt.timedelta(seconds=1), False),
])
def test_a_checkpoint_its_quorum_cosigned_long_ago_is_refused(
        tmp_path: Path, age: dt.timedelta, accepted: bool) -> None:
    """Issue 24: a restored old checkpoint with valid cosignatures was accepted by fresh
    clients for ever (a frozen view of the log). Both sides of the bound."""
    c = client(HostileLog(), tmp_path, now=COSIGNED_AT + age)
    if accepted:
        assert c.checkpoint().size == 10
    else:
        with pytest.raises(LogInconsistent, match="last cosigned"):
            c.checkpoint()


def test_a_cosigned_growing_log_is_accepted_and_proves_its_leaves(tmp_path: Path) -> None:
    log = HostileLog()
    c = client(log, tmp_path)
    assert c.checkpoint().size == 10
    log.size = 25
    checkpoint = c.checkpoint()
    index, event = c.prove_digest(f"{7:064x}", checkpoint)
    assert (index, event.number) == (7, "浙XK06-001-00007")


def test_named_bad_checkpoints_fail(tmp_path: Path) -> None:
    log = HostileLog()
    c = client(log, tmp_path)
    c.checkpoint()
    other_private, other_public = key()
    log.note_override = sign_note(Checkpoint(ORIGIN, 12, root(LEAVES[:12])).text(), ORIGIN,
                                  other_public, other_private.sign)
    with pytest.raises(LogInconsistent, match="no key this verifier knows"):
        c.checkpoint()  # signed by another key
    log.note_override = None
    log.cosign = False
    with pytest.raises(LogInconsistent, match="requires 1"):
        c.checkpoint()  # no cosignature by a known witness
    stranger_private, stranger_public = key()
    stranger = Cosigner("witness.example/w1", stranger_public)  # same name, unknown key
    note = checkpoint_note(10)
    text = note[:note.index("\n\n") + 1]
    log.note_override = note + stranger.line(text, 1, stranger_private.sign)
    with pytest.raises(LogInconsistent, match="requires 1"):
        c.checkpoint()  # a cosignature by an unknown witness does not count
    log.note_override = None
    log.cosign = True
    log.size = 6
    with pytest.raises(LogInconsistent, match="rolled back"):
        c.checkpoint()  # smaller than the last seen
    log.size = 10
    log.leaves = [leaf_hash(b"forked"), *LEAVES[1:]]
    with pytest.raises(LogInconsistent, match="forked"):
        c.checkpoint()
    log.size = 20
    with pytest.raises(LogInconsistent, match="rewritten"):
        c.checkpoint()  # the consistency proof from 10 fails


def test_a_leaf_for_another_token_fails(tmp_path: Path) -> None:
    log = HostileLog()
    c = client(log, tmp_path, quorum=0)
    checkpoint = c.checkpoint()
    real = log.__call__

    def lying(path: str) -> bytes:
        body = real(path)
        if path.startswith("/api/v1/log/proof/inclusion"):
            return json.dumps({"index": json.loads(body)["index"] + 1}).encode()
        return body

    c.fetch = lying
    with pytest.raises(LogInconsistent, match="not about this token"):
        c.prove_digest(f"{3:064x}", checkpoint)
    for answer in (b'{"entry": "x"}', b'{"index": "one"}', b"[]", b"\xff"):
        c.fetch = lambda path, answer=answer: answer if path.startswith("/api/") else real(path)
        with pytest.raises(LogInconsistent, match=r"malformed|JSON"):
            c.prove_digest(f"{1:064x}", checkpoint)
    c.fetch = lambda path: b'{"index": 10}' if path.startswith("/api/") else real(path)
    with pytest.raises(LogInconsistent, match="outside its checkpoint"):
        c.prove_digest(f"{1:064x}", checkpoint)


@pytest.mark.parametrize("part", ["tile", "bundle"])
def test_a_tampered_tile_or_bundle_fails_the_proof(tmp_path: Path, part: str) -> None:
    """Issue 24: proofs are built from the published tiles and bundles; an altered hash on
    the proof's path, or an altered entry, no longer proves the leaf in the signed root."""
    log = HostileLog()
    c = client(log, tmp_path, quorum=0)
    checkpoint = c.checkpoint()
    real = log.__call__

    def altered(path: str) -> bytes:
        body = real(path)
        if part == "tile" and path.startswith("/log/tile/0/"):
            return bytes(32) + body[32:]
        if part == "bundle" and "/entries/" in path:
            entries = unbundle(body)
            entries[3] = ENTRIES[12]
            return bundle(entries)
        return body

    c.fetch = altered
    with pytest.raises(LogInconsistent, match="do not prove it"):
        c.prove_digest(f"{3:064x}", checkpoint)


def test_a_compact_range_makes_the_root_at_every_size() -> None:
    tree = CompactRange()
    assert tree.root() == root([])
    for n, leaf in enumerate(LEAVES):
        tree.append(leaf)
        assert tree.root() == root(LEAVES[:n + 1])
        again = CompactRange(tree.size, tree.hashes)
        assert again.root() == tree.root()
    with pytest.raises(ValueError):
        CompactRange(3, [bytes(32)])


@given(st.binary(max_size=300))
def test_bundles_and_entries_parse_any_bytes_or_say_why(data: bytes) -> None:
    try:
        entries = unbundle(data)
    except ValueError:
        return
    assert bundle(entries) == data
    for entry in entries:
        with contextlib.suppress(ValueError):
            decode_entry(entry)


def test_an_entry_too_large_for_a_bundle_keeps_only_its_digest() -> None:
    big = encode_entry("declaration.published", dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
                       "91330000000000000X", "declaration:x", {"text": "标" * 40_000})
    assert len(big) < 1 << 16
    assert set(decode_entry(big).data) == {"sha256"}
    assert unbundle(bundle([big, ENTRIES[0]])) == [big, ENTRIES[0]]


def test_another_log_of_the_same_name_is_not_taken_for_a_rewrite(tmp_path: Path) -> None:
    """The memory is per log key: a second deployment reusing the default origin (another
    key, a smaller tree) is not this log rolled back."""
    client(HostileLog(), tmp_path, quorum=0).checkpoint()  # size 10 remembered
    other_private, other_public = key()
    other = LogPolicy(ORIGIN, str(NoteVerifier(ORIGIN, other_public)), (), 0)
    note = checkpoint_note(4, [leaf_hash(b"other")] * 4, signer=other_private,
                           public=other_public)
    seen = LogClient(other, tmp_path / "seen.json", lambda path: note.encode())
    assert seen.checkpoint().size == 4
