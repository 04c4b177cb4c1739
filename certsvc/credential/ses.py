"""The electronic seal and seal signature of GB/T 38540-2020 (安全电子签章密码技术规范, v4).

An OFD licence is sealed with an ``SES_Signature``: the bureau's electronic seal
(``SESeal``: its picture, name, validity and the bureau's certificate, signed by the seal's
maker), the SM3 hash of the signed data (the OFD's ``Signature.xml``, whose references hold
the SM3 of every file of the document), the time, all signed with SM2/SM3 by the bureau's
key. The standard's text was not reachable; the structures are those of public
implementations (ofdrw's ``org.ofdrw.gm.ses.v4``), which agree with one another:

    SES_Signature ::= SEQUENCE { toSign TBS_Sign, cert OCTET STRING,
                                 signatureAlgID OBJECT IDENTIFIER, signature BIT STRING,
                                 timeStamp [0] EXPLICIT BIT STRING OPTIONAL }
    TBS_Sign ::= SEQUENCE { version INTEGER (4), eseal SESeal, timeInfo GeneralizedTime,
                            dataHash BIT STRING, propertyInfo IA5String, … }
    SESeal ::= SEQUENCE { esealInfo SES_SealInfo, cert OCTET STRING,
                          signAlgID OBJECT IDENTIFIER, signedValue BIT STRING }
    SES_SealInfo ::= SEQUENCE { header SES_Header, esID IA5String,
                                property SES_ESPropertyInfo, picture SES_ESPictrueInfo }

Signatures are the DER ``SEQUENCE {r, s}`` of SM2 with SM3 and the default user ID.
Building takes the two signing steps as callables, so the private key stays in the signer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from asn1crypto import core

from certsvc.credential.algorithms import OID_SM2_WITH_SM3, Algorithm
from certsvc.credential.certificates import read_certificate
from certsvc.credential.sm2 import SM2VerifyingKey, sm3
from certsvc.errors import MalformedToken, TrustListError

VERSION = 4
SEAL_MM = 40  # the seal's width and height on the page
VENDOR_ID = "certsvc"
SEAL_TYPE_ORGANISATION = 1  # 单位印章
CERT_LIST_CERTIFICATES = 1  # the certificate list holds certificates, not their digests


class SESHeader(core.Sequence):  # type: ignore[misc]
    _fields: ClassVar[list[Any]] = [("id", core.IA5String), ("version", core.Integer),
                                    ("vid", core.IA5String)]


class CertInfoList(core.SequenceOf):  # type: ignore[misc]
    _child_spec = core.OctetString


class SESPropertyInfo(core.Sequence):  # type: ignore[misc]
    _fields: ClassVar[list[Any]] = [("type", core.Integer), ("name", core.UTF8String),
               ("cert_list_type", core.Integer), ("cert_list", CertInfoList),
               ("create_date", core.GeneralizedTime), ("valid_start", core.GeneralizedTime),
               ("valid_end", core.GeneralizedTime)]


class SESPictureInfo(core.Sequence):  # type: ignore[misc]
    _fields: ClassVar[list[Any]] = [("type", core.IA5String), ("data", core.OctetString),
               ("width", core.Integer), ("height", core.Integer)]


class SESSealInfo(core.Sequence):  # type: ignore[misc]
    _fields: ClassVar[list[Any]] = [("header", SESHeader), ("es_id", core.IA5String),
               ("property", SESPropertyInfo), ("picture", SESPictureInfo)]


class SESeal(core.Sequence):  # type: ignore[misc]
    _fields: ClassVar[list[Any]] = [("eseal_info", SESSealInfo), ("cert", core.OctetString),
               ("sign_alg_id", core.ObjectIdentifier), ("signed_value", core.OctetBitString)]


class TBSSign(core.Sequence):  # type: ignore[misc]
    _fields: ClassVar[list[Any]] = [("version", core.Integer), ("eseal", SESeal),
               ("time_info", core.GeneralizedTime), ("data_hash", core.OctetBitString),
               ("property_info", core.IA5String)]


class SESSignature(core.Sequence):  # type: ignore[misc]
    _fields: ClassVar[list[Any]] = [("to_sign", TBSSign), ("cert", core.OctetString),
               ("signature_alg_id", core.ObjectIdentifier),
               ("signature", core.OctetBitString)]


@dataclass(frozen=True)
class Seal:
    """What a bureau's seal shows and who it belongs to."""

    es_id: str  # 电子印章标识
    name: str  # 印章名称: the bureau's name
    picture_png: bytes
    width_mm: int
    height_mm: int
    certificate: bytes  # the bureau's SM2 certificate (DER): 签章者 and 制章者 alike
    valid_start: dt.datetime
    valid_end: dt.datetime


def build_signature(seal: Seal, signed_data: bytes, property_info: str, now: dt.datetime,
                    sign_der: Callable[[bytes], bytes]) -> bytes:
    """The DER ``SES_Signature`` over ``signed_data``; ``sign_der`` signs with the bureau's
    SM2 key (DER ``SEQUENCE {r, s}``). The bureau makes its own seal, so it signs twice:
    the seal's information, then the whole to-be-signed structure."""
    moment = now.astimezone(dt.UTC).replace(microsecond=0)
    info = SESSealInfo({
        "header": {"id": "ES", "version": VERSION, "vid": VENDOR_ID},
        "es_id": seal.es_id,
        "property": {
            "type": SEAL_TYPE_ORGANISATION, "name": seal.name,
            "cert_list_type": CERT_LIST_CERTIFICATES, "cert_list": [seal.certificate],
            "create_date": seal.valid_start, "valid_start": seal.valid_start,
            "valid_end": seal.valid_end},
        "picture": {"type": "PNG", "data": seal.picture_png, "width": seal.width_mm,
                    "height": seal.height_mm},
    })
    eseal = SESeal({"eseal_info": info, "cert": seal.certificate,
                    "sign_alg_id": OID_SM2_WITH_SM3,
                    "signed_value": sign_der(info.dump())})
    to_sign = TBSSign({"version": VERSION, "eseal": eseal, "time_info": moment,
                       "data_hash": sm3(signed_data), "property_info": property_info})
    return bytes(SESSignature({
        "to_sign": to_sign, "cert": seal.certificate, "signature_alg_id": OID_SM2_WITH_SM3,
        "signature": sign_der(to_sign.dump())}).dump())


@dataclass(frozen=True)
class SealCheck:
    """A verified seal signature: whose, over which data, when."""

    seal_name: str
    bureau_code: str | None
    certificate: bytes
    property_info: str
    signed_at: dt.datetime
    picture_png: bytes


def verify_signature(der: bytes, signed_data: bytes) -> SealCheck:
    """Check an ``SES_Signature`` over ``signed_data``: the seal's own signature, the hash,
    the signature of the whole, each by the SM2 certificate it names. The caller decides
    whether that certificate is one it trusts. MalformedToken on anything that fails."""
    try:
        signature = SESSignature.load(bytes(der), strict=True)
        to_sign = signature["to_sign"]
        eseal = to_sign["eseal"]
        certificate = read_certificate(bytes(signature["cert"].native))
        maker = read_certificate(bytes(eseal["cert"].native))
        checks = (
            signature["signature_alg_id"].dotted == OID_SM2_WITH_SM3,
            eseal["sign_alg_id"].dotted == OID_SM2_WITH_SM3,
            certificate.algorithm is Algorithm.SM2 and maker.algorithm is Algorithm.SM2,
        )
        if not all(checks):
            raise MalformedToken("the seal signature is not SM2 with SM3")
        if not _verifies(maker.public_key, eseal["signed_value"].native,
                         eseal["eseal_info"].dump()):
            raise MalformedToken("the seal's own signature does not verify")
        if to_sign["data_hash"].native != sm3(signed_data):
            raise MalformedToken("the signed data was changed after sealing")
        if not _verifies(certificate.public_key, signature["signature"].native,
                         to_sign.dump()):
            raise MalformedToken("the seal signature does not verify")
        return SealCheck(
            eseal["eseal_info"]["property"]["name"].native, certificate.bureau_code,
            certificate.der, to_sign["property_info"].native,
            to_sign["time_info"].native.astimezone(dt.UTC),
            bytes(eseal["eseal_info"]["picture"]["data"].native))
    except (MalformedToken, TrustListError):
        raise
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise MalformedToken(f"unreadable seal signature: {exc}") from None


def _verifies(public_key: bytes, signature: bytes, message: bytes) -> bool:
    return SM2VerifyingKey(public_key).verify_der(bytes(signature), message)
