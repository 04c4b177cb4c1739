"""Documents through the API: type by content, size limits, only the uploader may attach a
document, only bureaus and the owner read it back, and the hash is in the audit log."""

from __future__ import annotations

import hashlib
import io
import zipfile
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from certsvc.domain.documents import MAX_DOCUMENT, sniff
from certsvc.errors import ValidationError
from certsvc.store.models import AuditEvent
from tests.conftest import Api, application_body


def ofd() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr("OFD.xml", "<ofd:OFD xmlns:ofd='http://www.ofdspec.org/2016'/>")
        package.writestr("Doc_0/Document.xml", "<ofd:Document/>")
    return out.getvalue()


def upload(api: Api, who: str, data: bytes, name: str = "营业执照.pdf") -> Any:
    return api.client.post("/api/v1/documents", content_type="multipart/form-data",
                           headers={"Authorization": f"Bearer {api.tokens[who]}"},
                           data={"file": (io.BytesIO(data), name)})


@pytest.mark.parametrize(("data", "media_type"), [
    (b"%PDF-1.7\n%%EOF\n", "application/pdf"), (ofd(), "application/ofd"),
    (b"\xff\xd8\xff\xe0" + bytes(32), "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n" + bytes(32), "image/png"),
])
def test_documents_are_typed_by_content(api: Api, data: bytes, media_type: str) -> None:
    answer = upload(api, "enterprise", data, "whatever.name")
    assert answer.status_code == 201, answer.json
    assert answer.json == {"ref": "sha256:" + hashlib.sha256(data).hexdigest(),
                           "media_type": media_type, "size": len(data),
                           "name": "whatever.name"}


@pytest.mark.parametrize("data", [
    b"MZ\x90\x00" + bytes(60),  # a Windows program renamed .pdf
    b"<html><script>alert(1)</script>",
    b"PK\x03\x04 not an OFD package", b"",
])
def test_other_content_is_refused(api: Api, data: bytes) -> None:
    answer = upload(api, "enterprise", data, "licence.pdf")
    assert answer.status_code == 422 and answer.json is not None
    assert answer.json["field"] == "file"


def test_an_oversized_upload_is_413(api: Api) -> None:
    answer = upload(api, "enterprise", b"%PDF-1.7\n" + bytes(MAX_DOCUMENT))
    assert answer.status_code == 413 and answer.mimetype == "application/problem+json"


def test_only_the_uploader_attaches_and_bureaus_and_owner_read(api: Api) -> None:
    stranger = upload(api, "other_enterprise", b"%PDF-1.7\n% someone else's\n")
    assert stranger.json is not None
    body = application_body()
    body["materials"]["commitment"] = stranger.json["ref"]
    refused = api.post("/api/v1/applications", "enterprise", body)
    assert refused.status_code == 422 and refused.json is not None
    assert refused.json["field"] == "materials.commitment"
    created = api.post("/api/v1/applications", "enterprise", application_body())
    assert created.status_code == 201 and created.json is not None
    path = f"/api/v1/applications/{created.json['id']}/documents/business_licence"
    for who, status in (("enterprise", 200), ("zhejiang", 200), ("national", 200),
                        ("jiangsu", 403), ("auditor", 403), ("institution", 403),
                        ("other_enterprise", 403), ("department", 403)):
        assert api.get(path, who).status_code == status, who
    with api.engine.connect() as conn:
        events = conn.execute(select(AuditEvent.action, AuditEvent.after)).all()
    submitted = next(after for action, after in events if action == "submit")
    assert submitted["materials"]["business_licence"]["document"].startswith("sha256:")
    assert any(action == "document.upload" for action, _ in events)


def test_institutions_and_enterprises_upload_nobody_else(api: Api) -> None:
    for who in ("zhejiang", "auditor", "department"):
        assert upload(api, who, b"%PDF-1.7\n").status_code == 403, who
    assert upload(api, "institution", b"%PDF-1.7\n% report\n").status_code == 201


@given(st.binary(max_size=400))
@settings(max_examples=300, deadline=None)
def test_sniff_any_bytes(data: bytes) -> None:
    try:
        assert sniff(data) in ("application/pdf", "application/ofd", "image/jpeg",
                               "image/png")
    except ValidationError as refusal:
        assert refusal.field == "file"
