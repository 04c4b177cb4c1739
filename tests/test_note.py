"""C2SP signed notes and checkpoints (issue 16, begun): Go's sumdb/note published vector
reproduced byte for byte, hostile notes refused, checkpoints round-tripped."""

from __future__ import annotations

import base64
import contextlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from certsvc.transparency.merkle import EMPTY_ROOT
from certsvc.transparency.note import (
    Checkpoint,
    NoteError,
    NoteVerifier,
    open_note,
    parse_note,
    sign_note,
)

pytestmark = pytest.mark.no_database

# golang.org/x/mod/sumdb/note, note_test.go and its package documentation
VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
TEXT = ("If you think cryptography is the answer to your problem,\n"
        "then you don't know what your problem is.\n")
NOTE = (TEXT + "\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZ"
        "SNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n")


def _go_private_key() -> Ed25519PrivateKey:
    seed = base64.b64decode(SKEY.split("+", 4)[4])
    assert seed[0] == 1
    return Ed25519PrivateKey.from_private_bytes(seed[1:])


def test_go_s_published_note_is_reproduced_and_opened() -> None:
    verifier = NoteVerifier.parse(VKEY)
    assert str(verifier) == VKEY
    key = _go_private_key()
    assert sign_note(TEXT, "PeterNeumann", verifier.public_key, key.sign) == NOTE
    text, signers = open_note(NOTE, {verifier.id: verifier})
    assert (text, signers) == (TEXT, [verifier])


def test_a_changed_text_or_an_unknown_signer_is_refused() -> None:
    verifier = NoteVerifier.parse(VKEY)
    with pytest.raises(NoteError, match="does not verify"):
        open_note(NOTE.replace("cryptography", "cryptographY"), {verifier.id: verifier})
    other = Ed25519PrivateKey.generate()
    stranger = NoteVerifier("Stranger", other.public_key().public_bytes_raw())
    with pytest.raises(NoteError, match="no key this verifier knows"):
        open_note(NOTE, {stranger.id: stranger})
    cosigned = NOTE + sign_note(TEXT, "Stranger", stranger.public_key, other.sign
                                ).split("\n\n")[1]
    _, signers = open_note(cosigned, {verifier.id: verifier, stranger.id: stranger})
    assert signers == [verifier, stranger]
    assert open_note(cosigned, {verifier.id: verifier})[1] == [verifier]  # others ignored


@pytest.mark.parametrize("mangled", [
    VKEY.replace("c74f20a3", "c74f20a4"),  # a wrong key id
    VKEY.replace("+A", "+B", 1),  # another signature type
    "PeterNeumann+c74f20a3",
    "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    VKEY[:-2],
])
def test_mangled_verifier_keys_are_refused(mangled: str) -> None:
    with pytest.raises(NoteError):
        NoteVerifier.parse(mangled)


@pytest.mark.parametrize("note", [
    TEXT,  # no signatures
    TEXT + "\n",
    NOTE.replace("— ", "-- "),
    NOTE.replace("\n— PeterNeumann ", "\n— PeterNeumann  "),
    NOTE.replace("then", "th\x00en"),
    NOTE[:-1],
    TEXT + "\n" + "— PeterNeumann AAAA\n",
    TEXT + "\n" + NOTE.split("\n\n")[1] * 101,  # more signature lines than Go's cap
])
def test_malformed_notes_are_refused(note: str) -> None:
    verifier = NoteVerifier.parse(VKEY)
    with pytest.raises(NoteError):
        open_note(note, {verifier.id: verifier})


@given(st.one_of(st.text(max_size=300), st.binary(max_size=300)))
def test_parsing_anything_raises_only_note_error(data: str | bytes) -> None:
    with contextlib.suppress(NoteError):
        parse_note(data)
    with contextlib.suppress(NoteError):
        Checkpoint.parse(data if isinstance(data, str) else data.decode("latin-1"))


def test_a_checkpoint_round_trips_and_refuses_bad_bodies() -> None:
    checkpoint = Checkpoint("certsvc.example/log", 0, EMPTY_ROOT)
    empty = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="  # base64 of SHA-256("")
    assert checkpoint.text() == f"certsvc.example/log\n0\n{empty}\n"
    assert Checkpoint.parse(checkpoint.text()) == checkpoint
    with_extension = Checkpoint("certsvc.example/log", 12, EMPTY_ROOT, ("extra data",))
    assert Checkpoint.parse(with_extension.text()) == with_extension
    for bad in ("certsvc.example/log\n01\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
                "certsvc.example/log\n-1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
                "certsvc.example/log\n1\nAAAA\n",
                "\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
                "certsvc.example/log\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="):
        with pytest.raises(NoteError):
            Checkpoint.parse(bad)
