"""Shared fixtures: real keys (made once per session), a real database, a fixed clock.

The database is SQLite in a temporary folder unless ``CERTSVC_DATABASE_URL`` names another
(CI runs the suite a second time on PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete

from certsvc.credential.trust_list import TrustList, load_root_public_key
from certsvc.signer.keystore import KeyStore
from certsvc.signer.signer import Signer
from certsvc.store.db import make_engine, migrate
from certsvc.store.models import Base
from certsvc.workflow.issuance import Issuer

KEYS_CREATED = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
ISSUE_TIME = dt.datetime(2026, 3, 15, 2, 0, tzinfo=dt.UTC)
VERIFY_TIME = dt.datetime(2026, 6, 1, 4, 0, tzinfo=dt.UTC)
PASSPHRASE = b"test passphrase"
PUBLIC_URL = "https://certsvc.example"
REFERENCE = Path(__file__).parent / "data" / "reference-licence.json"


@pytest.fixture(scope="session")
def pristine_keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("keys-pristine") / "keys"
    KeyStore(directory, PASSPHRASE).init(KEYS_CREATED)
    return directory


@pytest.fixture
def keystore(pristine_keys: Path, tmp_path: Path) -> KeyStore:
    """A private copy of the session's keys, so rotation and revocation stay in one test."""
    directory = tmp_path / "keys"
    shutil.copytree(pristine_keys, directory)
    return KeyStore(directory, PASSPHRASE)


@pytest.fixture
def signer(keystore: KeyStore) -> Signer:
    return Signer(keystore)


def load_trust_list(signer: Signer, now: dt.datetime = ISSUE_TIME) -> TrustList:
    root = load_root_public_key(signer.keystore.root_certificate_pem())
    return TrustList.load(signer.trust_list(now), root)


@pytest.fixture
def trust_list(signer: Signer) -> TrustList:
    return load_trust_list(signer)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return os.environ.get("CERTSVC_DATABASE_URL") or (
        f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    )


@pytest.fixture(scope="session")
def session_engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    with engine.begin() as conn:  # start clean, whatever an earlier run left behind
        for table in reversed(Base.metadata.sorted_tables):
            table.drop(conn, checkfirst=True)
        conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def engine(session_engine: Engine) -> Engine:
    with session_engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(delete(table))
    return session_engine


@pytest.fixture
def issuer(engine: Engine, signer: Signer) -> Issuer:
    return Issuer(engine, signer, PUBLIC_URL)
