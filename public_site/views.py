"""What a verdict and a licence look like to the public, for pages and the JSON API alike.

Licence data is shown only when the signature verified (``verdict.claims``) or when it comes
from the register itself (a licence looked up by number); a forged QR shows none of it.
"""

from __future__ import annotations

from typing import Any

from certsvc.credential.qr_text import qr_text, token_to_digits
from certsvc.credential.verifier import Verdict, verify
from certsvc.domain.catalogue import catalogue
from certsvc.domain.e_licence import identifier_has_placeholders, identifier_of
from certsvc.domain.licence import LicenceStatus
from certsvc.domain.time import china_date, utcnow
from certsvc.domain.uscc import validate_uscc
from certsvc.errors import NotFound
from certsvc.store.records import LicenceRecord
from public_site.site import Site


def verify_record(site: Site, record: LicenceRecord, product: str | int | None = None
                  ) -> Verdict:
    """The register's own token for this licence, verified like a scanned QR."""
    if record.token is None:
        raise NotFound(f"licence {record.number} is not signed yet")
    return verify(record.token, site.trust_list(), site.online_status(), product, utcnow())


def enterprise_licences(site: Site, uscc: str) -> list[LicenceRecord]:
    """An enterprise's licences; the code is checked, and an unknown one is a 404."""
    code = validate_uscc(uscc, "uscc")
    records = site.reader.by_uscc(code)
    if not records:
        raise NotFound(f"no licences for {code}")
    return records


def verdict_json(verdict: Verdict) -> dict[str, Any]:
    zh, en = verdict.message_zh, verdict.message_en
    return {
        "verdict": verdict.code.value, "valid": verdict.valid, "authentic": verdict.authentic,
        "message": {"zh": zh, "en": en}, "detail": verdict.detail,
        "status_as_of": verdict.status_as_of.isoformat() if verdict.status_as_of else None,
    }


def claims_view(verdict: Verdict) -> dict[str, Any] | None:
    """The signed licence, for display; None unless the signature verified."""
    claims = verdict.claims
    if claims is None:
        return None
    units = catalogue()
    return {
        "number": claims.number.canonical, "enterprise_name": claims.enterprise_name,
        "uscc": claims.uscc, "scope": [units.unit(u) for u in claims.scope],
        "issued": claims.issued, "valid_until": claims.valid_until,
        "issuer": claims.number.bureau,
    }


def licence_json(site: Site, record: LicenceRecord, verdict: Verdict,
                 detail: dict[str, Any] | None) -> dict[str, Any]:
    e = record.enterprise
    version = site.reader.version(record)
    return {
        "number": record.number.canonical,
        "identifier": str(identifier_of(record.number, version)),
        # its licence-type or issuer code is a placeholder until the deployment has the
        # national catalogue's (certsvc/domain/data/e_licence.json)
        "identifier_placeholder": identifier_has_placeholders(record.number.bureau),
        "status": record.status.value,
        "expired": china_date(utcnow()) > record.valid_until,
        "status_detail": detail,
        # 告知承诺: the public commitment and the on-site review's due date, while pending
        "commitment_review_pending": site.reader.pending_commitment(record.number),
        **verdict_json(verdict),
        "enterprise": {"name": e.name, "uscc": e.uscc, "residence": e.residence,
                       "production_address": e.production_address},
        "scope": [{"id": u.id, "name": u.name, "name_en": u.name_en,
                   "product": {"code": u.product.code, "name": u.product.name}}
                  for u in record.scope],
        "issued": record.issued.isoformat(), "valid_until": record.valid_until.isoformat(),
        "issuer": {"code": record.issuer.code, "name": record.issuer.name},
        "qr_text": qr_text(site.public_url, record.token) if record.token else None,
        "links": links(record, site.reader.has_file(record, version, "ofd")),
    }


def offers_sealed_file(record: LicenceRecord) -> bool:
    """The sealed OFD states the licence valid as of its sealing, and a file cannot be
    unsealed: it is offered only while the licence is valid. (The PDF is drawn with the
    status of the moment, and the page says what is true now.)"""
    return record.status is LicenceStatus.VALID


def links(record: LicenceRecord, has_ofd: bool = False) -> dict[str, str]:
    """Where the licence is, in every form; the OFD once its bureau has sealed it, while the
    licence is valid."""
    number = record.number.canonical
    found = {
        "page": f"/V/{token_to_digits(record.token)}" if record.token else f"/licence/{number}",
        "pdf": f"/licence/{number}.pdf",
        "enterprise": f"/enterprise/{record.enterprise.uscc}",
        "api": f"/api/v1/licences/{number}",
        "metadata": f"/api/v1/licences/{number}/metadata",
    }
    offered = has_ofd and offers_sealed_file(record)
    return found | ({"ofd": f"/licence/{number}.ofd"} if offered else {})
