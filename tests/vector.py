"""The published test vector (docs/credential.md): a fixed Ed25519 key and the reference claims."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from certsvc.credential.cose import encode_sign1, protected_header, sig_structure
from certsvc.credential.payload import REFERENCE_CLAIMS_EXAMPLE, encode_payload
from certsvc.credential.qr_text import qr_text

SEED = bytes(range(32))  # test key only: its private half is public
DOC = Path(__file__).parent.parent / "docs" / "credential.md"


def vector() -> dict[str, str]:
    key = Ed25519PrivateKey.from_private_bytes(SEED)
    public = key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    kid = hashlib.sha256(public).digest()[:8]
    payload = encode_payload(REFERENCE_CLAIMS_EXAMPLE)
    protected = protected_header(kid)
    token = encode_sign1(protected, payload, key.sign(sig_structure(protected, payload)))
    return {
        "private_seed": SEED.hex(),
        "public_key": public.hex(),
        "kid": kid.hex(),
        "payload": payload.hex(),
        "token": token.hex(),
        "qr_text": qr_text("https://certsvc.example", token),
    }


def documented_vector() -> dict[str, str]:
    """The ``name: value`` lines of the test-vector block in docs/credential.md."""
    block = DOC.read_text("utf-8").split("<!-- test-vector -->")[1]
    return dict(re.findall(r"^(\w+): (\S+)$", block, re.MULTILINE))


if __name__ == "__main__":
    for name, value in vector().items():
        print(f"{name}: {value}")
