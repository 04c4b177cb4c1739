"""Uploaded documents: the bytes in a content-addressed store outside every served folder,
and in the database who uploaded which (a reference is only good for its uploader).

    store = FilesystemDocuments(Path("instance/documents"))
    digest = store.put(data)          # the SHA-256 hex; storing the same bytes again is free
    assert store.get(digest) == data
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from pathlib import Path
from typing import Any, Protocol, cast

from sqlalchemy import Connection, Table, insert, select
from sqlalchemy.exc import IntegrityError

from certsvc.errors import NotFound
from certsvc.store.models import DocumentRow

_D = cast(Table, DocumentRow.__table__)


class DocumentStore(Protocol):
    """Where document bytes live, by SHA-256. A filesystem here; an object store (S3) can
    stand in with the same two methods."""

    def put(self, data: bytes) -> str: ...

    def get(self, digest: str) -> bytes: ...


class FilesystemDocuments:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, digest: str) -> Path:
        if len(digest) != 64 or not all(c in "0123456789abcdef" for c in digest):
            raise NotFound("no such document")
        return self.root / digest[:2] / digest

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
            return self._path(digest).read_bytes()
        except FileNotFoundError:
            raise NotFound("no such document") from None


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
