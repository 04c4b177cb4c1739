"""Witnesses and cosignatures (c2sp.org/tlog-witness, tlog-cosignature): a witness cosigns
only what is consistent with what it cosigned before, and a verifier counts only the
witnesses it knows, refusing a bad cosignature by one of them (issue 16)."""

from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import given
from hypothesis import strategies as st

from certsvc.transparency.cosignature import Cosigner, cosignatures, cosigned_message
from certsvc.transparency.merkle import consistency_proof, leaf_hash, root
from certsvc.transparency.note import Checkpoint, NoteError, NoteVerifier, sign_note
from certsvc.transparency.witness import LatestCheckpoints, Witness, request_body

pytestmark = pytest.mark.no_database

ORIGIN = "certsvc.example/licence-log"
LEAVES = [leaf_hash(bytes([i])) for i in range(40)]


def key() -> tuple[Ed25519PrivateKey, bytes]:
    private = Ed25519PrivateKey.generate()
    return private, private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


LOG_PRIVATE, LOG_PUBLIC = key()
LOG = NoteVerifier(ORIGIN, LOG_PUBLIC)


def checkpoint_note(size: int, leaves: list[bytes] = LEAVES, origin: str = ORIGIN,
                    signer: Ed25519PrivateKey = LOG_PRIVATE, public: bytes = LOG_PUBLIC) -> str:
    text = Checkpoint(origin, size, root(leaves[:size])).text()
    return sign_note(text, origin, public, signer.sign)


def witness(tmp_path: Path, name: str = "witness.example/w1") -> tuple[Witness, Cosigner]:
    private, public = key()
    cosigner = Cosigner(name, public)
    return Witness(cosigner, private.sign, {ORIGIN: LOG},
                   LatestCheckpoints(tmp_path / "state.json"), lambda: 1_790_000_000), cosigner


def add(w: Witness, old: int, size: int, leaves: list[bytes] = LEAVES,
        proof: list[bytes] | None = None) -> tuple[int, str]:
    if proof is None:
        proof = consistency_proof(leaves, old, size) if 0 < old < size else []
    answer = w.add_checkpoint(request_body(old, proof, checkpoint_note(size, leaves)))
    return answer.status, answer.body


def test_a_witness_cosigns_a_consistent_history(tmp_path: Path) -> None:
    w, cosigner = witness(tmp_path)
    status, line = add(w, 0, 5)
    assert status == 200
    found = cosignatures(checkpoint_note(5) + line, [cosigner])
    assert [c.cosigner for c in found] == [cosigner]
    assert found[0].at == dt.datetime.fromtimestamp(1_790_000_000, dt.UTC)
    assert add(w, 5, 17)[0] == 200
    assert add(w, 17, 17)[0] == 200  # the same checkpoint again: cosigned again
    assert LatestCheckpoints(tmp_path / "state.json").read()[ORIGIN] == (17, root(LEAVES[:17]))


def test_the_witness_answers_as_the_protocol_says(tmp_path: Path) -> None:
    w, _ = witness(tmp_path)
    assert add(w, 0, 10)[0] == 200
    stale = w.add_checkpoint(request_body(3, consistency_proof(LEAVES, 3, 12),
                                          checkpoint_note(12)))
    assert (stale.status, stale.body, stale.content_type) == (409, "10\n", "text/x.tlog.size")
    assert add(w, 10, 12, proof=[bytes(32)] * 3)[0] == 422  # the proof fails
    rewritten = [leaf_hash(b"rewritten"), *LEAVES[1:]]
    assert add(w, 10, 14, leaves=rewritten)[0] == 422  # a rewritten history
    assert add(w, 10, 10, leaves=rewritten)[0] == 409  # same size, another root: a fork
    assert add(w, 10, 8)[0] == 400  # smaller than the last cosigned
    other_private, other_public = key()
    forged = sign_note(Checkpoint(ORIGIN, 12, root(LEAVES[:12])).text(), ORIGIN, other_public,
                       other_private.sign)
    assert w.add_checkpoint(request_body(10, consistency_proof(LEAVES, 10, 12), forged)
                            ).status == 403  # signed by another key
    unknown = checkpoint_note(12, origin="other.example/log")
    assert w.add_checkpoint(request_body(10, [], unknown)).status == 404
    assert w.add_checkpoint(b"old 10\n\nnot a checkpoint\n").status == 400
    assert LatestCheckpoints(tmp_path / "state.json").read()[ORIGIN][0] == 10  # unmoved
    # the log-signed views it refused are kept, as proof the log equivocated (issue 24):
    # the bad proof, the rewritten history and the fork; not the stale, forged or malformed
    kept = [json.loads(line) for line in w.evidence.read().decode().splitlines()]
    assert [k["reason"] for k in kept] == ["inconsistent", "inconsistent", "fork"]
    assert kept[2]["checkpoint"] == checkpoint_note(10, rewritten)
    assert kept[2]["cosigned_size"] == 10
    assert base64.b64decode(kept[2]["cosigned_root"]) == root(LEAVES[:10])


def test_the_witness_serves_its_evidence(tmp_path: Path) -> None:
    from werkzeug.test import Client

    from certsvc.cli_log import witness_app

    class Signing:
        def witness_signer(self, name: str) -> tuple[Cosigner, Any]:
            private, public = key()
            return Cosigner(name, public), private.sign

    class Ctx:
        signer = Signing()

    app = witness_app(Ctx(), "witness.example/w1", (str(LOG),),  # type: ignore[arg-type]
                      tmp_path / "state.json")
    client = Client(app)
    assert client.get("/evidence").status_code == 200  # none yet: empty
    ok = client.post("/add-checkpoint", data=request_body(0, [], checkpoint_note(10)))
    assert ok.status_code == 200
    rewritten = [leaf_hash(b"rewritten"), *LEAVES[1:]]
    fork = client.post("/add-checkpoint",
                       data=request_body(10, [], checkpoint_note(10, rewritten)))
    assert fork.status_code == 409
    served = client.get("/evidence")
    assert served.headers["Content-Type"] == "application/jsonl"
    (record,) = [json.loads(line) for line in served.get_data(as_text=True).splitlines()]
    assert record["reason"] == "fork" and record["checkpoint"] == checkpoint_note(10, rewritten)


@given(st.binary(max_size=400))
def test_any_bytes_get_an_answer_not_an_exception(tmp_path_factory: pytest.TempPathFactory,
                                                  body: bytes) -> None:
    w, _ = witness(tmp_path_factory.mktemp("w"))
    assert w.add_checkpoint(body).status in (400, 403, 404, 409, 422)


def test_cosignatures_of_unknown_witnesses_are_ignored_bad_ones_refused() -> None:
    private, public = key()
    known = Cosigner("witness.example/w1", public)
    stranger_private, stranger_public = key()
    stranger = Cosigner("witness.example/w9", stranger_public)
    text = Checkpoint(ORIGIN, 3, root(LEAVES[:3])).text()
    note = checkpoint_note(3)
    assert cosignatures(note + stranger.line(text, 5, stranger_private.sign), [known]) == []
    good = known.line(text, 5, private.sign)
    assert len(cosignatures(note + good + good, [known])) == 1  # counted once
    # a cosignature over another time than it claims, or another checkpoint
    raw = bytearray(base64.b64decode(good.split(" ")[2]))
    raw[11] ^= 1  # inside the timestamp
    tampered = f"— {known.name} {base64.b64encode(bytes(raw)).decode()}\n"
    with pytest.raises(NoteError):
        cosignatures(note + tampered, [known])
    other = known.line(Checkpoint(ORIGIN, 4, root(LEAVES[:4])).text(), 5, private.sign)
    with pytest.raises(NoteError):
        cosignatures(note + other, [known])
    assert private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw) == public
    assert cosigned_message(text, 5).startswith(b"cosignature/v1\ntime 5\n")


def test_a_cosigner_key_round_trips_and_mangled_keys_fail() -> None:
    _, public = key()
    cosigner = Cosigner("witness.example/w1", public)
    assert Cosigner.parse(str(cosigner)) == cosigner
    with pytest.raises(NoteError):
        NoteVerifier.parse(str(cosigner))  # a cosigner key is not a note-signing key
    with pytest.raises(NoteError):
        Cosigner.parse(str(NoteVerifier("witness.example/w1", public)))
    with pytest.raises(NoteError):
        Cosigner.parse(str(cosigner).replace("+", "x", 1))


@given(st.text(max_size=120))
def test_any_text_is_a_cosigner_key_or_a_note_error(text: str) -> None:
    try:
        cosigner = Cosigner.parse(text)
    except NoteError:
        return
    assert str(cosigner) == text
