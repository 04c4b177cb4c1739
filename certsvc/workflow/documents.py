"""Uploading documents, attaching them to an application, and reading them back.

An enterprise (its application's materials) or an institution (test reports) uploads a file:
its type is judged by content, its size is bounded, it is stored by SHA-256 and the hash is
in the audit event. An application refers to documents by ``sha256:<hex>``; only documents
the submitting account uploaded itself can be attached, and together they may not exceed
``MAX_PER_APPLICATION``. Bureaus (of the application's province, and the national authority)
and the owning enterprise may read them back; nobody else — not even an auditor.

    documents = Documents(engine, FilesystemDocuments(Path("instance/documents")))
    reference = documents.upload(enterprise, "营业执照.pdf", data, now, request_id)["ref"]
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine

from certsvc.domain.accounts import Principal, Role
from certsvc.domain.documents import MAX_DOCUMENT, MAX_PER_APPLICATION, sniff
from certsvc.domain.text import file_name
from certsvc.errors import CertsvcError, Forbidden, QuotaExceeded, ValidationError
from certsvc.store import applications, audit
from certsvc.store import documents as rows
from certsvc.store.documents import DocumentStore
from certsvc.store.throttle import ClientThrottle
from certsvc.workflow.authz import hidden, jurisdiction, missing

UPLOADERS = (Role.ENTERPRISE, Role.INSTITUTION, Role.REVIEW_BODY)  # a body: its reports


class TooLarge(CertsvcError):
    """A document, or an application's documents together, over the limit."""

    type = "payload-too-large"
    title = "Too large"
    status = 413


# What one account may upload in a day, refused posts included (a form the workflow refuses
# keeps its files for the next try; without a quota, posting again and again filled the
# store): a week of an enterprise's applications, or a review body's busy day.
UPLOADS_PER_DAY = 200
UPLOAD_BYTES_PER_DAY = 500 * 1024 * 1024


class Documents:
    def __init__(self, engine: Engine, store: DocumentStore) -> None:
        self.engine = engine
        self.store = store
        self._uploads = ClientThrottle(engine, "uploads", UPLOADS_PER_DAY, 86_400)
        self._upload_bytes = ClientThrottle(engine, "upload-bytes", UPLOAD_BYTES_PER_DAY,
                                            86_400)

    def upload(self, principal: Principal, name: str, data: bytes, now: dt.datetime,
               request_id: str) -> dict[str, Any]:
        if principal.role not in UPLOADERS:
            raise Forbidden("enterprises, inspection institutions and review bodies upload "
                            "documents")
        if len(data) > MAX_DOCUMENT:
            raise TooLarge(f"a document may be {MAX_DOCUMENT // (1024 * 1024)} MB at most")
        if not data:
            raise ValidationError("file", "is empty")
        try:
            name = file_name(name or "document")
        except ValueError as exc:
            raise ValidationError("file", str(exc)) from None
        media_type = sniff(data)
        account, moment = str(principal.account_id), now.timestamp()
        if not (self._uploads.allow(account, moment)
                and self._upload_bytes.allow(account, moment, len(data))):
            raise QuotaExceeded(f"an account may upload {UPLOADS_PER_DAY} documents, "
                                f"{UPLOAD_BYTES_PER_DAY // 2**20} MB, in 24 hours; try "
                                "again tomorrow, or reuse a document already uploaded")
        digest = self.store.put(data)
        view = {"ref": f"sha256:{digest}", "media_type": media_type, "size": len(data),
                "name": name}
        with self.engine.begin() as conn:
            rows.record(conn, digest, principal.account_id, media_type, len(data), name, now)
            audit.record(conn, principal, "document.upload", f"document:{digest[:16]}",
                         principal.bureau_code, None, view, request_id, now)
        return view

    def attach(self, principal: Principal, materials: dict[str, str | None],
               field: str = "materials.{}") -> dict[str, dict[str, Any]]:
        """The materials as stored on the application: each document's reference, type,
        size and name; refused (naming ``field``) unless this account uploaded each one."""
        attached: dict[str, dict[str, Any]] = {}
        with self.engine.connect() as conn:
            for material, digest in materials.items():
                if digest is None:
                    continue
                row = rows.uploaded_by(conn, digest, principal.account_id)
                if row is None:
                    raise ValidationError(field.format(material),
                                          "is not a document you uploaded")
                attached[material] = {"document": f"sha256:{digest}",
                                      "media_type": row.media_type, "size": row.size,
                                      "name": row.name}
        if sum(d["size"] for d in attached.values()) > MAX_PER_APPLICATION:
            raise TooLarge(f"an application's documents may be "
                           f"{MAX_PER_APPLICATION // (1024 * 1024)} MB at most together")
        return attached

    def read(self, principal: Principal, application_id: int, material: str
             ) -> tuple[bytes, str, str]:
        """(bytes, media type, file name) of one of an application's documents."""
        with self.engine.connect() as conn:
            try:
                row = applications.load(conn, application_id)
            except CertsvcError:
                raise missing(principal, "application", application_id) from None
        owner = principal.role is Role.ENTERPRISE and principal.uscc == row["uscc"]
        bureau = principal.is_bureau and jurisdiction(principal) in (None, row["bureau_code"])
        if not (owner or bureau):
            raise hidden("application", application_id)
        entry = row["materials"].get(material)
        if not isinstance(entry, dict) or "document" not in entry:
            raise missing(principal, f"document {material!r} of application", application_id)
        return (self.store.get(entry["document"].removeprefix("sha256:")),
                entry["media_type"], entry["name"])
