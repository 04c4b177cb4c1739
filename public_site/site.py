"""What the public site's views share: the register reader, the published files (re-read
when they change), the register as a verifier's online status source, and the JSON encoder.
A module of its own, below the app factory and its blueprints, so that they import it
without importing each other.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson
from flask import Flask

from certsvc.config import STATUS_LIST_FILE, TRUST_LIST_FILE
from certsvc.credential.trust_list import LogPolicy, TrustList, load_root_public_key
from certsvc.credential.verifier import NOT_IN_LOG, NOT_IN_REGISTER, PENDING_LOG
from certsvc.domain.licence import SUPERSEDED, LicenceStatus
from certsvc.domain.time import utcnow
from certsvc.errors import TrustUnavailable
from certsvc.store.db import make_engine
from certsvc.store.log_check import LogState
from certsvc.store.reader import LicenceReader
from certsvc.store.status_lookup import RETIRED
from certsvc.transparency.note import NoteError, NoteVerifier


class OnlineStatus:
    """The register as a verifier status source: current, and the judge of which token is
    its own. A token whose index the register gives to another token, or to none, is not in
    the register, however genuine its signature; nor is the register's own token if its
    issuance is not in the transparency log (written into the database some other way)."""

    def __init__(self, reader: LicenceReader, log: LogPolicy | None) -> None:
        self.reader = reader
        # the trust list's log key: the heads it signed count
        self.log_key = _log_key(log)
        self.as_of = utcnow()

    def is_current(self, now: dt.datetime) -> bool:
        return True  # read now, from the register itself

    def status_at(self, index: int, token: bytes) -> LicenceStatus | str:
        found = self.reader.status_by_index(index)
        if found == RETIRED:
            return SUPERSEDED
        digest = hashlib.sha256(token).digest()
        if isinstance(found, tuple) and found[1] == digest:
            state = self.reader.log_state(digest, self.log_key)
            if state is LogState.CONFIRMED:
                return found[0]
            return PENDING_LOG if state is LogState.PENDING else NOT_IN_LOG
        return NOT_IN_REGISTER


class Site:
    """What the views share: the reader, and the published files (re-read when changed)."""

    def __init__(self, app: Flask) -> None:
        self.reader = LicenceReader(make_engine(
            app.config["DATABASE_URL"], app.config["DB_CONNECT_TIMEOUT"],
            app.config["DB_STATEMENT_TIMEOUT"]))
        self.publish_dir = Path(app.config["PUBLISH_DIR"])
        self.root_certificate = Path(app.config["ROOT_CERTIFICATE"])
        self.public_url: str = app.config["PUBLIC_URL"]

        self.trust_list_path = self.publish_dir / TRUST_LIST_FILE
        self._trust: TrustList | None = None
        self._trust_checked = 0.0
        self.status_list_path = self.publish_dir / STATUS_LIST_FILE

    def trust_list(self) -> TrustList:
        """The published trust list, re-read when the file changes (looked at once a second:
        a stat per verification costs more than the rest of the lookup)."""
        now = time.monotonic()
        if now - self._trust_checked < 1.0 and self._trust is not None:
            return self._trust
        path = self.trust_list_path
        try:
            self._trust = _trust_list(path, path.stat().st_mtime_ns, self.root_certificate)
        except FileNotFoundError as missing:
            raise TrustUnavailable(
                f"{Path(str(missing.filename)).name} is not installed on this server; "
                "verification is unavailable until the operator publishes it") from None
        self._trust_checked = now
        return self._trust

    def online_status(self) -> OnlineStatus:
        return OnlineStatus(self.reader, self.trust_list().log)


def json_bytes(body: Any) -> bytes:
    """Answers as compact UTF-8 JSON by orjson (a sixth of the standard library's time on
    the verify path); dates and times in ISO 8601, anything else JSON lacks as its str()."""
    return orjson.dumps(body, default=str)


@lru_cache(maxsize=8)
def _log_key(log: LogPolicy | None) -> NoteVerifier | None:
    try:
        return None if log is None else NoteVerifier.parse(log.log_key)
    except NoteError:
        return None  # a trust list whose log key does not parse confirms nothing


@lru_cache(maxsize=4)
def _trust_list(path: Path, mtime_ns: int, root: Path) -> TrustList:
    """Re-read the trust list only when the file changes."""
    del mtime_ns  # part of the cache key
    return TrustList.load(path.read_bytes(), load_root_public_key(root.read_bytes()))
