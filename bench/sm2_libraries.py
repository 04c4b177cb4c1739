"""Which SM2 library: sign and verify rates of the C-backed candidates, in one run.

Measured on the same message (a 300-byte Sig_structure-sized input) with GM/T 0009's default
user ID; each library's signature is checked by the others first, so the rates compare the
same operation. The candidates are not dependencies: install them to re-run
(``.venv/bin/pip install gmalglib gmssl-fast``); tongsuopy is the one certsvc uses.
Run: .venv/bin/python bench/sm2_libraries.py
"""

from __future__ import annotations

import os

from common import rate

from certsvc.credential.sm2 import SM2VerifyingKey
from certsvc.signer.private_keys import SM2Key


def main() -> None:
    message = os.urandom(300)
    ours = SM2Key.generate()
    verifier = SM2VerifyingKey(ours.public_raw)
    signature = ours.sign(message)
    rows = [("tongsuopy (Tongsuo)", rate(lambda: ours.sign(message)),
             rate(lambda: verifier.verify(signature, message)))]
    try:
        from gmalglib.sm2 import SM2 as GmalgSM2

        signer, checker = GmalgSM2(sk=ours.secret_scalar()), GmalgSM2(pk=ours.public_raw)
        assert checker.verify(message, signature) and verifier.verify(signer.sign(message),
                                                                      message)
        rows.append(("gmalglib", rate(lambda: signer.sign(message)),
                     rate(lambda: checker.verify(message, signature))))
    except ImportError:
        print("gmalglib not installed: skipped")
    try:
        import gmssl_fast

        fast = gmssl_fast.SM2(private_key=ours.secret_scalar().hex(),
                              public_key=ours.public_raw.hex())
        assert fast.verify(message, signature) and verifier.verify(fast.sign(message), message)
        rows.append(("gmssl-fast (GmSSL)", rate(lambda: fast.sign(message)),
                     rate(lambda: fast.verify(message, signature))))
    except ImportError:
        print("gmssl-fast not installed: skipped")
    print(f"{'library':22} {'sign/s':>10} {'verify/s':>10}")
    for name, signs, verifies in rows:
        print(f"{name:22} {signs:10.0f} {verifies:10.0f}")


if __name__ == "__main__":
    main()
