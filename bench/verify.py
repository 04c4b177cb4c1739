"""Offline verifications per second, as a ratio of bare signature verifications per second.

Same process, same run, in alternating rounds (see ``common.compare``), once per algorithm:
the bare baseline verifies one signature over the token's Sig_structure with a ready public
key, in the library the verifier uses (libsodium for Ed25519, Tongsuo for SM2); ours goes from
the QR text to a verdict. OpenSSL's bare Ed25519 verify (through cryptography) is printed
beside it, to show why we took libsodium.
Goal: ratio >= 0.8 for each algorithm.   Run: .venv/bin/python bench/verify.py
"""

from __future__ import annotations

from common import NOW, compare, reference_qr, signer_and_trust_list
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from certsvc.credential.algorithms import Algorithm
from certsvc.credential.cose import decode_sign1
from certsvc.credential.verifier import VerdictCode, verify


def measure(algorithm: Algorithm) -> None:
    signer, trust_list = signer_and_trust_list(algorithm)
    token, text = reference_qr(signer)
    envelope = decode_sign1(token)
    key = trust_list.key(envelope.kid)
    assert key is not None and key.algorithm is algorithm
    tbs, signature = envelope.to_be_signed, envelope.signature
    assert verify(text, trust_list, now=NOW).code is VerdictCode.STATUS_UNKNOWN

    bare, ours = compare(lambda: key.verifying_key.verify(signature, tbs),
                         lambda: verify(text, trust_list, now=NOW))
    name = algorithm.label
    if algorithm is Algorithm.ED25519:
        openssl_key = Ed25519PublicKey.from_public_bytes(key.public_key)
        openssl, _ = compare(lambda: openssl_key.verify(signature, tbs), lambda: None, rounds=5)
        print(f"bare {name} verify, OpenSSL:   {openssl:10.0f} /s   (for comparison)")
    library = "libsodium" if algorithm is Algorithm.ED25519 else "Tongsuo"
    print(f"bare {name} verify, {library}: {bare:10.0f} /s   (the baseline)")
    print(f"certsvc verify (QR text, {name}): {ours:10.0f} /s")
    print(f"ratio:                          {ours / bare:10.2f}   (goal >= 0.80)")
    print(f"work around the signature:      {1e6 / ours - 1e6 / bare:10.1f} µs "
          f"(the goal allows {0.25e6 / bare:.1f})")


def main() -> None:
    for algorithm in Algorithm:
        measure(algorithm)


if __name__ == "__main__":
    main()
