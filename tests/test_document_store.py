"""Where document bytes live: a directory, or a bucket of an S3-compatible object store.

The S3 backend is tested over HTTP against an S3-compatible server on 127.0.0.1 (moto's
server mode: the S3 REST protocol, signatures and checksums, no AWS account), through the
same boto3 calls a deployment makes against MinIO, Ceph RGW or AWS; and the whole upload
path of the API runs on it."""

from __future__ import annotations

import hashlib
import io
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from moto.server import ThreadedMotoServer

from certsvc.domain.documents import EXAMPLE_PDF
from certsvc.errors import NotFound, Unavailable
from certsvc.store.documents import (
    DocumentAltered,
    DocumentStore,
    FilesystemDocuments,
    S3Documents,
    document_store,
)
from tests.conftest import Api, application_body

BUCKET = "certsvc-documents"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> S3Documents:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "certsvc-test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "certsvc-test-secret")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "cn-north-1")
    client = boto3.client("s3", endpoint_url=s3_endpoint)
    bucket = f"{BUCKET}-{_free_port()}"
    client.create_bucket(Bucket=bucket, CreateBucketConfiguration={
        "LocationConstraint": "cn-north-1"})
    return S3Documents(bucket, s3_endpoint)


@pytest.fixture(params=["filesystem", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> DocumentStore:
    if request.param == "filesystem":
        return FilesystemDocuments(tmp_path / "documents")
    found: S3Documents = request.getfixturevalue("s3")
    return found


def test_bytes_come_back_by_their_sha256(store: DocumentStore) -> None:
    digest = store.put(EXAMPLE_PDF)
    assert digest == hashlib.sha256(EXAMPLE_PDF).hexdigest()
    assert store.put(EXAMPLE_PDF) == digest  # the same bytes again: the same name
    assert store.get(digest) == EXAMPLE_PDF


@pytest.mark.parametrize("digest", ["0" * 64, "../" + "a" * 61, "A" * 64, ""])
def test_a_name_that_is_not_stored_is_not_found(store: DocumentStore, digest: str) -> None:
    with pytest.raises(NotFound):
        store.get(digest)


def test_a_swapped_document_is_refused_not_served(s3: S3Documents, tmp_path: Path) -> None:
    digest = s3.put(EXAMPLE_PDF)
    s3.client.put_object(Bucket=s3.bucket, Key=f"{digest[:2]}/{digest}", Body=b"%PDF-forged")
    with pytest.raises(DocumentAltered):
        s3.get(digest)
    files = FilesystemDocuments(tmp_path / "documents")
    digest = files.put(EXAMPLE_PDF)
    (tmp_path / "documents" / digest[:2] / digest).write_bytes(b"%PDF-forged")
    with pytest.raises(DocumentAltered):
        files.get(digest)


def test_an_unreachable_store_is_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "certsvc-test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "certsvc-test-secret")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "cn-north-1")
    away = S3Documents(BUCKET, f"http://127.0.0.1:{_free_port()}")  # nothing listens there
    with pytest.raises(Unavailable):
        away.put(EXAMPLE_PDF)
    with pytest.raises(Unavailable):
        away.get(hashlib.sha256(EXAMPLE_PDF).hexdigest())


def test_the_configuration_picks_the_store(tmp_path: Path) -> None:
    assert isinstance(document_store(tmp_path), FilesystemDocuments)
    chosen = document_store(tmp_path, BUCKET, "http://127.0.0.1:9")
    assert isinstance(chosen, S3Documents) and chosen.bucket == BUCKET


@given(st.binary(max_size=2048))
@settings(max_examples=50, deadline=None)
def test_any_bytes_round_trip_on_disk(data: bytes) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as directory:
        files = FilesystemDocuments(Path(directory))
        assert files.get(files.put(data)) == data


def test_the_api_uploads_and_serves_documents_from_the_bucket(api: Api, s3: S3Documents
                                                              ) -> None:
    """The whole path on S3: three uploads, the application, the bureau's download."""
    services: Any = api.client.application.extensions["certsvc"]
    services.documents.store = s3
    references = {}
    for material, data in (("business_licence", EXAMPLE_PDF),
                           ("application_form", b"\x89PNG\r\n\x1a\n" + bytes(64)),
                           ("commitment", b"%PDF-1.7\n% commitment\n")):
        answer = api.client.post("/api/v1/documents", headers={
            "Authorization": f"Bearer {api.tokens['enterprise']}"},
            data={"file": (io.BytesIO(data), f"{material}.pdf")},
            content_type="multipart/form-data")
        assert answer.status_code == 201, answer.json
        assert answer.json is not None
        references[material] = answer.json["ref"]
    created = api.post("/api/v1/applications", "enterprise",
                       application_body(materials=references))
    assert created.status_code == 201 and created.json is not None
    path = f"/api/v1/applications/{created.json['id']}/documents/application_form"
    download = api.get(path, "zhejiang")
    assert download.status_code == 200 and download.data.startswith(b"\x89PNG")
    listed = s3.client.list_objects_v2(Bucket=s3.bucket)["Contents"]
    assert {o["Key"] for o in listed} == {f"{r[7:9]}/{r[7:]}" for r in references.values()}
