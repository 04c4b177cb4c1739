"""The public site in a real browser: Debian's Chromium driven by Playwright, on a phone-sized
screen, against a live server on a real database. Screenshots go to test-artifacts/.

Covers the landing page for a valid, suspended, revoked, expired and forged QR, search, the
English switch, the XSS case, uploading a photo of a label, and the site with JavaScript off.
"""

from __future__ import annotations

import io
import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from sqlalchemy import Engine
from werkzeug.serving import make_server

from certsvc.credential.qr_image import qr_png
from certsvc.credential.qr_text import token_to_digits
from certsvc.domain.declarations import STANDARD_COMMITMENT, parse_declaration
from certsvc.domain.licence import Licence, LicenceStatus
from certsvc.domain.time import utcnow
from certsvc.publish.artefacts import publish_trust_list
from certsvc.signer.signer import Signer
from certsvc.store import declarations, writer
from certsvc.workflow.issuance import IssuedLicence, Issuer
from public_site import create_app
from tests.conftest import ISSUE_TIME, REFERENCE

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).parent.parent / "test-artifacts" / "screenshots"
PHONE = {"width": 390, "height": 844}

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="make test installs chromium")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                              args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture
def site(engine: Engine, database_url: str, signer: Signer, tmp_path: Path) -> Iterator[str]:
    publish_trust_list(signer, tmp_path / "trust-list.cose", utcnow())  # the site's clock
    app = create_app({"DATABASE_URL": database_url, "PUBLISH_DIR": str(tmp_path),
                      "ROOT_CERTIFICATE": str(signer.keystore.root_cert_path),
                      "PUBLIC_URL": "https://certsvc.example"})
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()
    thread.join()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    yield context.new_page()
    context.close()


def reference(**changes: object) -> Licence:
    data = json.loads(REFERENCE.read_text("utf-8")) | changes
    return Licence.from_dict(data)


def shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def landing(site: str, issued: IssuedLicence, token: bytes | None = None) -> str:
    return f"{site}/V/{token_to_digits(token or issued.token)}"


def test_valid_licence(page: Page, site: str, issuer: Issuer, engine: Engine) -> None:
    issued = issuer.issue(reference(), ISSUE_TIME)
    content = parse_declaration({
        "items": [{"unit": "架空绝缘电缆", "standards": ["GB/T 12527-2008"]},
                  {"unit": "聚氯乙烯绝缘电缆", "standards": ["Q/HGDL 001-2024"],
                   "enterprise_standard": {"indicators": [
                       {"name": "导体直流电阻", "value": "≤ 1.83 Ω/km"}],
                       "below_recommended": False}}],
        "commitment": STANDARD_COMMITMENT})
    with engine.begin() as conn:
        declarations.append_version(conn, issued.licence.enterprise.uscc, content.to_json(), 1,
                                    ISSUE_TIME)
    page.goto(landing(site, issued))
    assert page.locator("#verdict").inner_text() == "有效"
    assert page.locator(".verdict").evaluate(
        "e => getComputedStyle(e).backgroundColor") == "rgb(230, 244, 234)"  # and green
    body = page.locator("main").inner_text()
    assert "浙江杭州市西湖区华光电线电缆制造有限公司" in body and "架空绝缘电缆" in body
    assert "2026-03-15 至 2031-03-14" in body and "浙江省市场监督管理局" in body
    assert "GB/T 12527-2008" in body and "依法承担产品质量安全主体责任" in body
    shot(page, "landing-valid")


def test_an_sm2_licence_shows_its_identifier_and_offers_its_sealed_ofd(
        page: Page, site: str, signer: Signer, engine: Engine, tmp_path: Path) -> None:
    """A bureau on SM2: its licence verifies in the browser like any other, the page shows
    the identifier (GB/T 36904), and the OFD link downloads a file whose seal checks out."""
    import datetime as dt

    from certsvc.credential.algorithms import Algorithm
    from certsvc.credential.trust_list import TrustList, load_root_public_key
    from certsvc.domain.bureaus import bureau_by_code
    from certsvc.render.ofd import check_ofd
    from certsvc.store.reader import LicenceReader
    from certsvc.workflow.licence_files import LicenceFiles

    signer.keystore.rotate(bureau_by_code("33"), ISSUE_TIME - dt.timedelta(days=1),
                           Algorithm.SM2)
    publish_trust_list(signer, tmp_path / "trust-list.cose", utcnow())  # the site reads it
    issued = Issuer(engine, signer, "https://certsvc.example").issue(reference(), ISSUE_TIME)
    assert issued.licence.number is not None
    record = LicenceReader(engine).by_number(issued.licence.number)
    _, name = LicenceFiles(engine, signer, "https://certsvc.example").ofd(record, utcnow())
    page.goto(landing(site, issued))
    assert page.locator("#verdict").inner_text() == "有效"
    identifier = page.locator("code.identifier").inner_text()
    assert identifier.startswith("1.2.156.3005.2.") and f"{identifier}.ofd" == name
    shot(page, "landing-sm2-ofd")
    with page.expect_download() as download:
        page.locator("#ofd").click()
    data = Path(download.value.path()).read_bytes()
    root = load_root_public_key(signer.keystore.root_certificate_pem())
    checked = check_ofd(data, TrustList.load(signer.trust_list(utcnow()), root))
    assert checked.identifier == identifier and checked.seal.seal_name == "浙江省市场监督管理局"


@pytest.mark.parametrize(("status", "word"), [
    (LicenceStatus.SUSPENDED, "已暂停"), (LicenceStatus.REVOKED, "已撤销")])
def test_suspended_and_revoked(page: Page, site: str, issuer: Issuer, engine: Engine,
                               status: LicenceStatus, word: str) -> None:
    issued = issuer.issue(reference(), ISSUE_TIME)
    with engine.begin() as conn:
        writer.set_status(conn, issued.number, status, ISSUE_TIME,
                          {"action": status.value, "reason": "监督抽查不合格",
                           "legal_basis": "《工业产品生产许可证管理条例》第四十五条"})
    page.goto(landing(site, issued))
    assert page.locator("#verdict").inner_text() == word
    assert "监督抽查不合格" in page.locator("main").inner_text()
    shot(page, f"landing-{status.value}")


def test_expired(page: Page, site: str, issuer: Issuer) -> None:
    issued = issuer.issue(reference(issued="2019-05-01", valid_until="2024-04-30"), ISSUE_TIME)
    page.goto(landing(site, issued))
    assert page.locator("#verdict").inner_text() == "已过期"
    shot(page, "landing-expired")


def test_forged_qr(page: Page, site: str, issuer: Issuer) -> None:
    issued = issuer.issue(reference(), ISSUE_TIME)
    forged = bytearray(issued.token)
    forged[40] ^= 0x01
    page.goto(landing(site, issued, bytes(forged)))
    assert page.locator("#verdict").inner_text() == "无法验证"
    assert "可能是假冒" in page.locator(".warning").inner_text()
    assert "华光" not in page.locator("main").inner_text()
    shot(page, "landing-forged")


def test_a_licence_the_log_never_saw_reads_not_registered(
        page: Page, site: str, issuer: Issuer, engine: Engine) -> None:
    """Signed with the bureau's genuine key and written into the register, but not by the
    procedure, so its issuance is not in the transparency log: 未登记, with the report
    button (issue 16)."""
    licence = reference()
    with engine.begin() as conn:
        licence, row_id, row = issuer._store_pending(conn, licence, ISSUE_TIME)
        token = issuer.signer.sign_licence(row["kid"], row["payload"])
        writer.store_tokens(conn, [(row_id, token)])
    page.goto(f"{site}/V/{token_to_digits(token)}")
    assert page.locator("#verdict").inner_text() == "未登记"
    assert "透明日志" in page.locator("main").inner_text() or \
        "transparency log" in page.locator("main").inner_text()
    assert page.locator("#report").is_visible()
    shot(page, "landing-not-in-log")


def test_search_from_the_home_page(page: Page, site: str, issuer: Issuer) -> None:
    issuer.issue(reference(), ISSUE_TIME)
    page.goto(site)
    page.fill("#q", "华光")
    page.click("form.search button")
    page.wait_for_url("**/search?q=*")
    assert "浙XK06-001-00012" in page.locator("ul.results").inner_text()
    shot(page, "search")
    page.click("ul.results a >> nth=0")
    assert page.locator("#verdict").inner_text() == "有效"


def test_english_switch(page: Page, site: str, issuer: Issuer) -> None:
    issued = issuer.issue(reference(), ISSUE_TIME)
    page.goto(landing(site, issued))
    page.click("a.lang")
    assert page.locator("#verdict").inner_text() == "Valid"
    assert "Aerial insulated cables" in page.locator("main").inner_text()
    shot(page, "landing-valid-en")
    page.goto(site)  # remembered
    assert "Production licence check" in page.locator("header").inner_text()


def test_enterprise_named_like_a_script_is_shown_as_text(page: Page, site: str,
                                                         issuer: Issuer) -> None:
    data = json.loads(REFERENCE.read_text("utf-8"))
    hostile = issuer.issue(reference(enterprise=dict(
        data["enterprise"], name="<script>alert(1)</script>")), ISSUE_TIME)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(landing(site, hostile))
    page.goto(f"{site}/search?q=script")
    page.goto(landing(site, hostile))
    assert "<script>alert(1)</script>" in page.locator("dl.licence").inner_text()
    assert dialogs == []
    shot(page, "xss-as-text")


def test_upload_a_photo_of_the_label(page: Page, site: str, issuer: Issuer,
                                     tmp_path: Path) -> None:
    from PIL import Image

    issued = issuer.issue(reference(), ISSUE_TIME)
    label = Image.new("RGB", (1000, 800), (250, 248, 240))
    code = Image.open(io.BytesIO(qr_png(issued.qr_text))).convert("RGB")
    label.paste(code.rotate(5, fillcolor=(250, 248, 240)), (200, 150))
    photo = tmp_path / "label.jpg"
    label.save(photo, format="JPEG", quality=75)
    page.goto(f"{site}/scan")
    shot(page, "scan")
    page.set_input_files("#photo", str(photo))
    page.click("form.upload button")
    page.wait_for_url("**/V/*")
    assert page.locator("#verdict").inner_text() == "有效"


def test_works_with_javascript_off(browser: Browser, site: str, issuer: Issuer) -> None:
    issued = issuer.issue(reference(), ISSUE_TIME)
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    page.goto(site)
    page.fill("#q", "91330106MA2H7K3LXA")
    page.click("form.search button")
    assert "浙XK06-001-00012" in page.locator("ul.results").inner_text()
    page.goto(landing(site, issued))
    assert page.locator("#verdict").inner_text() == "有效"
    page.goto(f"{site}/scan")
    assert page.locator("#camera").is_hidden()  # no script: only the upload form shows
    assert page.locator("form.upload").is_visible()
    context.close()
