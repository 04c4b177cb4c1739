"""X.509 certificates of certsvc keys, Ed25519 or SM2, read and written with asn1crypto.

``cryptography`` can neither sign with SM2 nor hand out an SM2 public key, so certificates
are built and read here as plain DER: the to-be-signed part is assembled with asn1crypto and
signed by the issuer's key, whatever its algorithm (Ed25519: RFC 8410; SM2: the key is
``id-ecPublicKey`` on ``sm2p256v1`` and the signature ``SM2-with-SM3`` over the DER
``SEQUENCE {r, s}``, GM/T 0015-2012, OIDs of GB/T 35276-2017). One code path for both, so an
Ed25519 root can certify an SM2 bureau key and the other way round.

    info = read_certificate(der)
    info.bureau_code, info.algorithm, info.public_key   # "33", Algorithm.SM2, b"\\x04…"
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Protocol

from asn1crypto import core, keys, x509

from certsvc.credential.algorithms import (
    OID_EC_PUBLIC_KEY,
    OID_ED25519,
    OID_SM2_CURVE,
    OID_SM2_WITH_SM3,
    Algorithm,
)
from certsvc.credential.sm2 import SM2VerifyingKey
from certsvc.errors import TrustListError


class CertificateSigner(Protocol):
    """An issuer's private key as certificates need it."""

    @property
    def algorithm(self) -> Algorithm: ...

    @property
    def public_raw(self) -> bytes: ...

    def certificate_signature(self, tbs: bytes) -> bytes: ...


@dataclass(frozen=True)
class Subject:
    organization: str
    common_name: str
    bureau_code: str | None = None  # serialNumber: which bureau a signing key belongs to


@dataclass(frozen=True)
class CertificateInfo:
    """What certsvc reads from a certificate (every field checked for form)."""

    der: bytes
    algorithm: Algorithm
    public_key: bytes  # Ed25519: 32 bytes; SM2: the 65-byte uncompressed point
    bureau_code: str | None
    not_before: dt.datetime
    not_after: dt.datetime
    tbs: bytes
    signature_algorithm: Algorithm
    signature: bytes  # as the certificate holds it (Ed25519 raw; SM2 DER)

    def signed_by(self, algorithm: Algorithm, public_key: bytes) -> bool:
        """Does the issuer's key (``algorithm``, raw ``public_key``) verify this certificate?"""
        if self.signature_algorithm is not algorithm:
            return False
        try:
            if algorithm is Algorithm.SM2:
                return SM2VerifyingKey(public_key).verify_der(self.signature, self.tbs)
            return algorithm.verifier(public_key).verify(self.signature, self.tbs)
        except ValueError:
            return False


def _spki(algorithm: Algorithm, public_key: bytes) -> keys.PublicKeyInfo:
    if algorithm is Algorithm.ED25519:
        identifier = keys.PublicKeyAlgorithm({"algorithm": OID_ED25519})
    else:
        identifier = keys.PublicKeyAlgorithm({
            "algorithm": OID_EC_PUBLIC_KEY,
            "parameters": keys.ECDomainParameters(name="named", value=OID_SM2_CURVE),
        })
    return keys.PublicKeyInfo({"algorithm": identifier, "public_key": public_key})


def _signature_algorithm(algorithm: Algorithm) -> dict[str, str]:
    return {"algorithm": OID_ED25519 if algorithm is Algorithm.ED25519 else OID_SM2_WITH_SM3}


def _name(subject: Subject) -> x509.Name:
    attributes = {"country_name": "CN", "organization_name": subject.organization}
    if subject.bureau_code is not None:
        attributes["serial_number"] = subject.bureau_code
    attributes["common_name"] = subject.common_name
    return x509.Name.build(attributes, use_printable=False)


def key_identifier(public_key: bytes) -> bytes:
    """RFC 5280 4.2.1.2 method (1): the SHA-1 of the subjectPublicKey BIT STRING's value (an
    identifier, not a security function: any 160 bits unique per key would do)."""
    return hashlib.sha1(public_key, usedforsecurity=False).digest()


def build_certificate(
    *,
    subject: Subject,
    issuer: Subject,
    algorithm: Algorithm,
    public_key: bytes,
    serial: int,
    not_before: dt.datetime,
    not_after: dt.datetime,
    ca: bool,
    signer: CertificateSigner,
) -> bytes:
    """A DER certificate: a CA (certificate signing) or a signing key (digital signature
    and non-repudiation: what it signs, a licence or a sealed document, is a bureau's
    decision it cannot disown). Both carry their Subject Key Identifier and their issuer's
    Authority Key Identifier, as RFC 5280 (4.2.1.1, 4.2.1.2) and GM/T 0015 ask and
    ``openssl verify -x509_strict`` insists."""
    usage = {"key_cert_sign", "crl_sign"} if ca else {"digital_signature", "non_repudiation"}
    extensions = [
        {"extn_id": "basic_constraints", "critical": True,
         "extn_value": {"ca": ca, "path_len_constraint": 0 if ca else None}},
        {"extn_id": "key_usage", "critical": True, "extn_value": usage},
        {"extn_id": "key_identifier", "critical": False,
         "extn_value": key_identifier(public_key)},
        {"extn_id": "authority_key_identifier", "critical": False,
         "extn_value": {"key_identifier": key_identifier(signer.public_raw)}},
    ]
    tbs = x509.TbsCertificate({
        "version": "v3",
        "serial_number": serial,
        "signature": _signature_algorithm(signer.algorithm),
        "issuer": _name(issuer),
        "validity": {"not_before": x509.Time(name="utc_time", value=not_before),
                     "not_after": x509.Time(name="utc_time", value=not_after)},
        "subject": _name(subject),
        "subject_public_key_info": _spki(algorithm, public_key),
        "extensions": extensions,
    })
    tbs_der = tbs.dump()
    return bytes(x509.Certificate({
        "tbs_certificate": tbs,
        "signature_algorithm": _signature_algorithm(signer.algorithm),
        "signature_value": signer.certificate_signature(tbs_der),
    }).dump())


def read_certificate(der: bytes) -> CertificateInfo:
    """Parse a certificate of a certsvc key; TrustListError on anything else."""
    try:
        cert = x509.Certificate.load(bytes(der), strict=True)
        tbs = cert["tbs_certificate"]
        algorithm, public_key = _public_key(tbs["subject_public_key_info"])
        signature_algorithm = _algorithm_of_signature(cert["signature_algorithm"]["algorithm"])
        subject = tbs["subject"].native
        bureau = subject.get("serial_number")
        validity = tbs["validity"]
        return CertificateInfo(
            der=bytes(der), algorithm=algorithm, public_key=public_key,
            bureau_code=str(bureau) if bureau is not None else None,
            not_before=validity["not_before"].native.astimezone(dt.UTC),
            not_after=validity["not_after"].native.astimezone(dt.UTC),
            tbs=tbs.dump(), signature_algorithm=signature_algorithm,
            signature=bytes(cert["signature_value"].native),
        )
    except TrustListError:
        raise
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise TrustListError(f"unreadable certificate: {exc}") from None


def read_public_key_info(der: bytes) -> tuple[Algorithm, bytes]:
    """A DER SubjectPublicKeyInfo (a PEM ``PUBLIC KEY``) as its algorithm and raw key."""
    try:
        return _public_key(keys.PublicKeyInfo.load(bytes(der), strict=True))
    except TrustListError:
        raise
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise TrustListError(f"unreadable public key: {exc}") from None


def _public_key(spki: keys.PublicKeyInfo) -> tuple[Algorithm, bytes]:
    identifier = spki["algorithm"]["algorithm"].dotted
    raw = bytes(spki["public_key"].cast(core.OctetBitString).native)
    if identifier == OID_ED25519 and len(raw) == 32:
        return Algorithm.ED25519, raw
    if identifier == OID_EC_PUBLIC_KEY:
        curve = spki["algorithm"]["parameters"]
        if curve.name == "named" and curve.chosen.dotted == OID_SM2_CURVE and len(raw) == 65:
            return Algorithm.SM2, raw
    raise TrustListError("certificate key is neither Ed25519 nor SM2")


def _algorithm_of_signature(identifier: core.ObjectIdentifier) -> Algorithm:
    dotted = identifier.dotted
    if dotted == OID_ED25519:
        return Algorithm.ED25519
    if dotted == OID_SM2_WITH_SM3:
        return Algorithm.SM2
    raise TrustListError("certificate is signed with neither Ed25519 nor SM2-with-SM3")
