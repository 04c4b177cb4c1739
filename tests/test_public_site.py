"""The public landing page through HTTP: the verdict, the licence, forged QRs, headers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from freezegun import freeze_time
from sqlalchemy import Engine

from certsvc.credential.qr_image import read_qr
from certsvc.credential.qr_text import token_to_digits
from certsvc.domain.licence import Licence, LicenceStatus
from certsvc.publish.artefacts import publish_trust_list
from certsvc.signer.signer import Signer
from certsvc.store import writer
from certsvc.workflow.issuance import IssuedLicence, Issuer
from public_site import create_app
from tests.conftest import ISSUE_TIME, REFERENCE


@pytest.fixture
def issued(issuer: Issuer) -> IssuedLicence:
    return issuer.issue(Licence.from_dict(json.loads(REFERENCE.read_text("utf-8"))), ISSUE_TIME)


@pytest.fixture
def client(
    tmp_path: Path, database_url: str, engine: Engine, signer: Signer
) -> FlaskClient:
    trust = tmp_path / "trust-list.cose"
    publish_trust_list(signer, trust, ISSUE_TIME)
    app = create_app({
        "DATABASE_URL": database_url, "TRUST_LIST": str(trust),
        "ROOT_CERTIFICATE": str(signer.keystore.root_cert_path),
        "PUBLIC_URL": "https://certsvc.example",
    })
    return app.test_client()


def landing_path(issued: IssuedLicence) -> str:
    return "/V/" + token_to_digits(issued.token)


@freeze_time("2026-06-01")
def test_valid_licence_page(client: FlaskClient, issued: IssuedLicence) -> None:
    page = client.get(landing_path(issued))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "有效" in html and "verdict-valid" in html
    for text in ("浙XK06-001-00012", "浙江杭州市西湖区华光电线电缆制造有限公司",
                 "架空绝缘电缆", "2031-03-14", "浙江省市场监督管理局", "北京时间"):
        assert text in html
    assert client.get(landing_path(issued).lower()).status_code == 200


@freeze_time("2026-06-01")
def test_status_change_shows_on_the_next_request(
    client: FlaskClient, issued: IssuedLicence, engine: Engine
) -> None:
    with engine.begin() as conn:
        writer.set_status(conn, issued.number, LicenceStatus.REVOKED, ISSUE_TIME)
    html = client.get(landing_path(issued)).get_data(as_text=True)
    assert "已撤销" in html and "verdict-revoked" in html


@freeze_time("2026-06-01")
def test_forged_qr_warns_and_shows_no_data(client: FlaskClient, issued: IssuedLicence) -> None:
    forged = bytearray(issued.token)
    forged[40] ^= 0x01  # inside the enterprise name
    page = client.get("/V/" + token_to_digits(bytes(forged)))
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "可能是假冒" in html and "counterfeit" in html
    assert "浙XK06-001-00012" not in html and "华光" not in html


def test_garbage_gets_a_friendly_page(client: FlaskClient) -> None:
    for path in ("/V/123", "/V/" + "9" * 5000, "/qr/nonsense.png", "/qr/浙XK06-001-00099.png"):
        page = client.get(path)
        assert page.status_code in (200, 404, 422), path
        assert "Traceback" not in page.get_data(as_text=True)


def test_security_headers(client: FlaskClient) -> None:
    headers = client.get("/").headers
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "script-src" not in headers["Content-Security-Policy"]  # default-src 'none'
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"


def test_home_lists_licences_with_decodable_qr(
    client: FlaskClient, issued: IssuedLicence
) -> None:
    assert "浙XK06-001-00012" in client.get("/").get_data(as_text=True)
    png = client.get("/qr/浙XK06-001-00012.png")
    assert png.mimetype == "image/png"
    assert read_qr(png.data) == issued.qr_text
    assert client.get("/qr/浙XK06-001-00012.svg").mimetype == "image/svg+xml"
