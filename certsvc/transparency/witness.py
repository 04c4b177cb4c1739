"""A witness (c2sp.org/tlog-witness ``add-checkpoint``): cosigns a checkpoint only after
checking it is consistent with the last one it cosigned for that log.

The request body is ``old <size>``, up to 63 base64 consistency-proof lines, a blank line,
then the signed checkpoint. Answers, as the spec has them: 200 with the cosignature line;
400 malformed (or an old size above the new one); 404 a log it does not witness; 403 the
log's signature missing or bad; 409 ``old`` is not the size it last cosigned (the body says
which, ``text/x.tlog.size``) or the same size with another root — a fork; 422 the
consistency proof fails. The check and the new state are one step under a file lock, so
two requests cannot roll the witness back; the state is written (fsync, rename) before the
cosignature leaves.
"""

from __future__ import annotations

import base64
import binascii
import fcntl
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from certsvc.transparency.cosignature import Cosigner
from certsvc.transparency.merkle import verify_consistency
from certsvc.transparency.note import Checkpoint, NoteError, NoteVerifier, open_note, parse_note

MAX_PROOF = 63
SIZE_TYPE = "text/x.tlog.size"


@dataclass(frozen=True)
class Answer:
    status: int
    body: str
    content_type: str = "text/plain; charset=utf-8"


class LatestCheckpoints:
    """The latest (size, root) per log, in a JSON file: what a witness last cosigned (by
    origin), or what a verifier or monitor last accepted (by the log's key)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> dict[str, tuple[int, bytes]]:
        try:
            raw = json.loads(self.path.read_text("utf-8"))
        except FileNotFoundError:
            return {}
        return {origin: (int(v["size"]), base64.b64decode(v["root"]))
                for origin, v in raw.items()}

    def write(self, state: Mapping[str, tuple[int, bytes]]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.tmp")
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump({o: {"size": s, "root": base64.b64encode(r).decode()}
                       for o, (s, r) in state.items()}, handle, indent=2)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.path)


class Evidence:
    """The log-signed checkpoints a witness refused as a fork or an inconsistent history:
    each is the log's own signature on a view that contradicts what the witness cosigned —
    proof of equivocation, kept (appended, fsynced) and served to anyone who asks
    (``GET /evidence``, JSON lines), never discarded."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def keep(self, note: str, reason: str, seen_size: int, seen_root: bytes, at: int) -> None:
        record = {"at": at, "reason": reason, "cosigned_size": seen_size,
                  "cosigned_root": base64.b64encode(seen_root).decode(), "checkpoint": note}
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    def read(self) -> bytes:
        try:
            return self.path.read_bytes()
        except FileNotFoundError:
            return b""


class Witness:
    def __init__(self, cosigner: Cosigner, sign: Callable[[bytes], bytes],
                 logs: Mapping[str, NoteVerifier], state: LatestCheckpoints,
                 clock: Callable[[], int]) -> None:
        self.cosigner = cosigner
        self.sign = sign
        self.logs = logs  # origin → the log's checkpoint key
        self.state = state
        self.clock = clock
        self.evidence = Evidence(state.path.with_name(state.path.name + ".evidence.jsonl"))

    def add_checkpoint(self, body: bytes) -> Answer:
        try:
            old, proof, note = _parse_request(body)
            text, _ = parse_note(note)
            checkpoint = Checkpoint.parse(text)
        except (ValueError, NoteError) as exc:
            return Answer(400, f"malformed add-checkpoint request: {exc}\n")
        log = self.logs.get(checkpoint.origin)
        if log is None:
            return Answer(404, f"this witness does not witness {checkpoint.origin}\n")
        try:
            open_note(note, {log.id: log})
        except NoteError as exc:
            return Answer(403, f"the checkpoint is not signed by the log: {exc}\n")
        if old > checkpoint.size:
            return Answer(400, "the old size is larger than the checkpoint's\n")
        lock_path = self.state.path.with_name(f".{self.state.path.name}.lock")
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        with open(lock_path, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            state = self.state.read()
            seen_size, seen_root = state.get(checkpoint.origin, (0, b""))
            if old != seen_size:
                return Answer(409, f"{seen_size}\n", SIZE_TYPE)
            if old == checkpoint.size and old and seen_root != checkpoint.root_hash:
                self.evidence.keep(note, "fork", seen_size, seen_root, self.clock())
                return Answer(409, "a checkpoint of this size with another root hash: a fork\n")
            if old and old != checkpoint.size and not verify_consistency(
                    old, checkpoint.size, seen_root, checkpoint.root_hash, proof):
                self.evidence.keep(note, "inconsistent", seen_size, seen_root, self.clock())
                return Answer(422, "the consistency proof does not verify\n")
            if not old and proof:
                return Answer(422, "a proof from size 0 is empty\n")
            state[checkpoint.origin] = (checkpoint.size, checkpoint.root_hash)
            self.state.write(state)
        return Answer(200, self.cosigner.line(text, self.clock(), self.sign))


def _parse_request(body: bytes) -> tuple[int, list[bytes], str]:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError("the body is UTF-8") from None
    head, separator, note = text.partition("\n\n")
    if not separator:
        raise ValueError("no blank line before the checkpoint")
    lines = head.split("\n")
    first = lines[0]
    if not first.startswith("old ") or not (first[4:] == "0" or (
            first[4:].isascii() and first[4:].isdigit() and not first[4:].startswith("0")
            and len(first) <= 24)):
        raise ValueError("the first line is 'old <size>'")
    if len(lines) - 1 > MAX_PROOF:
        raise ValueError(f"at most {MAX_PROOF} proof lines")
    try:
        proof = [base64.b64decode(line, validate=True) for line in lines[1:]]
    except binascii.Error:
        raise ValueError("a proof line is one base64 hash") from None
    if any(len(p) != 32 for p in proof):
        raise ValueError("a proof line is one base64 SHA-256 hash")
    return int(first[4:]), proof, note


def request_body(old: int, proof: list[bytes], note: str) -> bytes:
    """What a log sends a witness."""
    lines = [f"old {old}", *(base64.b64encode(p).decode() for p in proof)]
    return ("\n".join(lines) + "\n\n" + note).encode()
