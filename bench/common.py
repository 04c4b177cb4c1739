"""Shared set-up for the benchmarks: throw-away keys and the reference licence, signed."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from certsvc.credential.cose import decode_sign1
from certsvc.credential.payload import LicenceClaims, encode_payload
from certsvc.credential.qr_text import qr_text
from certsvc.credential.trust_list import TrustList, load_root_public_key
from certsvc.domain.licence import Licence
from certsvc.signer.keystore import KeyStore
from certsvc.signer.signer import Signer

REFERENCE = Path(__file__).parent.parent / "tests" / "data" / "reference-licence.json"
NOW = dt.datetime(2026, 3, 15, 2, tzinfo=dt.UTC)
PUBLIC_URL = "https://certsvc.example"


def reference_licence() -> Licence:
    return Licence.from_dict(json.loads(REFERENCE.read_text("utf-8")))


def signer_and_trust_list() -> tuple[Signer, TrustList]:
    keys = KeyStore(Path(tempfile.mkdtemp()) / "keys", b"bench")
    keys.init(NOW - dt.timedelta(days=1))
    signer = Signer(keys)
    root = load_root_public_key(keys.root_certificate_pem())
    return signer, TrustList.load(signer.trust_list(NOW), root)


def reference_qr(signer: Signer) -> tuple[bytes, str]:
    licence = reference_licence()
    assert licence.number is not None
    kid = signer.licence_key(licence.number.bureau_code, NOW)
    claims = LicenceClaims.of(licence.number, licence.enterprise.name, licence.enterprise.uscc,
                           tuple(u.id for u in licence.scope), licence.issued,
                           licence.valid_until, NOW, 1_234_567)
    token = signer.sign_licence(kid, encode_payload(claims))
    decode_sign1(token)
    return token, qr_text(PUBLIC_URL, token)


def rate(action: Callable[[], object], seconds: float = 2.0, rounds: int = 3) -> float:
    """Calls per second over about ``seconds``, best of ``rounds`` rounds."""
    best = 0.0
    for _ in range(rounds):
        count, start = 0, time.perf_counter()
        deadline = start + seconds / rounds
        while True:
            for _ in range(50):
                action()
            count += 50
            now = time.perf_counter()
            if now >= deadline:
                break
        best = max(best, count / (now - start))
    return best


def compare(baseline: Callable[[], object], ours: Callable[[], object],
            rounds: int = 20) -> tuple[float, float]:
    """Best rates of two actions measured in alternating short rounds.

    The machines are shared and their speed drifts by a factor of two within a minute;
    alternating 0.2 s rounds exposes both actions to the same drift, so their ratio is fair.
    """
    best_baseline = best_ours = 0.0
    for _ in range(rounds):
        best_baseline = max(best_baseline, rate(baseline, 0.2, 1))
        best_ours = max(best_ours, rate(ours, 0.2, 1))
    return best_baseline, best_ours
