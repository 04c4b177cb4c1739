"""Write the signed trust list, status list and status-list deltas as static files.

Files are replaced atomically (write, fsync, rename), so a reader never sees half a list.
A status list is published under an exclusive lock on the publish directory, so versions
reach the disk in order even when several workers publish at once (one host owns the
directory; see docs/operations.md).

    publish_status_list(engine, signer, Path("instance/published"), now)
    # → status-list.cose, status-list.version, deltas/since-<N>.cose for the last 32 versions
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
from pathlib import Path

from sqlalchemy import Engine

from certsvc.config import STATUS_LIST_FILE
from certsvc.credential.status_list import (
    SIZE,
    code_for,
    encode_delta_payload,
    encode_status_list_payload,
)
from certsvc.signer.signer import Signer
from certsvc.store import status_history, writer

DELTAS = "deltas"
DELTA_DEPTH = 32  # deltas are kept from each of the last 32 versions to the newest


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


def delta_path(directory: Path, since: int) -> Path:
    return directory / DELTAS / f"since-{since}.cose"


def publish_status_list(engine: Engine, signer: Signer, directory: Path,
                        now: dt.datetime) -> int:
    """Publish a new version of the status list and the deltas that lead to it."""
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".publish.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with engine.begin() as conn:
            change_id = status_history.last_change_id(conn)  # before the codes: see store
            codes = {i: code_for(s) for i, s in status_history.current_statuses(conn).items()}
            version = writer.next_artefact_version(conn, "status-list", now)
            status_history.record_version(conn, version, change_id, now)
            deltas = {}
            for since in range(max(1, version - DELTA_DEPTH), version):
                since_change = status_history.version_change_id(conn, since)
                if since_change is not None:
                    deltas[since] = {i: code_for(s) for i, s in status_history.changes_between(
                        conn, since_change, change_id).items()}
        payload = encode_status_list_payload(now, version, SIZE, codes)
        write_atomically(directory / STATUS_LIST_FILE, signer.sign_status_list(payload, now))
        for since, changes in deltas.items():
            delta = encode_delta_payload(now, since, version, changes)
            write_atomically(delta_path(directory, since), signer.sign_status_list(delta, now))
        stale = delta_path(directory, version - DELTA_DEPTH - 1)
        stale.unlink(missing_ok=True)
    return version
