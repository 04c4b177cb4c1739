"""Offline verifications per second, as a ratio of bare Ed25519 verifications per second.

Same process, same run, in alternating rounds (see ``common.compare``): the bare baseline
verifies one Ed25519 signature over the token's Sig_structure with a ready public key, in
libsodium, as the verifier does; ours goes from the QR text to a verdict. OpenSSL's bare
verify (through cryptography) is printed beside it, to show why we took libsodium.
Goal: ratio >= 0.8.   Run: .venv/bin/python bench/verify.py
"""

from __future__ import annotations

from common import NOW, compare, reference_qr, signer_and_trust_list

from certsvc.credential.cose import decode_sign1
from certsvc.credential.verifier import VerdictCode, verify


def main() -> None:
    signer, trust_list = signer_and_trust_list()
    token, text = reference_qr(signer)
    envelope = decode_sign1(token)
    key = trust_list.key(envelope.kid)
    assert key is not None
    tbs, signature = envelope.to_be_signed, envelope.signature
    assert verify(text, trust_list, now=NOW).code is VerdictCode.STATUS_UNKNOWN

    bare, ours = compare(lambda: key.verifying_key.verify(signature, tbs),
                         lambda: verify(text, trust_list, now=NOW))
    openssl, _ = compare(lambda: key.public_key.verify(signature, tbs), lambda: None, rounds=5)
    print(f"bare Ed25519 verify, OpenSSL:   {openssl:10.0f} /s   (for comparison)")
    print(f"bare Ed25519 verify, libsodium: {bare:10.0f} /s   (the baseline)")
    print(f"certsvc verify (QR text):       {ours:10.0f} /s")
    print(f"ratio:                          {ours / bare:10.2f}   (goal >= 0.80)")
    print(f"work around the signature:      {1e6 / ours - 1e6 / bare:10.1f} µs "
          f"(the goal allows {0.25e6 / bare:.1f})")


if __name__ == "__main__":
    main()
