"""C2SP signed notes and checkpoints (c2sp.org/signed-note, c2sp.org/tlog-checkpoint), the
wire formats of the transparency log's signed tree heads and of witnesses' cosignatures.

A signed note is UTF-8 text ending in a newline, a blank line, then signature lines
``— <key name> <base64(key id ‖ signature)>``; the key id is the first 4 bytes of
SHA-256(key name ‖ 0x0A ‖ signature type ‖ public key), type 0x01 for Ed25519. A verifier
key travels as ``<name>+<hex key id>+<base64(type ‖ public key)>``. Byte for byte what Go's
``golang.org/x/mod/sumdb/note`` writes and reads (its published vector is a test here).
Signing takes a callable, so the private key stays in the signer.

A checkpoint is a note whose text is the log's origin, the tree size in decimal and the
root hash in base64, each on its own line, then optional extension lines.

    note = sign_note(text, "example.com/log", public_key, key.sign)
    text, signers = open_note(note, {verifier.id: verifier})
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from certsvc.credential.ed25519 import VerifyingKey

ED25519 = 0x01
SIGNATURE_PREFIX = "— "  # U+2014 EM DASH, then a space
MAX_SIGNATURES = 100  # as Go's note.Open
MAX_NOTE_BYTES = 1 << 20
_NAME = re.compile(r"[^\s+]+")  # non-empty, no Unicode space, no plus
_SIZE = re.compile(r"0|[1-9][0-9]{0,19}")


class NoteError(ValueError):
    """A note, key or checkpoint that is malformed or does not verify."""


def key_id(name: str, public_key: bytes, signature_type: int = ED25519) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes((signature_type,)) +
                          public_key).digest()[:4]


@dataclass(frozen=True)
class NoteVerifier:
    """A trusted Ed25519 key of a log or witness, by name."""

    name: str
    public_key: bytes

    @property
    def id(self) -> tuple[str, bytes]:
        return self.name, key_id(self.name, self.public_key)

    def __str__(self) -> str:
        return format_vkey(self.name, self.public_key, ED25519)

    @classmethod
    def parse(cls, vkey: str) -> NoteVerifier:
        """``name+hexid+base64``; NoteError on anything else, a wrong id included."""
        return cls(*parse_vkey(vkey, ED25519))


def parse_vkey(vkey: str, signature_type: int) -> tuple[str, bytes]:
    """The name and Ed25519 key of a verifier key of this signature type (0x01 a note
    signer, 0x04 a cosigner); NoteError on anything else, a wrong key id included."""
    name, _, rest = vkey.partition("+")
    hex_id, _, material = rest.partition("+")
    try:
        raw = base64.b64decode(material, validate=True)
        wanted = bytes.fromhex(hex_id)
    except (binascii.Error, ValueError):
        raise NoteError("a verifier key is name+hex key id+base64 key") from None
    if (not _NAME.fullmatch(name) or len(hex_id) != 8 or len(raw) != 33
            or raw[0] != signature_type):
        raise NoteError(f"a verifier key is name+hex key id+base64(0x{signature_type:02x} ‖ "
                        "Ed25519 key)")
    if key_id(name, raw[1:], signature_type) != wanted:
        raise NoteError("the verifier key's id does not match its name and key")
    return name, raw[1:]


def format_vkey(name: str, public_key: bytes, signature_type: int) -> str:
    return (f"{name}+{key_id(name, public_key, signature_type).hex()}+"
            f"{base64.b64encode(bytes((signature_type,)) + public_key).decode()}")


def check_key_name(name: str) -> None:
    """A key name is non-empty, with no spaces and no plus sign (NoteError if not)."""
    if not _NAME.fullmatch(name):
        raise NoteError("a key name is not empty and has no spaces and no plus sign")


def _check_text(text: str) -> None:
    if not text.endswith("\n") or "\n\n" in text:
        raise NoteError("a note's text ends in one newline and has no blank line")
    if any(ord(c) < 0x20 and c != "\n" for c in text):
        raise NoteError("a note has no control characters but newlines")


def sign_note(text: str, name: str, public_key: bytes, sign: Callable[[bytes], bytes]) -> str:
    """The note of ``text`` with one signature by the Ed25519 key ``name``: ``sign`` signs
    with its private half (held by the signer), ``public_key`` names it."""
    _check_text(text)
    if not _NAME.fullmatch(name):
        raise NoteError("a key name has no spaces and no plus")
    signature = sign(text.encode())
    return text + "\n" + signature_line(name, key_id(name, public_key), signature)


def signature_line(name: str, identifier: bytes, signature: bytes) -> str:
    return f"{SIGNATURE_PREFIX}{name} {base64.b64encode(identifier + signature).decode()}\n"


@dataclass(frozen=True)
class NoteSignature:
    name: str
    key_id: bytes
    signature: bytes


def parse_note(note: str | bytes) -> tuple[str, list[NoteSignature]]:
    """The text and signature lines of a note, checked for form only."""
    if isinstance(note, bytes):
        if len(note) > MAX_NOTE_BYTES:
            raise NoteError("the note is too long")
        try:
            note = note.decode("utf-8")
        except UnicodeDecodeError:
            raise NoteError("a note is UTF-8") from None
    if len(note) > MAX_NOTE_BYTES:
        raise NoteError("the note is too long")
    if any(ord(c) < 0x20 and c != "\n" for c in note):
        raise NoteError("a note has no control characters but newlines")
    split = note.rfind("\n\n")
    if split < 0 or not note.endswith("\n"):
        raise NoteError("a note is text, a blank line and signature lines")
    text, lines = note[:split + 1], note[split + 2:].splitlines()
    if not lines or len(lines) > MAX_SIGNATURES:
        raise NoteError(f"a note has 1 to {MAX_SIGNATURES} signature lines")
    signatures = []
    for line in lines:
        name, _, blob = line.removeprefix(SIGNATURE_PREFIX).partition(" ")
        try:
            raw = base64.b64decode(blob, validate=True)
        except binascii.Error:
            raw = b""
        if not line.startswith(SIGNATURE_PREFIX) or not _NAME.fullmatch(name) or len(raw) < 5:
            raise NoteError("a signature line is '— <name> <base64(key id ‖ signature)>'")
        signatures.append(NoteSignature(name, raw[:4], raw[4:]))
    return text, signatures


def open_note(note: str | bytes, verifiers: Mapping[tuple[str, bytes], NoteVerifier]
              ) -> tuple[str, list[NoteVerifier]]:
    """The text of a note and the known keys that signed it. Lines of unknown keys are
    ignored; a known key's bad signature rejects the note; no known signature rejects it."""
    text, signatures = parse_note(note)
    signed = []
    for signature in signatures:
        verifier = verifiers.get((signature.name, signature.key_id))
        if verifier is None or verifier in signed:
            continue
        if not VerifyingKey(verifier.public_key).verify(signature.signature, text.encode()):
            raise NoteError(f"{signature.name}'s signature does not verify")
        signed.append(verifier)
    if not signed:
        raise NoteError("the note is signed by no key this verifier knows")
    return text, signed


@dataclass(frozen=True)
class Checkpoint:
    """A log's signed tree head (c2sp.org/tlog-checkpoint)."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def text(self) -> str:
        lines = [self.origin, str(self.size), base64.b64encode(self.root_hash).decode(),
                 *self.extensions]
        return "".join(f"{line}\n" for line in lines)

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        lines = text.split("\n")
        if len(lines) < 4 or lines[-1] != "":
            raise NoteError("a checkpoint is origin, size and root hash, one a line")
        origin, size, root_hash, *extensions = lines[:-1]
        try:
            raw = base64.b64decode(root_hash, validate=True)
        except binascii.Error:
            raw = b""
        if not origin or not _SIZE.fullmatch(size) or len(raw) != 32 or "" in extensions:
            raise NoteError("a checkpoint is origin, decimal size and a base64 SHA-256 root")
        return cls(origin, int(size), raw, tuple(extensions))
