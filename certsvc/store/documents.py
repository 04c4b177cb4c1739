"""Uploaded documents: the bytes in a content-addressed store outside every served folder
(a directory, or an S3-compatible object store's bucket), and in the database who uploaded
which (a reference is only good for its uploader).

    store = FilesystemDocuments(Path("instance/documents"))
    digest = store.put(data)          # the SHA-256 hex; storing the same bytes again is free
    assert store.get(digest) == data

Whatever the store, the bytes read back are checked against their name (``checked``): a
document swapped in the store is refused, never served.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import logging
import os
from pathlib import Path
from typing import Any, Protocol, cast

from sqlalchemy import Connection, Table, insert, select
from sqlalchemy.exc import IntegrityError

from certsvc.errors import CertsvcError, NotFound, Unavailable
from certsvc.store.models import DocumentRow

_D = cast(Table, DocumentRow.__table__)
log = logging.getLogger("certsvc.documents")


class DocumentStore(Protocol):
    """Where document bytes live, by SHA-256: a directory (``FilesystemDocuments``) or an
    S3-compatible bucket (``S3Documents``), with the same two methods."""

    def put(self, data: bytes) -> str: ...

    def get(self, digest: str) -> bytes: ...


class DocumentAltered(CertsvcError):
    """The store gave back bytes whose SHA-256 is not the document's: it was swapped."""

    type = "document-altered"
    title = "Stored document altered"
    status = 500


def document_store(directory: Path, s3_bucket: str | None = None,
                   s3_endpoint: str | None = None) -> DocumentStore:
    """The configured store: the bucket if one is named, else the directory."""
    if s3_bucket:
        return S3Documents(s3_bucket, s3_endpoint)
    return FilesystemDocuments(directory)


def checked(digest: str, data: bytes) -> bytes:
    if hashlib.sha256(data).hexdigest() != digest:
        log.error("document %s in the store does not match its SHA-256", digest)
        raise DocumentAltered("the stored document does not match its SHA-256; it was not "
                              "served — tell the operator")
    return data


def _key(digest: str) -> str:
    if len(digest) != 64 or not all(c in "0123456789abcdef" for c in digest):
        raise NotFound("no such document")
    return f"{digest[:2]}/{digest}"


class FilesystemDocuments:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, digest: str) -> Path:
        return self.root / _key(digest)

    def put(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        path = self._path(digest)
        if not path.exists():
            path.parent.mkdir(mode=0o750, parents=True, exist_ok=True)
            tmp = path.with_name(f".{digest}.{os.getpid()}.tmp")
            with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640), "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        return digest

    def get(self, digest: str) -> bytes:
        try:
            return checked(digest, self._path(digest).read_bytes())
        except FileNotFoundError:
            raise NotFound("no such document") from None


class S3Documents:
    """Documents in a bucket of an S3-compatible object store (AWS S3, MinIO, Ceph RGW, OSS,
    COS …), keyed ``ab/abcdef…`` by SHA-256. The store checks each upload against its
    SHA-256 (``ChecksumSHA256``); an unreachable store is a 503, never a lost upload (the
    upload fails before anything is recorded).

    Credentials and region come the usual boto3 way (``AWS_ACCESS_KEY_ID``,
    ``AWS_SECRET_ACCESS_KEY``, ``AWS_DEFAULT_REGION``, or an instance role)."""

    def __init__(self, bucket: str, endpoint_url: str | None = None,
                 client: Any | None = None) -> None:
        import boto3
        from botocore.config import Config

        self.bucket = bucket
        self.client = client or boto3.client(
            "s3", endpoint_url=endpoint_url, config=Config(
                connect_timeout=5, read_timeout=30, retries={"max_attempts": 3},
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required"))

    def put(self, data: bytes) -> str:
        from botocore.exceptions import BotoCoreError, ClientError

        digest = hashlib.sha256(data).hexdigest()
        try:
            self.client.put_object(
                Bucket=self.bucket, Key=_key(digest), Body=data,
                ChecksumSHA256=base64.b64encode(bytes.fromhex(digest)).decode())
        except (BotoCoreError, ClientError) as error:
            raise _unavailable(error) from error
        return digest

    def get(self, digest: str) -> bytes:
        from botocore.exceptions import BotoCoreError, ClientError

        key = _key(digest)
        try:
            data: bytes = self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise NotFound("no such document") from None
            raise _unavailable(error) from error
        except BotoCoreError as error:
            raise _unavailable(error) from error
        return checked(digest, data)


def _unavailable(error: BaseException) -> Unavailable:
    log.error("document store: %s", error)
    return Unavailable("the document store is not answering; try again in a moment")


def record(conn: Connection, digest: str, account_id: int, media_type: str, size: int,
           name: str, now: dt.datetime) -> None:
    """Remember that ``account_id`` uploaded it (once per uploader)."""
    try:
        with conn.begin_nested():
            conn.execute(insert(_D).values(digest=digest, account_id=account_id,
                                           media_type=media_type, size=size, name=name,
                                           uploaded_at=now))
    except IntegrityError:
        pass  # the same account uploaded the same bytes before


def uploaded_by(conn: Connection, digest: str, account_id: int) -> Any | None:
    return conn.execute(select(_D).where(_D.c.digest == digest,
                                         _D.c.account_id == account_id)).first()


def described(conn: Connection, digest: str) -> Any | None:
    return conn.execute(select(_D).where(_D.c.digest == digest)).first()
