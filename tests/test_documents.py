"""Documents through the API: type by content, size limits, only the uploader may attach a
document, only bureaus and the owner read it back, and the hash is in the audit log."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import zipfile
from typing import Any

import pytest
from freezegun import freeze_time
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from certsvc.domain.documents import MAX_DOCUMENT, sniff
from certsvc.domain.text import file_name, unsafe_character
from certsvc.errors import ValidationError
from certsvc.store.models import AuditEvent, DocumentRow
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


# --- file names: text from a stranger, one rule for every door (issue 24) -----------------
@pytest.mark.parametrize(("name", "kept"), [
    ("营业执照.pdf", "营业执照.pdf"),
    ("../../etc/营业执照.pdf", "营业执照.pdf"),
    ("..", "document"),
    ("", "营业执照.pdf"),  # the test client's default when no name is sent is ours
    ("ＡＢＣ.pdf", "ABC.pdf"),
])
def test_an_uploaded_files_name_keeps_its_last_part(api: Api, name: str, kept: str) -> None:
    if not name:
        return
    answer = upload(api, "enterprise", b"%PDF-1.7 " + name.encode(), name)
    assert answer.status_code == 201, answer.json
    assert answer.json["name"] == kept


def test_both_slashes_end_a_path() -> None:
    """(Through HTTP, the multipart parser already drops a backslash; the rule does not
    count on it.)"""
    assert file_name("C:\\扫描件\\营业执照.pdf") == "营业执照.pdf"
    assert file_name("a/b\\c/营业执照.pdf") == "营业执照.pdf"


@pytest.mark.parametrize("name", [
    "evil\x00.html.pdf", "发票\u202egpj.exe.pdf", "a\x1b[31m.pdf", "a\u2066b.pdf",
    "zero\u200bwidth.pdf", "del\x7f.pdf", "c1\x85.pdf", "x" * 201 + ".pdf",
])
def test_a_hostile_file_name_is_422_through_the_api_and_the_console(api: Api,
                                                                     name: str) -> None:
    """On PostgreSQL a NUL reached the documents table (a 500); a U+202E reverses what a
    clerk reads. Refused, with the reason, and nothing stored."""
    from tests.test_console_workflow import APPLICATION, files, post_form, signed_in

    answer = upload(api, "enterprise", b"%PDF-1.7 hostile", name)
    assert answer.status_code == 422, answer.json
    assert answer.json is not None and "file name" in answer.json["detail"]
    console = signed_in(api, "enterprise")
    page = post_form(console, "/console/apply", "/console/apply", {
        **APPLICATION, **files(),
        "materials.business_licence": (io.BytesIO(b"%PDF-1.7 hostile"), name)})
    assert page.status_code == 422, page.get_data(as_text=True)[:300]
    assert "file name" in page.get_data(as_text=True)
    with api.engine.connect() as conn:
        stored = conn.execute(select(DocumentRow.name)).scalars().all()
    assert not any(n != "营业执照.pdf" and "hostile" in n for n in stored)
    assert all(unsafe_character(n) is None for n in stored)


@given(st.text(max_size=300))
@settings(max_examples=300, deadline=None)
def test_file_name_of_any_text_is_safe_or_refused(raw: str) -> None:
    try:
        name = file_name(raw)
    except ValueError as refused:
        assert "file name" in str(refused)
        return
    assert name and "/" not in name and "\\" not in name and len(name) <= 200
    assert unsafe_character(name) is None


def test_every_document_a_stranger_sent_is_an_attachment(api: Api) -> None:
    """Materials and 举报 photos alike, through the API and the console."""
    from tests.test_complaints import FORGED, PNG, START, listed, send
    from tests.test_console_workflow import HTTPS, signed_in

    with freeze_time(START) as frozen:
        assert send(api.client, frozen, FORGED, (PNG, "label.png")).status_code == 201
    (report,) = listed(api, "zhejiang", "?state=open")
    for answer in (api.get(f"/api/v1/complaints/{report['id']}/photo", "zhejiang"),
                   signed_in(api, "zhejiang").get(
                       f"/console/complaints/{report['id']}/photo", base_url=HTTPS)):
        assert answer.status_code == 200
        assert answer.headers["Content-Disposition"].startswith("attachment;")
    created = api.post("/api/v1/applications", "enterprise", application_body())
    assert created.status_code == 201 and created.json is not None
    material = api.get(
        f"/api/v1/applications/{created.json['id']}/documents/business_licence", "zhejiang")
    assert material.headers["Content-Disposition"].startswith("attachment;")


def test_an_account_has_a_daily_upload_quota(api: Api, monkeypatch: pytest.MonkeyPatch
                                             ) -> None:
    """Issue 24: refused posts kept their uploads, with no quota per account, so posting
    again and again filled the store. Counted per account across workers, by number and by
    bytes, refused posts included; a new day, a new allowance."""
    from certsvc.domain.accounts import Principal
    from certsvc.errors import QuotaExceeded
    from certsvc.store import accounts
    from certsvc.workflow import documents as module

    monkeypatch.setattr(module, "UPLOADS_PER_DAY", 5)
    monkeypatch.setattr(module, "UPLOAD_BYTES_PER_DAY", 1000)
    service = module.Documents(api.engine, api.client.application.extensions[
        "certsvc"].documents.store)
    with api.engine.connect() as conn:
        who: Principal = accounts.principal_for_account(conn, api.accounts["institution"])
    day = dt.datetime(2026, 6, 1, 2, 0, tzinfo=dt.UTC)
    for n in range(5):
        service.upload(who, f"r{n}.pdf", b"%PDF-1.7 " + bytes([n]) * 10, day, "t")
    with pytest.raises(QuotaExceeded, match="in 24 hours"):
        service.upload(who, "r5.pdf", b"%PDF-1.7 five", day, "t")
    later = day + dt.timedelta(days=1, seconds=1)
    service.upload(who, "big.pdf", b"%PDF-1.7 " + b"x" * 900, later, "t")
    with pytest.raises(QuotaExceeded):  # by bytes now: 909 + 200 > 1000
        service.upload(who, "big2.pdf", b"%PDF-1.7 " + b"y" * 191, later, "t")
    # through the door: 429, problem JSON
    monkeypatch.setattr(module, "UPLOADS_PER_DAY", 0)
    api.client.application.extensions["certsvc"].documents = module.Documents(
        api.engine, service.store)
    refused = upload(api, "enterprise", b"%PDF-1.7 over")
    assert refused.status_code == 429 and refused.json is not None
    assert refused.json["type"].endswith("quota-exceeded")
