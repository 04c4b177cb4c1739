"""Batch import: 100,000 licences validated, numbered, signed and stored in SQLite.

Baseline in the same run: bare signatures per second of the bureau keys' algorithm (Ed25519 in
libsodium, or SM2 in Tongsuo, as the signer uses) over the same payload size, on one core,
measured before and after the import (the mean is reported); for Ed25519 OpenSSL's rate is
printed beside it. The import signs in worker processes on every core while the main process
writes to the database.
Goal: >= 10,000 licences/s with Ed25519; with SM2, the ratio to bare SM2 signing is reported.
Run: .venv/bin/python bench/import_licences.py [COUNT] [ed25519|sm2]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from common import (
    NOW,
    PUBLIC_URL,
    bench_licence,
    rate,
    reference_licence,
    signer_and_trust_list,
)
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from certsvc.credential.algorithms import Algorithm
from certsvc.signer import private_keys
from certsvc.store.db import make_engine, migrate
from certsvc.workflow.issuance import Issuer


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    algorithm = Algorithm.named(sys.argv[2]) if len(sys.argv) > 2 else Algorithm.ED25519
    signer, _ = signer_and_trust_list(algorithm)
    base = reference_licence()
    licences = [bench_licence(base, i) for i in range(count)]
    engine = make_engine(f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}")
    migrate(engine)
    issuer = Issuer(engine, signer, PUBLIC_URL)
    key = private_keys.generate(algorithm)
    message = bytes(180)
    before = rate(lambda: key.sign(message))
    start = time.perf_counter()
    issuer.import_licences(licences, NOW)
    elapsed = time.perf_counter() - start
    signs = (before + rate(lambda: key.sign(message))) / 2  # this machine's speed drifts
    if algorithm is Algorithm.ED25519:
        openssl = Ed25519PrivateKey.generate()
        print(f"bare Ed25519 sign, OpenSSL:  {rate(lambda: openssl.sign(message)):10.0f} /s")
    print(f"bare {algorithm.label} sign:       {signs:10.0f} /s   (one core, the baseline)")
    print(f"import ({count} licences):  {count / elapsed:10.0f} licences/s "
          f"({elapsed:.1f} s; ratio to bare signing {count / elapsed / signs:.2f}; "
          f"goal >= 10,000/s with Ed25519)")


if __name__ == "__main__":
    main()
