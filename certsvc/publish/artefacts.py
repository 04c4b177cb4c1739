"""Write the signed trust list and status list where any static web server can serve them.

Files are replaced atomically (write, fsync, rename), so a reader never sees half a list.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from sqlalchemy import Engine

from certsvc.credential.status_list import encode_status_list_payload
from certsvc.signer.signer import Signer
from certsvc.store import writer
from certsvc.store.reader import LicenceReader
from certsvc.workflow.issuance import STATUS_LIST_SIZE


def write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def publish_trust_list(signer: Signer, path: Path, now: dt.datetime) -> bytes:
    data = signer.trust_list(now)
    write_atomically(path, data)
    return data


def publish_status_list(engine: Engine, signer: Signer, path: Path, now: dt.datetime) -> bytes:
    """A new version of the status list from the database's current statuses."""
    statuses = LicenceReader(engine).non_valid_statuses()
    with engine.begin() as conn:
        version = writer.next_artefact_version(conn, "status-list", now)
    payload = encode_status_list_payload(now, version, STATUS_LIST_SIZE, statuses)
    data = signer.sign_status_list(payload, now)
    write_atomically(path, data)
    return data
