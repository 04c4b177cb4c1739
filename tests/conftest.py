"""Shared fixtures: real keys (made once per session), a real database, a fixed clock.

The database is SQLite in a temporary folder unless ``CERTSVC_DATABASE_URL`` names another
(CI runs the suite a second time on PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from flask.testing import FlaskClient
from freezegun import freeze_time
from sqlalchemy import URL, Engine, delete, make_url
from werkzeug.test import TestResponse

from certsvc.cli import main
from certsvc.credential.trust_list import TrustList, load_root_public_key
from certsvc.domain.documents import EXAMPLE_PDF, EXAMPLE_REFERENCE
from certsvc.domain.licence import Licence
from certsvc.domain.time import utcnow
from certsvc.signer.keystore import KeyStore
from certsvc.signer.secret_box import secret_box
from certsvc.signer.signer import Signer
from certsvc.store.append_only import create_triggers, drop_triggers
from certsvc.store.db import make_engine, migrate
from certsvc.store.models import Base
from certsvc.workflow.issuance import IssuedLicence, Issuer

KEYS_CREATED = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
ISSUE_TIME = dt.datetime(2026, 3, 15, 2, 0, tzinfo=dt.UTC)
VERIFY_TIME = dt.datetime(2026, 6, 1, 4, 0, tzinfo=dt.UTC)
PASSPHRASE = b"test passphrase"
PUBLIC_URL = "https://certsvc.example"
REFERENCE = Path(__file__).parent / "data" / "reference-licence.json"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that touches no database says nothing new on a second database: CI's
    PostgreSQL pass skips it (its SQLite pass ran it)."""
    if "postgresql" not in os.environ.get("CERTSVC_DATABASE_URL", ""):
        return
    once = pytest.mark.skip(reason="no database in it: run once, in the SQLite pass")
    for item in items:
        if item.get_closest_marker("no_database"):
            item.add_marker(once)


@pytest.fixture(scope="session")
def pristine_keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("keys-pristine") / "keys"
    KeyStore(directory, PASSPHRASE).init(KEYS_CREATED)
    # the console's secret box too: made here once, its data key is unwrapped once per
    # process (scrypt, slow on purpose) instead of made and unwrapped again in every test
    secret_box(directory, PASSPHRASE)
    return directory


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashes() -> Iterator[None]:
    """argon2id at RFC 9106's parameters costs 0.1 s a hash on purpose; at a hash and a check
    per signed-in test that was a third of the suite. Tests hash with the cheapest
    parameters; ``test_console_signin`` pins the production ones."""
    from argon2 import PasswordHasher, profiles

    from certsvc.workflow import signin

    production = signin.HASHER
    signin.HASHER = PasswordHasher.from_parameters(profiles.CHEAPEST)
    yield
    signin.HASHER = production


@pytest.fixture(scope="session", autouse=True)
def _cheap_key_files() -> Iterator[None]:
    """An SM2 key file costs 65,536 PBKDF2-HMAC-SM3 rounds to write and to open, on purpose;
    tests that make 32 SM2 keys would spend seconds on it. ``test_sm_pbes2`` pins the
    production count."""
    from certsvc.signer import sm_pbes2

    production = sm_pbes2.ITERATIONS
    sm_pbes2.ITERATIONS = 16
    yield
    sm_pbes2.ITERATIONS = production


@pytest.fixture(scope="session", autouse=True)
def _certificates_first_made_outside_freezegun(pristine_keys: Path) -> None:
    """cryptography's Rust code remembers the datetime type of the first certificate it
    builds; if that happens under freezegun it is FakeDatetime, and every later real datetime
    is refused. Making the session's keys first, with the real clock, keeps the order of
    tests from mattering."""


@pytest.fixture
def keystore(pristine_keys: Path, tmp_path: Path) -> KeyStore:
    """A private copy of the session's keys, so rotation and revocation stay in one test."""
    directory = tmp_path / "keys"
    shutil.copytree(pristine_keys, directory)
    return KeyStore(directory, PASSPHRASE)


@pytest.fixture
def signer(keystore: KeyStore) -> Signer:
    return Signer(keystore)


def load_trust_list(signer: Signer, now: dt.datetime = VERIFY_TIME) -> TrustList:
    """The trust list as published at ``now`` (current for a week after)."""
    root = load_root_public_key(signer.keystore.root_certificate_pem())
    return TrustList.load(signer.trust_list(now), root)


@pytest.fixture
def trust_list(signer: Signer) -> TrustList:
    return load_trust_list(signer)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> str:
    """SQLite in the session's (so the worker's) temporary folder, or the PostgreSQL
    database named by ``CERTSVC_DATABASE_URL`` — with pytest-xdist, a database of each
    worker's own beside it (``test_gw0``, …), made here if missing."""
    url = os.environ.get("CERTSVC_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    if worker_id == "master" or "postgresql" not in url:
        return url
    return _worker_database(make_url(url), f"{make_url(url).database}_{worker_id}")


def _worker_database(base: URL, name: str) -> str:
    from sqlalchemy import create_engine, text

    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}) is None:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def session_engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    with engine.begin() as conn:  # start clean, whatever an earlier run left behind
        for table in reversed(Base.metadata.sorted_tables):
            table.drop(conn, checkfirst=True)
        conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        if conn.dialect.name == "postgresql":  # the name search's function (migration 0010)
            conn.exec_driver_sql("DROP FUNCTION IF EXISTS certsvc_bigrams(text) CASCADE")
        if conn.dialect.name == "sqlite":  # the name search's FTS5 table (migration 0010)
            conn.exec_driver_sql("DROP TABLE IF EXISTS licence_name_terms")
            conn.exec_driver_sql("DROP TABLE IF EXISTS licence_names")
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def engine(session_engine: Engine) -> Engine:
    """The session's database, emptied (the append-only audit log included)."""
    with session_engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(t.name for t in Base.metadata.sorted_tables)
            conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY")
        else:
            drop_triggers(conn)
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(delete(table))
            create_triggers(conn)
    return session_engine


@pytest.fixture
def issuer(engine: Engine, signer: Signer) -> Issuer:
    return Issuer(engine, signer, PUBLIC_URL)


# --- the bureau API -----------------------------------------------------------------------
ENTERPRISE_USCC = "91330106MA2H7K3LXA"  # the reference licence's holder, in Zhejiang (33)
OTHER_USCC = "91320400MA1MXXXX0X"[:17]


@dataclass
class Api:
    """The bureau service over HTTP, with one account (and token) per role."""

    client: FlaskClient
    engine: Engine
    publish_dir: Path
    tokens: dict[str, str]
    accounts: dict[str, int]
    institutions: dict[str, int]
    review_bodies: dict[str, int]

    def call(self, method: str, path: str, who: str | None, body: Any = None,
             **headers: str) -> TestResponse:
        if who is not None:
            headers["Authorization"] = f"Bearer {self.tokens[who]}"
        return self.client.open(path, method=method, json=body, headers=headers)

    def post(self, path: str, who: str | None, body: Any = None, **headers: str
             ) -> TestResponse:
        return self.call("POST", path, who, body, **headers)

    def get(self, path: str, who: str | None) -> TestResponse:
        return self.call("GET", path, who)


@pytest.fixture
def api(engine: Engine, database_url: str, keystore: KeyStore, tmp_path: Path) -> Api:
    from certsvc.api.app import create_app
    from certsvc.domain.accounts import Role
    from certsvc.domain.sharing import FEED_FAMILIES
    from certsvc.domain.uscc import check_character
    from certsvc.store import accounts

    other_uscc = OTHER_USCC + check_character(OTHER_USCC)
    publish_dir = tmp_path / "published"
    app = create_app({
        "DATABASE_URL": database_url, "KEYS_DIR": str(keystore.directory),
        "KEY_PASSPHRASE": PASSPHRASE, "PUBLISH_DIR": str(publish_dir),
        "PUBLIC_URL": PUBLIC_URL, "DOCUMENTS_DIR": str(tmp_path / "documents"),
    })
    tokens, ids = {}, {}
    with engine.begin() as conn:
        review_bodies = {name: review_body(conn, name) for name in REVIEW_BODIES}
        institutions = {
            "level1": accounts.create_institution(conn, "浙江省检测院", "CMA-1", 1, True),
            "level3": accounts.create_institution(conn, "某市检测所", "CMA-3", 3, True),
            "unfiled": accounts.create_institution(conn, "未备案检测机构", "CMA-X", 2, False),
            "other": accounts.create_institution(conn, "江苏省检测院", "CMA-2", 2, True),
        }
        for who, role, extra in (
            ("national", Role.NATIONAL, {"bureau_code": "00", "staff_admin": True}),
            ("zhejiang", Role.PROVINCIAL, {"bureau_code": "33", "staff_admin": True}),
            ("zhejiang_clerk", Role.PROVINCIAL, {"bureau_code": "33"}),
            ("jiangsu", Role.PROVINCIAL, {"bureau_code": "32"}),
            ("enterprise", Role.ENTERPRISE, {"uscc": ENTERPRISE_USCC}),
            ("other_enterprise", Role.ENTERPRISE, {"uscc": other_uscc}),
            ("institution", Role.INSTITUTION, {"institution_id": institutions["level1"]}),
            ("other_institution", Role.INSTITUTION, {"institution_id": institutions["other"]}),
            ("auditor", Role.AUDITOR, {}),
            ("department", Role.DEPARTMENT, {"granted_kinds": sorted(FEED_FAMILIES)}),
            ("review_body", Role.REVIEW_BODY, {"review_body_id": review_bodies["zhejiang"]}),
            # the county of the reference enterprise (杭州市西湖区), and another county of the
            # same city (上城区)
            ("county", Role.LOCAL, {"bureau_code": "33", "area_code": "330106"}),
            ("other_county", Role.LOCAL, {"bureau_code": "33", "area_code": "330102"}),
            ("insurer", Role.INSURER, {}),
            ("other_review_body", Role.REVIEW_BODY,
             {"review_body_id": review_bodies["jiangsu"]}),
        ):
            ids[who] = accounts.create_account(conn, role, who, KEYS_CREATED, **extra)
            _, tokens[who] = accounts.create_token(conn, ids[who], KEYS_CREATED,
                                                   dt.timedelta(days=3650))
    documents = app.extensions["certsvc"].documents
    for who in ("enterprise", "other_enterprise", "institution"):  # the example, by each
        with engine.connect() as conn:
            principal = accounts.principal_for_account(conn, ids[who])
        documents.upload(principal, "营业执照.pdf", EXAMPLE_PDF, KEYS_CREATED, "fixture")
    return Api(app.test_client(), engine, publish_dir, tokens, ids, institutions,
               review_bodies)


# Two review bodies: Zhejiang's (registered for every product, five reviewers: one more
# than a visit may have) and Jiangsu's (three).
REVIEW_BODIES = {
    "zhejiang": ("浙江省产品质量审查中心", "33", ["SC-33-2021-0012", "SC-33-2022-0031",
                                                "SC-33-2023-0007", "SC-33-2024-0044",
                                                "SC-33-2024-0045"]),
    "jiangsu": ("江苏省产品质量审查中心", "32", ["SC-32-2020-0101", "SC-32-2021-0102",
                                                "SC-32-2022-0103"]),
}
REVIEWERS = REVIEW_BODIES["zhejiang"][2][:2]  # the two who visit in most tests


def review_body(conn: Any, which: str) -> int:
    from certsvc.domain.catalogue import catalogue
    from certsvc.domain.uscc import check_character
    from certsvc.store import oversight, review_bodies

    name, keeper, reviewers = REVIEW_BODIES[which]
    body = f"12{keeper}0000470003{len(which):03d}"
    body_id = oversight.insert_row(conn, review_bodies.BODIES, {
        "name": name, "uscc": body + check_character(body), "keeper_code": keeper,
        "qualification": f"{name}资质", "unit_ids": sorted(catalogue().units),
        "status": "active", "registered_at": KEYS_CREATED})
    for number in reviewers:
        oversight.insert_row(conn, review_bodies.REVIEWERS, {
            "body_id": body_id, "name": f"审查员{number[-4:]}", "qualification_number": number,
            "registered_at": KEYS_CREATED})
    return body_id


def onsite(api: Api, path: str, action: str = "record_onsite", **fields: Any) -> Any:
    """The on-site visit of an application (``record_onsite``) or after a licence issued on
    commitment (``record_post_review``): Zhejiang assigns its review body and two reviewers,
    the body records what it found (passed unless ``fields`` say otherwise)."""
    assigned = api.post(f"{path}/assign_review", "zhejiang", {
        "review_body_id": api.review_bodies["zhejiang"], "reviewers": REVIEWERS})
    assert assigned.status_code == 200, assigned.json
    return api.post(f"{path}/{action}", "review_body",
                    {"passed": True, "reviewers": REVIEWERS, **fields})


def application_body(**changes: Any) -> dict[str, Any]:
    """A new-licence application by the reference enterprise to the Zhejiang bureau."""
    body = {
        "kind": "new", "bureau": "浙江省市场监督管理局",
        "enterprise": {"name": "浙江杭州市西湖区华光电线电缆制造有限公司",
                       "uscc": ENTERPRISE_USCC, "residence": "浙江省杭州市西湖区文三路100号",
                       "production_address": "浙江省杭州市余杭区良渚工业园8号"},
        "scope": ["架空绝缘电缆", "聚氯乙烯绝缘电缆"],
        "materials": {"business_licence": EXAMPLE_REFERENCE,
                      "application_form": EXAMPLE_REFERENCE, "commitment": EXAMPLE_REFERENCE},
    }
    body.update(changes)
    return body


# --- the command line ---------------------------------------------------------------------
@pytest.fixture(autouse=True)
def _verifier_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``certsvc verify`` remembers trust-list sequences; each test starts with no memory,
    and none is written to the home directory."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


@pytest.fixture
def env(tmp_path: Path, database_url: str, engine: Engine) -> dict[str, str]:
    return {
        "CERTSVC_KEYS_DIR": str(tmp_path / "keys"),
        "CERTSVC_PUBLISH_DIR": str(tmp_path / "published"),
        "CERTSVC_DOCUMENTS_DIR": str(tmp_path / "documents"),
        "CERTSVC_DATABASE_URL": database_url,
        "CERTSVC_KEY_PASSPHRASE": "cli test passphrase",
        "CERTSVC_PUBLIC_URL": "https://certsvc.example",
    }


def run(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def init_keys(env: dict[str, str]) -> Result:
    with freeze_time("2026-01-01"):
        return run(env, "keys", "init")


# --- the public site, with the reference licence issued -------------------------------------
@pytest.fixture
def issued(issuer: Issuer) -> IssuedLicence:
    return issuer.issue(Licence.from_dict(json.loads(REFERENCE.read_text("utf-8"))), ISSUE_TIME)


@pytest.fixture
def site(database_url: str, signer: Signer, tmp_path: Path) -> FlaskClient:
    """The public site on the test database, with the trust list published."""
    from certsvc.publish.artefacts import publish_trust_list
    from public_site import create_app

    publish_trust_list(signer, tmp_path / "trust-list.cose", utcnow())  # the site's clock
    return create_app({"DATABASE_URL": database_url, "PUBLISH_DIR": str(tmp_path),
                       "ROOT_CERTIFICATE": str(signer.keystore.root_cert_path),
                       "PUBLIC_URL": PUBLIC_URL}).test_client()


def signin_of(api: Api) -> Any:
    """The app's sign-in service (its TOTP seeds sealed under the test keys)."""
    return api.client.application.extensions["certsvc"].signin


@pytest.fixture(autouse=True)
def _data_file_calendar() -> Iterator[None]:
    """Each test starts and ends with the data file's calendar in force: a holiday notice a
    test loads is put in force process-wide, as it would be in a server."""
    from certsvc.domain.calendar import from_data_file, install

    install(from_data_file())
    yield
    install(from_data_file())
