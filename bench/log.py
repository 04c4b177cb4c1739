"""The transparency log at national scale: 1,000,000 events appended to SQLite, proofs served.

Measures, in one run:
- appending: events/s through ``certsvc.store.log.append`` (entry encoding, the leaf hash,
  the stored subtree hashes, the rows) in batches of 10,000 a transaction, against bare
  SHA-256 of the same entries (the hashing floor) in the same process;
- the proof size at that many leaves (RFC 9162's floor is ceil(log2 n) hashes: 20, 640 B);
- inclusion proofs served per second by the public site's JSON endpoint (WSGI, in process),
  against the same site's ``/healthz`` (the cost of a request that touches nothing);
- the import of 100,000 licences with logging on, against the same import with the append
  to the log taken out (goal: ratio >= 0.8).
Run: .venv/bin/python bench/log.py [EVENTS] [IMPORT]
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import sys
import tempfile
import time
from pathlib import Path

from common import NOW, PUBLIC_URL, bench_licence, reference_licence, signer_and_trust_list

from certsvc.publish.log import publish_log
from certsvc.store import feed, log
from certsvc.store.db import make_engine, migrate
from certsvc.transparency.entries import encode_entry
from certsvc.transparency.stored import prove_inclusion
from certsvc.workflow.issuance import Issuer

BATCH = 10_000


def events(start: int, count: int) -> list[tuple[str, str, str, dict[str, str]]]:
    return [("licence.issued", "91330000000000000X", f"licence:浙XK06-001-{n:07d}",
             {"number": f"浙XK06-001-{n:07d}", "bureau": "33",
              "token_sha256": hashlib.sha256(n.to_bytes(8, "big")).hexdigest()})
            for n in range(start, start + count)]


def append(count: int) -> None:
    directory = Path(tempfile.mkdtemp())
    engine = make_engine(f"sqlite:///{directory / 'log.db'}")
    migrate(engine)
    at = dt.datetime(2026, 11, 29, tzinfo=dt.UTC)
    sample = events(0, BATCH)
    start = time.perf_counter()
    for _ in range(3):
        for kind, uscc, subject, data in sample:
            hashlib.sha256(b"\0" + encode_entry(kind, at, uscc, subject, data)).digest()
    bare = 3 * BATCH / (time.perf_counter() - start)
    start = time.perf_counter()
    for first in range(0, count, BATCH):
        with engine.begin() as conn:
            log.append(conn, events(first, min(BATCH, count - first)), at)
    elapsed = time.perf_counter() - start
    hashing_only = 0.0
    for _ in range(3):
        t = time.perf_counter()
        for e in events(0, BATCH):
            hashlib.sha256(b"\0" + encode_entry(e[0], at, *e[1:])).digest()
        hashing_only = max(hashing_only, BATCH / (time.perf_counter() - t))
    bare = (bare + hashing_only) / 2
    print(f"bare SHA-256 of the entries (encoded + hashed): {bare:10.0f} /s (the baseline)")
    print(f"append {count} events:                   {count / elapsed:10.0f} /s "
          f"({elapsed:.1f} s; ratio {count / elapsed / bare:.2f})")
    with engine.connect() as conn:
        proof = prove_inclusion(count, count // 3, log.hash_reader(conn))
    print(f"inclusion proof at {count} leaves:       {len(proof)} hashes, "
          f"{32 * len(proof)} bytes")
    serve_proofs(engine, directory, count)


def serve_proofs(engine: object, directory: Path, count: int) -> None:
    from public_site import create_app

    signer, _ = signer_and_trust_list()
    start = time.perf_counter()
    published = publish_log(engine, signer, directory / "published", NOW)  # type: ignore[arg-type]
    print(f"first publish ({published.tiles_written} tiles and bundles): "
          f"{time.perf_counter() - start:.1f} s")
    app = create_app({"DATABASE_URL": str(engine.url),  # type: ignore[attr-defined]
                      "PUBLISH_DIR": str(directory / "published"),
                      "ROOT_CERTIFICATE": str(signer.keystore.root_cert_path),
                      "PUBLIC_URL": PUBLIC_URL, "PUBLIC_API_RATE_LIMIT": "10000000 per minute"})
    client = app.test_client()
    draw = random.Random(1)

    def proof() -> None:
        response = client.get(f"/api/v1/log/proof/inclusion?index={draw.randrange(count)}")
        assert response.status_code == 200

    def healthz() -> None:
        assert client.get("/healthz").status_code == 200

    rounds = 5
    best_proof = best_health = 0.0
    for _ in range(rounds):
        for action, best in ((proof, "p"), (healthz, "h")):
            n, t = 0, time.perf_counter()
            while time.perf_counter() - t < 0.5:
                action()
                n += 1
            value = n / (time.perf_counter() - t)
            if best == "p":
                best_proof = max(best_proof, value)
            else:
                best_health = max(best_health, value)
    print(f"GET /healthz (the baseline):             {best_health:10.0f} /s")
    print(f"inclusion proofs served (one thread):   {best_proof:10.0f} /s "
          f"(ratio {best_proof / best_health:.2f})")


def import_with_and_without(count: int) -> None:
    signer, _ = signer_and_trust_list()
    base = reference_licence()
    licences = [bench_licence(base, i) for i in range(count)]

    def run(logging: bool) -> float:
        engine = make_engine(f"sqlite:///{Path(tempfile.mkdtemp()) / 'import.db'}")
        migrate(engine)
        issuer = Issuer(engine, signer, PUBLIC_URL)
        original = feed.log.append
        if not logging:
            feed.log.append = lambda conn, events, now: 0  # type: ignore[assignment]
        try:
            start = time.perf_counter()
            issuer.import_licences(licences, NOW)
            return count / (time.perf_counter() - start)
        finally:
            feed.log.append = original  # type: ignore[method-assign]

    without = [run(False)]
    with_log = [run(True)]
    without.append(run(False))
    with_log.append(run(True))
    off, on = max(without), max(with_log)
    print(f"import {count}, log taken out:        {off:10.0f} licences/s (the baseline)")
    print(f"import {count}, every issuance logged: {on:10.0f} licences/s "
          f"(ratio {on / off:.2f}; goal >= 0.8)")


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    imported = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    append(count)
    import_with_and_without(imported)


if __name__ == "__main__":
    main()
