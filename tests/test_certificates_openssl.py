"""Every certificate certsvc makes passes OpenSSL's strict verification (issue 24: no
Authority Key Identifier on bureau certificates, no Subject Key Identifier on the root, and
no nonRepudiation on signing certificates), for every mix of algorithms: an Ed25519 chain,
a 国密 chain (SM2 root and bureaus, verified with the GM/T 0009 default ID), and a mixed
one."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest

from certsvc.credential.algorithms import Algorithm
from certsvc.signer.keystore import KeyStore

pytestmark = [pytest.mark.no_database,
              pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")]
SM2_ID = "1234567812345678"  # GM/T 0009's default signer ID (certsvc.credential.sm2)
NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def openssl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["openssl", *args], capture_output=True, text=True, check=False)


@pytest.mark.parametrize(("root", "bureaus"), [
    (Algorithm.ED25519, Algorithm.ED25519),
    (Algorithm.SM2, Algorithm.SM2),
    (Algorithm.ED25519, Algorithm.SM2),
    (Algorithm.SM2, Algorithm.ED25519),
])
def test_openssl_verifies_every_certificate_strictly(tmp_path: Path, root: Algorithm,
                                                     bureaus: Algorithm) -> None:
    keys = KeyStore(tmp_path / "keys", b"passphrase")
    keys.init(NOW, bureaus, root_algorithm=root,
              bureau_algorithms={"33": bureaus, "32": bureaus})
    root_pem = keys.root_cert_path
    issuer_id = ["-vfyopt", f"distid:{SM2_ID}"] if root is Algorithm.SM2 else []
    certificates = sorted((tmp_path / "keys" / "bureaus").rglob("*.crt"))
    assert len(certificates) >= 2
    for certificate in [root_pem, *certificates[:4]]:
        checked = openssl("verify", "-x509_strict", *issuer_id, "-CAfile", str(root_pem),
                          str(certificate))
        assert checked.returncode == 0 and ": OK" in checked.stdout, checked.stderr
        text = openssl("x509", "-in", str(certificate), "-noout", "-text").stdout
        assert "Subject Key Identifier" in text and "Authority Key Identifier" in text
        if certificate != root_pem:
            assert "Digital Signature, Non Repudiation" in text
    # and a tampered one is refused: the check can fail
    tampered = tmp_path / "tampered.crt"
    pem = certificates[0].read_text()
    body = pem.splitlines()
    body[5] = body[5][:10] + ("A" if body[5][10] != "A" else "B") + body[5][11:]
    tampered.write_text("\n".join(body) + "\n")
    assert openssl("verify", "-x509_strict", *issuer_id, "-CAfile", str(root_pem),
                   str(tampered)).returncode != 0
