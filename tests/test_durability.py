"""Concurrency and crashes, with real processes: CI runs these on PostgreSQL (and SQLite).

- Several processes issuing at once never draw the same licence number.
- A revocation acknowledged to the client survives the server being killed right after.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

from sqlalchemy import Engine, text

from certsvc.domain.licence import Licence, LicenceStatus
from certsvc.domain.licence_number import LicenceNumber
from certsvc.signer.keystore import KeyStore
from certsvc.store.reader import LicenceReader
from tests.conftest import ISSUE_TIME, PASSPHRASE, PUBLIC_URL, REFERENCE

PROCESSES = 4
EACH = 8


def _issue_many(database_url: str, keys_dir: str, count: int) -> list[str]:
    from certsvc.signer.signer import Signer
    from certsvc.store.db import make_engine
    from certsvc.workflow.issuance import Issuer

    data = json.loads(REFERENCE.read_text("utf-8"))
    data.pop("number")
    issuer = Issuer(make_engine(database_url), Signer(KeyStore(Path(keys_dir), PASSPHRASE)),
                    PUBLIC_URL)
    return [issuer.issue(Licence.from_dict(data), ISSUE_TIME).number.canonical
            for _ in range(count)]


def test_concurrent_issuers_never_share_a_number(
    engine: Engine, database_url: str, keystore: KeyStore
) -> None:
    context = multiprocessing.get_context("spawn")  # fresh interpreters, own connections
    with context.Pool(PROCESSES) as pool:
        batches = pool.starmap(_issue_many, [(database_url, str(keystore.directory), EACH)]
                               * PROCESSES)
    numbers = [n for batch in batches for n in batch]
    assert len(numbers) == len(set(numbers)) == PROCESSES * EACH
    serials = sorted(LicenceNumber.parse(n).serial for n in numbers)
    assert serials == list(range(1, PROCESSES * EACH + 1))  # no gaps, no repeats
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(DISTINCT status_index) FROM licences")
                            ).scalar_one() == PROCESSES * EACH


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_acknowledged_revocation_survives_kill(
    engine: Engine, database_url: str, keystore: KeyStore, issuer: object, tmp_path: Path
) -> None:
    from certsvc.domain.accounts import Role
    from certsvc.store import accounts
    from certsvc.workflow.issuance import Issuer

    assert isinstance(issuer, Issuer)
    licence = issuer.issue(Licence.from_dict(json.loads(REFERENCE.read_text("utf-8"))),
                           ISSUE_TIME)
    now = dt.datetime.now(dt.UTC)
    with engine.begin() as conn:
        account = accounts.create_account(conn, Role.PROVINCIAL, "浙江", now, bureau_code="33")
        _, token = accounts.create_token(conn, account, now, dt.timedelta(hours=1))
    port = _free_port()
    env = dict(os.environ, CERTSVC_DATABASE_URL=database_url,
               CERTSVC_KEYS_DIR=str(keystore.directory),
               CERTSVC_KEY_PASSPHRASE=PASSPHRASE.decode(),
               CERTSVC_PUBLISH_DIR=str(tmp_path / "published"))
    server = subprocess.Popen(
        [sys.executable, "-c", "from certsvc.cli import main; main()", "serve",
         "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_until_listening(port)
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/v1/licences/"
            f"{urllib.parse.quote(licence.number.canonical)}/revoke",
            data=json.dumps({"reason": "伪造", "legal_basis": "条例第五十条"}).encode(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            method="POST")
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 200
            server.send_signal(signal.SIGKILL)  # the moment the client has its answer
    finally:
        server.kill()
        server.wait()
    record = LicenceReader(engine).by_number(licence.number)
    assert record.status is LicenceStatus.REVOKED


def _wait_until_listening(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)  # polling a child process's socket, not timing the code under test
    raise AssertionError("the server did not start")
