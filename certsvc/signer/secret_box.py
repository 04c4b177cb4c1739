"""Secrets the database must keep but must not keep in clear: the console's TOTP seeds.

Each is sealed with AES-256-GCM (``cryptography``'s AESGCM) under a data key that lives in
``keys/`` (``console/secret-box.json``, mode 0600), itself wrapped by a key derived from the
key passphrase with scrypt — the passphrase that protects the signing keys. A copy of the
database alone therefore gives no second factor away. Each sealed value is bound to what it
belongs to (associated data, e.g. ``totp:17``), so a value copied onto another account does
not open.

    box = secret_box(Path("keys"), passphrase)
    sealed = box.seal("JBSWY3DPEHPK3PXP", "totp:17")     # "v1:…", safe to store
    assert box.open(sealed, "totp:17") == "JBSWY3DPEHPK3PXP"
"""

from __future__ import annotations

import base64
import json
import os
from functools import lru_cache
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from certsvc.errors import CertsvcError

VERSION = "v1:"
WRAPPING = b"certsvc secret box data key"
SCRYPT = {"n": 2**15, "r": 8, "p": 1}  # RFC 7914's interactive parameters, ~32 MB


class SealedSecretInvalid(CertsvcError):
    """A sealed value that does not open: altered, moved to another account, or sealed
    under another data key."""

    type = "sealed-secret-invalid"
    title = "A stored secret does not open"
    status = 500


class SecretBox:
    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)

    def seal(self, plaintext: str, context: str) -> str:
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), context.encode())
        return VERSION + base64.urlsafe_b64encode(nonce + sealed).decode()

    def open(self, value: str, context: str) -> str:
        if not value.startswith(VERSION):
            raise SealedSecretInvalid("a stored secret is not sealed")
        try:
            raw = base64.urlsafe_b64decode(value[len(VERSION):])
            return self._aead.decrypt(raw[:12], raw[12:], context.encode()).decode()
        except (InvalidTag, ValueError) as error:
            raise SealedSecretInvalid("a stored secret does not open under this key "
                                      "passphrase and data key") from error


def is_sealed(value: str) -> bool:
    return value.startswith(VERSION)


def secret_box(keys_dir: Path, passphrase: bytes) -> SecretBox:
    """The box of this key directory, its data key made (once, never replaced) on first
    use."""
    path = keys_dir / "console" / "secret-box.json"
    if not path.exists():
        _create(path, passphrase)
    return SecretBox(_data_key(path.read_bytes(), passphrase))


@lru_cache(maxsize=8)
def _data_key(wrapped_file: bytes, passphrase: bytes) -> bytes:
    """Unwrapped once per process (scrypt is slow on purpose)."""
    entry = json.loads(wrapped_file)
    kek = Scrypt(salt=base64.b64decode(entry["salt"]), length=32, **SCRYPT).derive(passphrase)
    try:
        return AESGCM(kek).decrypt(base64.b64decode(entry["nonce"]),
                                   base64.b64decode(entry["wrapped"]), WRAPPING)
    except InvalidTag:
        raise SealedSecretInvalid("the secret box's data key does not open with this key "
                                  "passphrase") from None


def _create(path: Path, passphrase: bytes) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    salt, nonce, key = os.urandom(16), os.urandom(12), AESGCM.generate_key(bit_length=256)
    kek = Scrypt(salt=salt, length=32, **SCRYPT).derive(passphrase)
    entry = {"kdf": "scrypt", **SCRYPT, "salt": base64.b64encode(salt).decode(),
             "nonce": base64.b64encode(nonce).decode(),
             "wrapped": base64.b64encode(AESGCM(kek).encrypt(nonce, key, WRAPPING)).decode()}
    staging = path.with_name(f".secret-box.{os.getpid()}.tmp")
    fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(entry, handle)
    try:
        os.link(staging, path)  # whole or not at all, and never over another's
    except FileExistsError:
        pass  # another process made it first: theirs is the key
    finally:
        staging.unlink()
