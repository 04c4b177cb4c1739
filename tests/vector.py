"""The published test vectors (docs/credential.md): a fixed Ed25519 key and the reference
claims; and the same claims under SM2, with the private key of GB/T 32918.5's example.

SM2 signatures are randomised, so the SM2 vector cannot be recomputed byte for byte: its token
was made once by :func:`sm2_vector` and is checked by verification instead."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from certsvc.credential.cose import ALG_SM2, encode_sign1, protected_header, sig_structure
from certsvc.credential.payload import REFERENCE_CLAIMS_EXAMPLE, encode_payload
from certsvc.credential.qr_text import qr_text

SEED = bytes(range(32))  # test key only: its private half is public
# GB/T 32918.5-2017 Annex A's private key: public, so a test key only
SM2_PRIVATE = 0x3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8
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


def sm2_vector() -> dict[str, str]:
    """A fresh SM2 vector (a new signature each time): what docs/credential.md holds one of."""
    from certsvc.signer.private_keys import SM2Key

    key = SM2Key.from_private_value(SM2_PRIVATE)
    kid = hashlib.sha256(key.public_raw).digest()[:8]
    payload = encode_payload(REFERENCE_CLAIMS_EXAMPLE)
    protected = protected_header(kid, ALG_SM2)
    token = encode_sign1(protected, payload, key.sign(sig_structure(protected, payload)))
    return {
        "sm2_private_key": f"{SM2_PRIVATE:064x}",
        "sm2_public_key": key.public_raw.hex(),
        "kid": kid.hex(),
        "payload": payload.hex(),
        "token": token.hex(),
        "qr_text": qr_text("https://certsvc.example", token),
    }


def documented_vector(marker: str = "test-vector") -> dict[str, str]:
    """The ``name: value`` lines of a test-vector block in docs/credential.md."""
    block = DOC.read_text("utf-8").split(f"<!-- {marker} -->")[1]
    return dict(re.findall(r"^(\w+): (\S+)$", block, re.MULTILINE))


if __name__ == "__main__":
    import sys

    for name, value in (sm2_vector() if sys.argv[1:] == ["sm2"] else vector()).items():
        print(f"{name}: {value}")
