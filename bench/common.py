"""Shared set-up for the benchmarks: throw-away keys and the reference licence, signed."""

from __future__ import annotations

import datetime as dt
import json
import random
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from certsvc.credential.algorithms import Algorithm
from certsvc.credential.cose import decode_sign1
from certsvc.credential.payload import LicenceClaims, encode_payload
from certsvc.credential.qr_text import qr_text
from certsvc.credential.trust_list import TrustList, load_root_public_key
from certsvc.domain.bureaus import BUREAUS, NATIONAL_CODE
from certsvc.domain.licence import Licence
from certsvc.domain.licence_number import MAX_SERIAL, LicenceNumber
from certsvc.signer.keystore import KeyStore
from certsvc.signer.signer import Signer

# a bureau's series holds 99,999 licences of a product: a million span eleven provinces
PROVINCES = [b for b in BUREAUS if b.code != NATIONAL_CODE]
REGIONS = ("浙江杭州市西湖区", "浙江宁波市鄞州区", "江苏苏州市工业园区", "广东佛山市顺德区",
           "山东青岛市黄岛区", "河北唐山市丰南区", "四川成都市新都区", "湖北武汉市江夏区")
FIRMS = "华光明远恒通宏达金鼎永兴中天瑞丰鑫源鸿运东方正泰新亚远洋长城海天德力"
TRADES = ("电线电缆制造", "线缆", "电气", "电力器材", "特种电缆", "实业")
FORMS = ("有限公司", "股份有限公司", "有限责任公司")


def enterprise_name(i: int) -> str:
    """A varied, realistic holder name (region, a two-character 字号, trade, form), so that
    name searches meet the spread of a real register."""
    rng = random.Random(i)
    firm = "".join(rng.sample(FIRMS, 2))
    return rng.choice(REGIONS) + firm + rng.choice(TRADES) + rng.choice(FORMS)


def bench_licence(base: Licence, i: int) -> Licence:
    """The ``i``-th licence of a bench register: the reference licence's products, a varied
    holder name, numbered in the series of the ``i // 99,999``-th province."""
    bureau = PROVINCES[i // MAX_SERIAL]
    licence = replace(base, issuer=bureau, enterprise=replace(base.enterprise,
                                                              name=enterprise_name(i)))
    return licence.with_number(LicenceNumber(bureau.code, 6, 1, 1 + i % MAX_SERIAL))


REFERENCE = Path(__file__).parent.parent / "tests" / "data" / "reference-licence.json"
NOW = dt.datetime(2026, 3, 15, 2, tzinfo=dt.UTC)
PUBLIC_URL = "https://certsvc.example"


def reference_licence() -> Licence:
    return Licence.from_dict(json.loads(REFERENCE.read_text("utf-8")))


def signer_and_trust_list(algorithm: Algorithm = Algorithm.ED25519) -> tuple[Signer, TrustList]:
    """Throw-away keys, the root and every bureau of ``algorithm``."""
    keys = KeyStore(Path(tempfile.mkdtemp()) / "keys", b"bench")
    keys.init(NOW - dt.timedelta(days=1), algorithm)
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
