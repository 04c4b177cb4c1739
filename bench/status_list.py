"""Status-list size: 1,000,000 licences with 1% revoked, signed, against an X.509 CRL.

Both are built for real in the same run: our signed status list (2 bits per entry among
2**21 random indices, bzip2) and an X.509 CRL of the same 10,000 revocations signed with
Ed25519 by ``cryptography``, raw and gzipped. Also a signed delta of 100 changes.
Goal: <= 16 KB.   Run: .venv/bin/python bench/status_list.py
"""

from __future__ import annotations

import datetime as dt
import gzip
import random

from common import NOW, signer_and_trust_list
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.x509.oid import NameOID

from certsvc.credential.status_list import (
    SIZE,
    StatusList,
    apply_delta,
    encode_delta_payload,
    encode_status_list_payload,
)

LICENCES = 1_000_000
REVOKED = LICENCES // 100


def main() -> None:
    signer, trust_list = signer_and_trust_list()
    rng = random.Random(2026)
    indices = rng.sample(range(SIZE), LICENCES)
    revoked = indices[:REVOKED]
    payload = encode_status_list_payload(NOW, 1, SIZE, dict.fromkeys(revoked, 2))
    signed = signer.sign_status_list(payload, NOW)
    status_list = StatusList.load(signed, trust_list)
    assert sum(status_list.status_at(i) is not None for i in revoked[:100]) == 100

    changes = dict.fromkeys(indices[REVOKED:REVOKED + 100], 1)
    delta = signer.sign_status_list(encode_delta_payload(NOW, 1, 2, changes), NOW)
    assert apply_delta(status_list, delta, trust_list).version == 2

    crl = _crl(revoked)
    print(f"status list, {LICENCES:,} licences, {REVOKED:,} revoked: {len(signed):8,} bytes "
          f"({len(signed) / 1024:.1f} KB; goal <= 16 KB)")
    print(f"X.509 CRL of the same revocations:            {len(crl):8,} bytes "
          f"({len(crl) / 1024:.0f} KB), gzipped {len(gzip.compress(crl, 9)) / 1024:.0f} KB")
    print(f"signed delta of 100 changes:                  {len(delta):8,} bytes")


def _crl(revoked: list[int]) -> bytes:
    """Serial numbers are random 128-bit values, as CAs issue them (RFC 5280 allows 20 bytes)."""
    rng = random.Random(len(revoked))
    serials = [rng.getrandbits(127) | 1 << 126 for _ in revoked]
    key = Ed25519PrivateKey.generate()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "certsvc bench CA")])
    builder = (x509.CertificateRevocationListBuilder().issuer_name(name)
               .last_update(NOW).next_update(NOW + dt.timedelta(days=1)))
    for serial in serials:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial)
            .revocation_date(NOW).build())
    return builder.sign(key, None).public_bytes(serialization.Encoding.DER)


if __name__ == "__main__":
    main()
