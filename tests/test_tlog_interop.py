"""An implementation certsvc did not write — Go's golang.org/x/mod/sumdb/note and sumdb/tlog,
from Debian's golang-golang-x-mod-dev, built here into a small program — verifies our signed
checkpoints, inclusion proofs and consistency proofs, and refuses them when one hash or the
signing key is wrong (issue 16, begun)."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from certsvc.transparency.merkle import (
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root,
)
from certsvc.transparency.note import Checkpoint, NoteVerifier, sign_note

SOURCE = Path(__file__).parent / "go" / "tlogcheck"
GOPATH = Path("/usr/share/gocode")
pytestmark = [pytest.mark.no_database, pytest.mark.skipif(
    shutil.which("go") is None or not (GOPATH / "src/golang.org/x/mod/sumdb").is_dir(),
    reason="make test installs golang-go and golang-golang-x-mod-dev")]


@pytest.fixture(scope="module")
def tlogcheck(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("go")
    env = {**os.environ, "GO111MODULE": "off", "GOPATH": str(GOPATH),
           "GOCACHE": str(out / "cache"), "GOFLAGS": ""}
    subprocess.run(["go", "build", "-o", str(out / "tlogcheck"), "."], cwd=SOURCE, env=env,
                   check=True, capture_output=True)
    return out / "tlogcheck"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _ask(program: Path, request: dict[str, object]) -> str:
    done = subprocess.run([str(program)], input=json.dumps(request), capture_output=True,
                          text=True, timeout=60)
    return done.stdout.strip()


def _request(size: int = 1000, index: int = 617, old: int = 300,
             key: Ed25519PrivateKey | None = None) -> tuple[dict[str, object], NoteVerifier]:
    leaves = [leaf_hash(f"licence event {i}".encode()) for i in range(size)]
    log_key = key or Ed25519PrivateKey.generate()
    verifier = NoteVerifier("certsvc.example/log", log_key.public_key().public_bytes_raw())
    text = Checkpoint("certsvc.example/log", size, root(leaves)).text()
    note = sign_note(text, verifier.name, verifier.public_key, log_key.sign)
    return {
        "vkey": str(verifier), "note": note, "leaf_hash": _b64(leaves[index]), "index": index,
        "inclusion_proof": [_b64(h) for h in inclusion_proof(leaves, index, size)],
        "old_size": old, "old_root": _b64(root(leaves[:old])),
        "consistency_proof": [_b64(h) for h in consistency_proof(leaves, old, size)],
    }, verifier


@pytest.mark.parametrize("size, index, old", [(1, 0, 1), (2, 1, 1), (1000, 617, 300),
                                              (1024, 1023, 512), (70000, 0, 69999)])
def test_go_verifies_our_checkpoint_and_proofs(tlogcheck: Path, size: int, index: int,
                                               old: int) -> None:
    request, _ = _request(size, index, old)
    assert _ask(tlogcheck, request) == "ok"


def test_go_refuses_what_is_wrong(tlogcheck: Path) -> None:
    request, _ = _request()
    wrong_leaf = {**request, "leaf_hash": _b64(leaf_hash(b"never logged"))}
    assert _ask(tlogcheck, wrong_leaf).startswith("inclusion")
    wrong_index = {**request, "index": 618}
    assert _ask(tlogcheck, wrong_index).startswith("inclusion")
    rewritten = {**request, "old_root": _b64(leaf_hash(b"another history"))}
    assert _ask(tlogcheck, rewritten).startswith("consistency")
    other, _ = _request(key=Ed25519PrivateKey.generate())
    by_another_key = {**request, "note": other["note"]}
    assert _ask(tlogcheck, by_another_key).startswith("note")
