"""The public site and public JSON API through HTTP: verdicts, pages, search, the PDF, the
published files, and hostile input everywhere (never a 500, never a stack trace)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from freezegun import freeze_time
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from certsvc.credential.qr_image import qr_png, read_qr
from certsvc.credential.qr_text import token_to_digits
from certsvc.domain.licence import Licence, LicenceStatus
from certsvc.domain.time import utcnow
from certsvc.publish.artefacts import publish_status_list, publish_trust_list
from certsvc.signer.signer import Signer
from certsvc.store import writer
from certsvc.workflow.issuance import IssuedLicence, Issuer
from public_site import create_app
from public_site.app import SECURITY_HEADERS
from tests.conftest import ISSUE_TIME, REFERENCE

NUMBER = "浙XK06-001-00012"


def reference_data() -> dict[str, object]:
    data: dict[str, object] = json.loads(REFERENCE.read_text("utf-8"))
    return data


@pytest.fixture
def issued(issuer: Issuer) -> IssuedLicence:
    return issuer.issue(Licence.from_dict(reference_data()), ISSUE_TIME)


@pytest.fixture
def published(tmp_path: Path, signer: Signer, engine: Engine) -> Path:
    publish_trust_list(signer, tmp_path / "trust-list.cose", utcnow())  # the site's clock
    return tmp_path


def make_client(database_url: str, published: Path, signer: Signer, **config: object
                ) -> FlaskClient:
    app = create_app({
        "DATABASE_URL": database_url, "PUBLISH_DIR": str(published),
        "ROOT_CERTIFICATE": str(signer.keystore.root_cert_path),
        "PUBLIC_URL": "https://certsvc.example", **config,
    })
    return app.test_client()


@pytest.fixture
def client(database_url: str, published: Path, signer: Signer) -> FlaskClient:
    return make_client(database_url, published, signer)


def landing_path(issued: IssuedLicence) -> str:
    return "/V/" + token_to_digits(issued.token)


def set_status(engine: Engine, issued: IssuedLicence, status: LicenceStatus) -> None:
    with engine.begin() as conn:
        writer.set_status(conn, issued.number, status, ISSUE_TIME,
                          {"action": status.value, "reason": "抽查不合格",
                           "legal_basis": "条例第四十五条"})


# --- the landing page ----------------------------------------------------------------------
@freeze_time("2026-06-01")
def test_valid_licence_page(client: FlaskClient, issued: IssuedLicence) -> None:
    page = client.get(landing_path(issued))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<h1 id="verdict">有效</h1>' in html and "verdict-valid" in html
    for text in (NUMBER, "浙江杭州市西湖区华光电线电缆制造有限公司", "架空绝缘电缆", "2031-03-14",
                 "浙江省市场监督管理局", "北京时间", "产品标准自我声明"):
        assert text in html
    assert f'href="/licence/{NUMBER}.pdf"' in html
    assert client.get(landing_path(issued).lower()).status_code == 200


@freeze_time("2026-06-01")
@pytest.mark.parametrize(("status", "word"), [
    (LicenceStatus.SUSPENDED, "已暂停"), (LicenceStatus.REVOKED, "已撤销"),
    (LicenceStatus.CANCELLED, "已注销")])
def test_status_change_shows_on_the_next_request(
    client: FlaskClient, issued: IssuedLicence, engine: Engine, status: LicenceStatus, word: str
) -> None:
    set_status(engine, issued, status)
    html = client.get(landing_path(issued)).get_data(as_text=True)
    assert f'<h1 id="verdict">{word}</h1>' in html
    assert "抽查不合格" in html and "条例第四十五条" in html  # the reason, publicly


@freeze_time("2031-03-20")
def test_expired(client: FlaskClient, issued: IssuedLicence) -> None:
    html = client.get(landing_path(issued)).get_data(as_text=True)
    assert '<h1 id="verdict">已过期</h1>' in html and "verdict-expired" in html
    # the detail in the page's language (it was the verifier's English, found running make run)
    assert '<p class="detail">有效期至 2031-03-14</p>' in html and "valid until" not in html
    english = client.get(landing_path(issued) + "?lang=en").get_data(as_text=True)
    assert '<p class="detail">valid until 2031-03-14</p>' in english


@freeze_time("2026-06-01")
def test_forged_qr_warns_and_shows_no_data(client: FlaskClient, issued: IssuedLicence) -> None:
    forged = bytearray(issued.token)
    forged[40] ^= 0x01  # inside the enterprise name
    for lang, warning in (("zh", "可能是假冒"), ("en", "counterfeit")):
        page = client.get("/V/" + token_to_digits(bytes(forged)) + f"?lang={lang}")
        html = page.get_data(as_text=True)
        assert page.status_code == 200
        assert warning in html and ("无法验证" in html or "Cannot be verified" in html)
        assert NUMBER not in html and "华光" not in html


@freeze_time("2026-06-01")
def test_english_switch_is_remembered(client: FlaskClient, issued: IssuedLicence) -> None:
    english = client.get(landing_path(issued) + "?lang=en")
    html = english.get_data(as_text=True)
    assert '<h1 id="verdict">Valid</h1>' in html and 'lang="en"' in html
    assert "Aerial insulated cables" in html
    assert "lang=en" in english.headers["Set-Cookie"]
    again = client.get(landing_path(issued)).get_data(as_text=True)  # the cookie remembers
    assert '<h1 id="verdict">Valid</h1>' in again
    back = client.get("/?lang=zh").get_data(as_text=True)
    assert "工业产品生产许可证查验" in back


@freeze_time("2026-06-01")
def test_enterprise_supplied_text_is_escaped(issuer: Issuer, client: FlaskClient) -> None:
    data = reference_data()
    data["number"] = None
    data["enterprise"] = dict(data["enterprise"], name="<script>alert(1)</script>")  # type: ignore[arg-type]
    hostile = issuer.issue(Licence.from_dict(data), ISSUE_TIME)
    for path in (landing_path(hostile), f"/licence/{hostile.number}",
                 "/enterprise/91330106MA2H7K3LXA", "/search?q=script", "/"):
        html = client.get(path).get_data(as_text=True)
        assert "<script>alert(1)</script>" not in html, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, path


# --- search, enterprise, licence, PDF ---------------------------------------------------------
@freeze_time("2026-06-01")
def test_search_by_number_uscc_and_partial_name(
    client: FlaskClient, issued: IssuedLicence
) -> None:
    for query in ("（浙）XK06-001-00012", "91330106MA2H7K3LXA", "华光", "电线电缆制造"):
        html = client.get("/search", query_string={"q": query}).get_data(as_text=True)
        assert NUMBER in html, query
    none = client.get("/search", query_string={"q": "不存在的企业"}).get_data(as_text=True)
    assert "没有找到" in none
    api = client.get("/api/v1/search", query_string={"q": "华光"}).json
    assert api is not None and api["total"] == 1 and api["kind"] == "name"
    assert api["items"][0]["number"] == NUMBER


@freeze_time("2026-06-01")
def test_search_is_paginated(client: FlaskClient, issuer: Issuer) -> None:
    data = reference_data()
    data["number"] = None
    for _ in range(25):
        issuer.issue(Licence.from_dict(data), ISSUE_TIME)
    first = client.get("/api/v1/search", query_string={"q": "华光"}).json
    second = client.get("/api/v1/search", query_string={"q": "华光", "page": 2}).json
    assert first is not None and second is not None
    assert first["total"] == second["total"] == 25
    assert len(first["items"]) == 20 and len(second["items"]) == 5
    assert not {i["number"] for i in first["items"]} & {i["number"] for i in second["items"]}
    html = client.get("/search", query_string={"q": "华光"}).get_data(as_text=True)
    assert 'rel="next"' in html and "第 1 页，共 2 页" in html


@freeze_time("2026-06-01")
def test_enterprise_page_and_api(client: FlaskClient, issued: IssuedLicence) -> None:
    html = client.get("/enterprise/91330106MA2H7K3LXA").get_data(as_text=True)
    assert NUMBER in html and "浙江省杭州市" in html
    body = client.get("/api/v1/enterprises/91330106MA2H7K3LXA").json
    assert body is not None and body["licences"][0]["number"] == NUMBER
    bad = client.get("/api/v1/enterprises/91330106MA2H7K3LXB")
    assert bad.status_code == 422 and bad.json is not None and bad.json["field"] == "uscc"
    assert client.get("/enterprise/91330106MA2H7K3LXB").status_code == 422


@freeze_time("2026-06-01")
def test_printable_licence_pdf_has_the_fields_and_a_scannable_qr(
    client: FlaskClient, issued: IssuedLicence
) -> None:
    import pypdfium2

    response = client.get(f"/licence/{NUMBER}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    document = pypdfium2.PdfDocument(response.data)
    page = document[0]
    text = page.get_textpage().get_text_range()
    for field in ("全国工业产品生产许可证", NUMBER, "浙江杭州市西湖区华光电线电缆制造有限公司",
                  "91330106MA2H7K3LXA", "架空绝缘电缆", "2031-03-14", "浙江省市场监督管理局",
                  "有效"):
        assert field in text, field
    image = page.render(scale=3).to_pil()
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    assert read_qr(buffer.getvalue()) == issued.qr_text


# --- the public JSON API -------------------------------------------------------------------
@freeze_time("2026-06-01")
def test_licence_api_with_etag(client: FlaskClient, issued: IssuedLicence, engine: Engine
                               ) -> None:
    response = client.get(f"/api/v1/licences/{NUMBER}")
    body = response.json
    assert body is not None and body["verdict"] == "valid" and body["status"] == "valid"
    assert body["qr_text"] == issued.qr_text
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Cache-Control"] == "no-cache"
    etag = response.headers["ETag"]
    assert client.get(f"/api/v1/licences/{NUMBER}",
                      headers={"If-None-Match": etag}).status_code == 304
    set_status(engine, issued, LicenceStatus.SUSPENDED)
    changed = client.get(f"/api/v1/licences/{NUMBER}", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.json is not None
    assert changed.json["verdict"] == "suspended"
    assert changed.json["status_detail"]["reason"] == "抽查不合格"
    missing = client.get("/api/v1/licences/浙XK06-001-00099")
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"


@freeze_time("2026-06-01")
def test_verify_api_accepts_qr_text_token_or_number(
    client: FlaskClient, issued: IssuedLicence
) -> None:
    for body in ({"qr_text": issued.qr_text}, {"token": issued.token.hex()},
                 {"number": "(浙)XK06-001-00012"}, {"qr_text": issued.qr_text,
                                                     "product": "架空绝缘电缆"}):
        response = client.post("/api/v1/verify", json=body)
        assert response.status_code == 200, body
        assert response.json is not None and response.json["verdict"] == "valid", body
        assert response.json["licence"]["number"] == NUMBER
    outside = client.post("/api/v1/verify", json={"qr_text": issued.qr_text, "product": "安全帽"})
    assert outside.json is not None and outside.json["verdict"] == "product_not_in_scope"
    forged = client.post("/api/v1/verify", json={"qr_text": issued.qr_text[:-3] + "000"})
    assert forged.json is not None and forged.json["valid"] is False
    assert forged.json["licence"] is None
    preflight = client.options("/api/v1/verify", headers={
        "Origin": "https://shop.example", "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize(("body", "status"), [
    (b"{", 422), (b"[]", 422), (b"null", 422), (b'{"qr_text": 5}', 422),
    (b'{"qr_text": "x", "number": "y"}', 422), (b"{}", 422), (b'{"token": "zz!"}', 422),
    (b'{"number": "nonsense"}', 422), (b'{"qr_text": "HTTPS://X/V/12"}', 200),
    (b'{"qr_text": "' + b"9" * 20000 + b'"}', 413), (b'{"product": {"a": 1}, "qr_text": "1"}', 422),
])
def test_verify_api_hostile_bodies(client: FlaskClient, body: bytes, status: int) -> None:
    response = client.post("/api/v1/verify", data=body, content_type="application/json")
    assert response.status_code == status, response.json
    if status >= 400:
        assert response.mimetype == "application/problem+json"
        assert response.json is not None and response.json["type"].startswith("urn:certsvc:")


def test_control_characters_in_a_search_are_refused(client: FlaskClient) -> None:
    """Found by the property test below on PostgreSQL, which refuses NUL in text."""
    for q in ("\x00", "华光\x00", "\x1b[2J"):
        for path in ("/search", "/api/v1/search"):
            response = client.get(path, query_string={"q": q})
            assert response.status_code == 422, (path, q)


@given(st.one_of(st.text(max_size=300), st.binary(max_size=300).map(
    lambda b: b.decode("latin-1"))))
@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_no_input_makes_a_500(client: FlaskClient, text: str) -> None:
    quoted = text.replace("/", "%2F").replace("?", "%3F").replace("#", "%23")
    for path in (f"/V/{quoted}", f"/licence/{quoted}", f"/enterprise/{quoted}",
                 f"/api/v1/licences/{quoted}", f"/api/v1/enterprises/{quoted}"):
        assert client.get(path).status_code < 500, path
    assert client.get("/search", query_string={"q": text}).status_code < 500
    assert client.get("/api/v1/search", query_string={"q": text, "page": text}
                      ).status_code < 500
    assert client.post("/api/v1/verify", json={"qr_text": text}).status_code < 500
    assert client.post("/api/v1/verify", data=text.encode("utf-8", "surrogatepass"),
                       content_type="application/json").status_code < 500


@freeze_time("2026-06-01 02:00:10")
def test_rate_limit_is_429_with_retry_after(database_url: str, published: Path,
                                             signer: Signer) -> None:
    client = make_client(database_url, published, signer, PUBLIC_API_RATE_LIMIT="3 per minute")
    codes = [client.get("/api/v1/search?q=x").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    limited = client.get("/api/v1/search?q=x")
    assert limited.mimetype == "application/problem+json"
    assert limited.headers["Retry-After"] == "50"  # until the minute's window ends
    assert client.get("/").status_code == 200  # pages are not the API's budget


def test_published_files_with_etag(client: FlaskClient, published: Path, engine: Engine,
                                   signer: Signer) -> None:
    missing = client.get("/.well-known/certsvc/status-list")
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"
    publish_status_list(engine, signer, published, ISSUE_TIME)
    for name in ("trust-list", "status-list"):
        response = client.get(f"/.well-known/certsvc/{name}")
        assert response.status_code == 200 and response.mimetype == "application/cose"
        assert response.data == (published / f"{name}.cose").read_bytes()
        assert "max-age" in response.headers["Cache-Control"]
        assert client.get(f"/.well-known/certsvc/{name}", headers={
            "If-None-Match": response.headers["ETag"]}).status_code == 304
    trust = client.get("/trust").get_data(as_text=True)
    assert "版本 1" in trust and "/.well-known/certsvc/trust-list" in trust


# --- scanning a photo -------------------------------------------------------------------------
@freeze_time("2026-06-01")
def test_upload_a_photo_of_the_label(client: FlaskClient, issued: IssuedLicence) -> None:
    from PIL import Image

    label = Image.new("RGB", (900, 700), "white")
    code = Image.open(io.BytesIO(qr_png(issued.qr_text))).convert("RGB")
    code = code.rotate(7, fillcolor="white")
    label.paste(code, (180, 120))
    photo = io.BytesIO()
    label.save(photo, format="JPEG", quality=80)
    response = client.post("/scan", data={"photo": (io.BytesIO(photo.getvalue()), "label.jpg")},
                           content_type="multipart/form-data")
    assert response.status_code == 303
    assert response.headers["Location"] == landing_path(issued)


def test_upload_limits(client: FlaskClient) -> None:
    def upload(data: bytes) -> int:
        return client.post("/scan", data={"photo": (io.BytesIO(data), "x")},
                           content_type="multipart/form-data").status_code

    assert upload(b"not an image at all") == 415
    assert upload(b"\x89PNG" + bytes(100)) == 422  # a PNG header, no picture
    assert upload(b"\xff\xd8\xff" + bytes(5 * 1024 * 1024 + 10)) == 413
    assert upload(b"\xff\xd8\xff" + bytes(7 * 1024 * 1024)) == 413  # over the request cap
    blank = io.BytesIO()
    from PIL import Image

    Image.new("RGB", (50, 50), "white").save(blank, format="PNG")
    assert upload(blank.getvalue()) == 422


# --- headers and the rest ---------------------------------------------------------------------
def test_security_headers(client: FlaskClient) -> None:
    headers = client.get("/").headers
    policy = headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"


@pytest.mark.parametrize(("method", "path", "api"), [
    ("GET", "/", False), ("GET", "/nowhere", False), ("GET", "/V/123", False),
    ("GET", "/api/v1/search?q=x", True), ("POST", "/api/v1/verify", True),
    ("GET", "/api/v1/nowhere", True), ("GET", "/.well-known/certsvc/trust-list", True),
])
def test_every_response_carries_each_security_header_once(
    client: FlaskClient, method: str, path: str, api: bool
) -> None:
    headers = client.open(path, method=method, data=b"{").headers
    for name, value in SECURITY_HEADERS.items():
        assert headers.getlist(name) == [value], name
    assert headers.getlist("Access-Control-Allow-Origin") == (["*"] if api else [])


def test_garbage_gets_a_friendly_page(client: FlaskClient) -> None:
    for path in ("/V/123", "/V/" + "9" * 5000, "/qr/nonsense.png", "/qr/浙XK06-001-00099.png",
                 "/licence/nonsense", "/nowhere"):
        page = client.get(path)
        assert page.status_code in (200, 404, 422), path
        assert page.mimetype == "text/html"
        assert "Traceback" not in page.get_data(as_text=True)


def test_home_lists_licences_with_decodable_qr(
    client: FlaskClient, issued: IssuedLicence
) -> None:
    assert NUMBER in client.get("/").get_data(as_text=True)
    png = client.get(f"/qr/{NUMBER}.png")
    assert png.mimetype == "image/png"
    assert read_qr(png.data) == issued.qr_text
    assert client.get(f"/qr/{NUMBER}.svg").mimetype == "image/svg+xml"


def test_openapi_documents_every_public_api_route(client: FlaskClient) -> None:
    document = client.get("/api/v1/openapi.json").json
    assert document is not None
    for rule in client.application.url_map.iter_rules():
        if rule.rule.startswith(("/api/", "/.well-known/")):
            path = rule.rule.replace("<number>", "{number}").replace("<uscc>", "{uscc}")
            assert path in document["paths"], path


def test_rate_limit_windows() -> None:
    from public_site.ratelimit import parse_limit

    limit = parse_limit("2 per minute")
    assert [limit.hit("a", 120.0), limit.hit("a", 130.0), limit.hit("a", 179.5)] == [
        None, None, 1]
    assert limit.hit("b", 179.9) is None  # each client counts alone
    assert limit.hit("a", 180.0) is None  # a new window
    for bad in ("2/minute", "two per minute", "2 per fortnight", "0 per second"):
        with pytest.raises(ValueError):
            parse_limit(bad)


@freeze_time("2031-03-20")
def test_lists_show_an_expired_licence_as_expired(client: FlaskClient,
                                                   issued: IssuedLicence) -> None:
    """Found looking at the home page: an expired licence was listed as 有效."""
    for path in ("/", "/search?q=华光", "/enterprise/91330106MA2H7K3LXA"):
        html = client.get(path).get_data(as_text=True)
        assert "status-expired" in html and "已过期" in html, path
        assert "status-valid" not in html, path
