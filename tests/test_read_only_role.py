"""The public site runs on a read-only PostgreSQL role with exactly the grants
docs/operations.md lists (the SQL is read from the doc: one place for the rule). With the
grants the doc listed before, verify, the landing and licence pages, the enterprise page,
proofs and progress answered 500 (issue 27); every public page and endpoint must answer
without one."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, create_engine, make_url

from certsvc.credential.qr_text import qr_text, token_to_digits
from certsvc.domain.time import utcnow
from certsvc.publish.artefacts import publish_trust_list
from certsvc.publish.log import publish_log
from certsvc.signer.signer import Signer
from certsvc.workflow.issuance import IssuedLicence
from tests.conftest import ENTERPRISE_USCC, PUBLIC_URL, Api, application_body

pytestmark = pytest.mark.skipif(
    "postgresql" not in os.environ.get("CERTSVC_DATABASE_URL", ""),
    reason="database roles and grants: PostgreSQL")
DOC = Path(__file__).parent.parent / "docs" / "operations.md"
DOCUMENTED_ROLE = "certsvc_public"


def documented_grants(database: str, role: str) -> list[str]:
    text = DOC.read_text("utf-8")
    block = re.search(r"read-only database role.*?```sql\n(.*?)```", text, re.S)
    assert block, "docs/operations.md lists the public site's grants in a sql block"
    statements = [s.strip() for s in re.sub(r"--[^\n]*", "", block.group(1)).split(";")]
    return [s.replace("DATABASE certsvc ", f'DATABASE "{database}" ')
            .replace("PASSWORD '…'", "PASSWORD 'read-only-test'")
            .replace(DOCUMENTED_ROLE, role) for s in statements if s]


@pytest.fixture
def read_only_site(engine: Engine, database_url: str, signer: Signer,
                   tmp_path: Path) -> FlaskClient:
    from public_site import create_app

    url = make_url(database_url)
    role = f"{DOCUMENTED_ROLE}_{url.database}"[:63]  # roles are the cluster's: one per database
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if conn.exec_driver_sql(f"SELECT 1 FROM pg_roles WHERE rolname = '{role}'").first():
            conn.exec_driver_sql(f'DROP OWNED BY "{role}"')
            conn.exec_driver_sql(f'DROP ROLE "{role}"')
        for statement in documented_grants(str(url.database), role):
            conn.exec_driver_sql(statement)
    admin.dispose()
    publish_trust_list(signer, tmp_path / "trust-list.cose", utcnow())
    read_only = url.set(username=role, password="read-only-test")
    return create_app({"DATABASE_URL": read_only.render_as_string(hide_password=False),
                       "PUBLISH_DIR": str(tmp_path),
                       "ROOT_CERTIFICATE": str(signer.keystore.root_cert_path),
                       "PUBLIC_URL": PUBLIC_URL}).test_client()


def test_every_public_door_answers_on_the_documented_read_only_role(
        api: Api, issued: IssuedLicence, engine: Engine, signer: Signer,
        read_only_site: FlaskClient, tmp_path: Path) -> None:
    created = api.post("/api/v1/applications", "enterprise", application_body())
    assert created.status_code == 201 and created.json is not None
    publish_log(engine, signer, tmp_path, utcnow())
    number = issued.number.canonical
    qr = qr_text(PUBLIC_URL, issued.token)
    site = read_only_site
    answers = {
        "verify": site.post("/api/v1/verify", json={"qr_text": qr}),
        "landing": site.get(f"/V/{token_to_digits(issued.token)}"),
        "licence page": site.get(f"/licence/{number}"),
        "licence json": site.get(f"/api/v1/licences/{number}"),
        "metadata": site.get(f"/api/v1/licences/{number}/metadata"),
        "pdf": site.get(f"/licence/{number}.pdf"),
        "enterprise page": site.get(f"/enterprise/{ENTERPRISE_USCC}"),
        "enterprise json": site.get(f"/api/v1/enterprises/{ENTERPRISE_USCC}"),
        "search": site.get("/search?q=华光"),
        "search json": site.get("/api/v1/search?q=华光"),
        "institutions": site.get("/api/v1/institutions"),
        "progress": site.get(f"/progress?application={created.json['id']}"
                             f"&uscc={ENTERPRISE_USCC}"),
        "checkpoint": site.get("/log/checkpoint"),
        "inclusion": site.get("/api/v1/log/proof/inclusion?index=0"),
        "consistency": site.get("/api/v1/log/proof/consistency?old=0"),
        "register": site.get("/api/v1/register/tokens?bureau=33"),
        "readyz": site.get("/readyz"),
    }
    failed = {name: (a.status_code, a.get_data(as_text=True)[:200])
              for name, a in answers.items() if a.status_code >= 500}
    assert not failed, failed
    assert answers["verify"].json is not None
    assert answers["verify"].json["verdict"] == "valid"
    assert answers["progress"].status_code == 200
