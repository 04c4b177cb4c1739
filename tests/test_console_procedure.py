"""The whole procedure in Debian's Chromium, in three browser contexts with JavaScript off:
the enterprise applies → the clerk accepts and assigns the on-site check to a review body,
which records it → the enterprise
chooses the institution → the institution records a passing test → the clerk approves and
issues → the enterprise downloads the PDF, whose QR decodes and verifies valid → the clerk
revokes → the public landing page of that QR says 已撤销. Served as `make run` serves it (the
bureau service, console included, and the public site behind one dispatcher). Screenshots of
every page at phone and desktop width go to test-artifacts/screenshots/."""

from __future__ import annotations

import datetime as dt
import io
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyotp
import pypdfium2
import pytest
from playwright.sync_api import Browser, Page
from werkzeug.serving import make_server

from certsvc.api.dispatch import Dispatcher
from certsvc.console.supervision import DUTIES
from certsvc.credential.qr_image import read_qr
from certsvc.domain.accounts import Role
from certsvc.domain.documents import EXAMPLE_PDF
from certsvc.domain.time import china_date, utcnow
from certsvc.publish.artefacts import publish_trust_list
from public_site import create_app as public_app
from tests.conftest import PUBLIC_URL, REVIEWERS, Api, signin_of
from tests.test_browser import CHROMIUM, PHONE, SCREENSHOTS, browser
from tests.test_console_signin import GOOD

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="make test installs chromium")
DESKTOP = {"width": 1280, "height": 900}
__all__ = ["browser"]


@pytest.fixture
def server(api: Api, database_url: str, signer: Any, tmp_path: Path) -> Iterator[str]:
    publish_trust_list(signer, tmp_path / "trust-list.cose", utcnow())
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    site = public_app({"DATABASE_URL": database_url, "PUBLISH_DIR": str(tmp_path),
                       "ROOT_CERTIFICATE": str(signer.keystore.root_cert_path),
                       "PUBLIC_URL": PUBLIC_URL})
    app = Dispatcher(api.client.application, site)
    running = make_server("127.0.0.1", port, app, threaded=True)  # type: ignore[arg-type]
    thread = threading.Thread(target=running.serve_forever, daemon=True)
    thread.start()
    yield f"http://localhost:{port}"
    running.shutdown()
    thread.join()


def shot(page: Page, name: str) -> None:
    """The page at phone width and at desktop width."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for size, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(viewport)
        page.screenshot(path=str(SCREENSHOTS / f"procedure-{name}-{size}.png"), full_page=True)
    page.set_viewport_size(PHONE)


class Person:
    """One browser context, signed in as one account."""

    def __init__(self, browser: Browser, base: str, api: Api, who: str) -> None:
        self.base, self.page = base, browser.new_context(
            viewport=PHONE, locale="zh-CN", java_script_enabled=False).new_page()
        signin = signin_of(api)
        invitation = signin.accept_invite(
            signin.invite(None, api.accounts[who], utcnow(), "test"), GOOD, utcnow(), "test")
        self.page.goto(f"{base}/console/sign-in")
        self.page.fill("#account", str(api.accounts[who]))
        self.page.fill("#password", GOOD)
        self.page.click("form.stacked button")
        if invitation.totp_secret is not None:
            self.page.fill("#code", pyotp.TOTP(invitation.totp_secret).now())
            self.page.click("form.stacked button")
        assert self.page.url.endswith("/console/"), self.page.url

    def act(self, path: str, action: str, fill: dict[str, str] | None = None,
            check: tuple[str, ...] = (), files: dict[str, tuple[str, bytes]] | None = None
            ) -> None:
        self.page.goto(self.base + path)
        form = f"#action-{action} form"
        for selector, value in (fill or {}).items():
            self.page.fill(f"{form} {selector}", value)
        for selector, (name, data) in (files or {}).items():
            self.page.set_input_files(f"{form} {selector}", files=[{
                "name": name, "mimeType": "application/octet-stream", "buffer": data}])
        for selector in check:
            self.page.check(f"{form} {selector}")
        self.page.click(f"{form} button[type=submit]")
        assert f"done={action}" in self.page.url, (action, self.page.content()[:2000])


def test_the_whole_procedure_in_three_browsers(browser: Browser, server: str, api: Api
                                               ) -> None:
    enterprise = Person(browser, server, api, "enterprise")
    clerk = Person(browser, server, api, "zhejiang")
    institution = Person(browser, server, api, "institution")

    page = enterprise.page
    page.goto(f"{server}/console/apply")
    shot(page, "apply")
    page.select_option("#f-kind", "new")
    page.fill("#f-bureau", "浙江省市场监督管理局")
    page.fill("#f-enterprise-name", "浙江杭州市西湖区华光电线电缆制造有限公司")
    page.fill("#f-enterprise-uscc", "91330106MA2H7K3LXA")
    page.fill("#f-enterprise-residence", "浙江省杭州市西湖区文三路100号")
    page.fill("#f-enterprise-production_address", "浙江省杭州市西湖区三墩镇工业园8号")
    page.select_option("#f-scope", ["6"])
    for material, (name, data) in {
            "business_licence": ("营业执照.pdf", b"%PDF-1.7\n% business licence\n%%EOF\n"),
            "application_form": ("申请书.png", b"\x89PNG\r\n\x1a\n" + bytes(64)),
            "commitment": ("承诺书.pdf", b"%PDF-1.7\n% commitment\n%%EOF\n")}.items():
        page.set_input_files(f"#f-materials-{material}", files=[{
            "name": name, "mimeType": "application/octet-stream", "buffer": data}])
    page.click("form.stacked button[type=submit]")
    assert "done=submit" in page.url, page.content()[:2000]
    application = page.url.split(server)[1].split("?")[0]
    shot(page, "application-submitted")

    clerk.page.goto(f"{server}/console/")
    shot(clerk.page, "clerk-queue")
    clerk.page.goto(server + application)
    download = clerk.page.request.get(
        server + clerk.page.locator("a[href$='/documents/application_form']").get_attribute(
            "href"))
    assert download.ok and download.body().startswith(b"\x89PNG")
    clerk.act(application, "accept")
    clerk.act(application, "assign_review", {
        "#f-review_body_id": str(api.review_bodies["zhejiang"]),
        "#f-reviewers": "\n".join(REVIEWERS)})
    shot(clerk.page, "clerk-application")
    reviewing = Person(browser, server, api, "review_body")
    reviewing.page.goto(f"{server}/console/")
    shot(reviewing.page, "review-body-queue")
    reviewing.act(application, "record_onsite", {"#f-reviewers": "\n".join(REVIEWERS)},
                  ("input[name=passed][value=yes]",))
    enterprise.act(application, "choose_institution",
                   {"#f-institution_id": str(api.institutions["level1"])})
    institution.page.goto(f"{server}/console/")
    shot(institution.page, "institution-queue")
    institution.act(application, "record_test", {"#f-report_number": "ZJ-2026-0518"},
                    ("input[name=passed][value=yes]",),
                    {"#f-report": ("检验报告.pdf", EXAMPLE_PDF)})
    clerk.act(application, "approve")
    clerk.act(application, "issue")
    number = clerk.page.locator("#licence-number").inner_text()
    shot(clerk.page, "issued")

    enterprise.page.goto(f"{server}/console/licences/{number}")
    shot(enterprise.page, "licence-enterprise")
    assert enterprise.page.locator("#identifier").inner_text().startswith(
        "1.2.156.3005.2.")  # GB/T 36904: the issued licence's version 001
    assert enterprise.page.locator("#identifier").inner_text().split(".")[-2] == "001"
    pdf = enterprise.page.request.get(server + enterprise.page.locator("#pdf")
                                      .get_attribute("href"))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    image = pypdfium2.PdfDocument(pdf.body())[0].render(scale=3).to_pil()
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    qr = read_qr(buffer.getvalue())
    verdict = enterprise.page.request.post(f"{server}/api/v1/verify", data={"qr_text": qr})
    assert verdict.json()["verdict"] == "valid"

    clerk.act(f"/console/licences/{number}", "revoke",
              {"#f-reason": "检验报告造假",
               "#f-legal_basis": "《工业产品生产许可证管理条例》第五十条"},
              ("input[name=confirm]",))
    shot(clerk.page, "revoked")
    public = browser.new_context(viewport=PHONE, locale="zh-CN").new_page()
    public.goto(server + "/V/" + qr.rsplit("/", 1)[1])
    assert public.locator("#verdict").inner_text() == "已撤销"
    shot(public, "public-landing-revoked")
    public.goto(f"{server}/progress")
    public.fill("#application", application.rsplit("/", 1)[1])
    public.fill("#uscc", "91330106MA2H7K3LXA")
    public.click("form.search button")
    assert public.locator("#progress-state").inner_text() == "issued"
    shot(public, "public-progress")


def test_the_supervision_pages_in_a_browser(browser: Browser, server: str, api: Api,
                                            issuer: Any) -> None:
    """Every supervision page at phone and desktop width with JavaScript off: the enterprise
    declares its standards with an enterprise standard's indicators and reports an
    accident; the clerk sees the late report, cancels two licences in bulk and reads the
    audit log; the national authority's register and staff pages."""
    from tests.test_bulk import _issue

    numbers = _issue(issuer, 2)
    enterprise = Person(browser, server, api, "enterprise")
    page = enterprise.page
    page.goto(f"{server}/console/duties/declaration")
    page.select_option("#f-items-0-unit", "6")
    page.fill("#f-items-0-standards", "GB/T 12527-2008\nQ/HGDL 001-2024")
    page.fill("#f-items-0-enterprise_standard-indicators-0-name", "导体电阻")
    page.fill("#f-items-0-enterprise_standard-indicators-0-value", "≤0.125 Ω/km")
    page.check("input[name='items.0.enterprise_standard.below_recommended'][value=no]")
    shot(page, "duty-declaration")
    page.click("form.stacked button[type=submit]")
    assert "done=declaration" in page.url, page.content()[:2000]
    page.goto(f"{server}/console/duties/accident")
    page.select_option("#f-product", "6")
    page.fill("#f-occurred_at", "2026-05-01T08:00")
    page.fill("#f-learned_at", "2026-05-01T09:00")  # more than 24 hours ago: late
    page.fill("#f-description", "绝缘层开裂")
    page.fill("#f-measures", "暂停发货")
    shot(page, "duty-accident")
    page.click("form.stacked button[type=submit]")
    assert "done=accident" in page.url
    shot(page, "supervision-enterprise")

    clerk = Person(browser, server, api, "zhejiang")
    clerk.page.goto(f"{server}/console/supervision")
    assert "迟报" in clerk.page.locator("#accidents").inner_text()
    shot(clerk.page, "supervision-bureau")
    # the county bureau of the enterprise's area orders a recall on its accident report; the
    # enterprise answers with its recall announcement naming the order
    county = Person(browser, server, api, "county")
    county.page.goto(f"{server}/console/supervision")
    accident = county.page.locator("#accidents td").first.inner_text()
    county.page.goto(f"{server}/console/duties/recall-order")
    county.page.select_option("#f-cause", "accident")
    county.page.fill("#f-cause_id", accident)
    county.page.fill("#f-reason", "产品存在危及人身安全的缺陷")
    county.page.fill("#f-deadline", (china_date(utcnow()) + dt.timedelta(days=30)).isoformat())
    county.page.click("form.stacked button[type=submit]")
    assert "done=recall-order" in county.page.url, county.page.content()[:2000]
    shot(county.page, "supervision-county")
    page.goto(f"{server}/console/supervision")
    assert "产品存在危及人身安全的缺陷" in page.locator("#recall-orders").inner_text()
    order = page.locator("#recall-orders td").first.inner_text()
    page.goto(f"{server}/console/duties/recall")
    page.select_option("#f-products", "6")
    for field, value in (("defect", "绝缘层开裂"), ("batches", "20260501"), ("sold", "120"),
                         ("unsold", "30"), ("remedy", "免费更换"), ("contact", "0571-88888888"),
                         ("order_id", order)):
        page.fill(f"#f-{field}", value)
    page.click("form.stacked button[type=submit]")
    assert "done=recall" in page.url, page.content()[:2000]
    page.goto(f"{server}/console/supervision")
    assert "产品存在危及人身安全的缺陷" not in page.locator("#recall-orders").inner_text()

    clerk.page.goto(f"{server}/console/bulk")
    clerk.page.select_option("#f-action", "cancel")
    clerk.page.fill("#f-numbers", "\n".join(numbers))
    clerk.page.fill("#f-reason", "营业执照已注销")
    shot(clerk.page, "bulk")
    clerk.page.click("form.stacked button[type=submit]")
    assert clerk.page.locator("#ready-count").inner_text() == "2"
    shot(clerk.page, "bulk-preview")
    clerk.page.check("input[name=confirm]")
    clerk.page.click("form.stacked button[type=submit]")
    assert clerk.page.locator("#changed-count").inner_text() == "2"
    shot(clerk.page, "bulk-done")
    clerk.page.goto(f"{server}/console/audit?action=cancel")
    assert numbers[0] in clerk.page.locator("table.audit").inner_text()
    shot(clerk.page, "audit")
    clerk.page.goto(f"{server}/console/staff")
    shot(clerk.page, "staff")

    reviewing = Person(browser, server, api, "review_body")
    reviewing.page.goto(f"{server}/console/supervision")
    assert "浙江省产品质量审查中心" in reviewing.page.locator("#review-bodies").inner_text()
    shot(reviewing.page, "supervision-review-body")
    national = Person(browser, server, api, "national")
    national.page.goto(f"{server}/console/supervision")
    shot(national.page, "supervision-national")
    # every other duty's form, as its role is offered it
    for person, role in ((enterprise, Role.ENTERPRISE), (clerk, Role.PROVINCIAL),
                         (national, Role.NATIONAL), (county, Role.LOCAL),
                         (reviewing, Role.REVIEW_BODY)):
        for name, duty in DUTIES.items():
            if role in duty.roles and name not in ("declaration", "accident"):
                person.page.goto(f"{server}/console/duties/{name}"
                                 + ("/1" if duty.subject else ""))
                assert person.page.locator("h1").inner_text().startswith(duty.term_zh)
                shot(person.page, f"duty-{name}")


def test_a_forged_qr_is_reported_from_its_landing_page(browser: Browser, server: str,
                                                       api: Api, issuer: Any) -> None:
    """举报 with JavaScript off: the landing page of a forged QR links to the report form with
    the QR's text filled in; the report reaches the Zhejiang bureau's list with that text; the
    receipt code shows its status, and later the bureau's answer."""
    from tests.test_browser import landing, reference

    issued = issuer.issue(reference(), dt.datetime(2026, 3, 15, 2, tzinfo=dt.UTC))
    forged = bytearray(issued.token)
    forged[-1] ^= 0x01  # the signature: the payload still claims the Zhejiang licence
    complaints = api.client.application.extensions["certsvc"].complaints
    complaints.min_fill = dt.timedelta(0)  # a browser driven by a test fills it at once
    page = browser.new_context(viewport=PHONE, locale="zh-CN",
                               java_script_enabled=False).new_page()
    page.goto(landing(server, issued, bytes(forged)))
    assert page.locator("#verdict").inner_text() == "无法验证"
    page.click("#report")
    assert page.url.startswith(f"{server}/report?")
    scanned = page.locator("#f-qr_text").input_value()
    assert scanned.startswith(f"{server}/V/")
    page.fill("#f-description", "超市货架上的电缆，扫码显示无法验证<b>!</b>")
    page.fill("#f-place", "杭州市西湖区某超市")
    page.set_input_files("#f-photo", files=[{"name": "label.png", "mimeType": "image/png",
                                             "buffer": b"\x89PNG\r\n\x1a\n" + bytes(64)}])
    shot(page, "report-form")
    page.click("form.stacked button[type=submit]")
    receipt = page.locator("#receipt").inner_text()
    assert receipt.startswith("JB-")
    shot(page, "report-receipt")
    listed = api.get("/api/v1/complaints?state=open", "zhejiang").json
    assert listed is not None
    (report,) = listed["items"]
    assert report["qr_text"] == scanned and report["kind"] == "forged_licence"
    assert report["photo"] is True and report["description"].endswith("<b>!</b>")
    clerk = Person(browser, server, api, "zhejiang")
    clerk.page.goto(f"{server}/console/supervision")
    assert "<b>!</b>" in clerk.page.locator("#complaints").inner_text()  # as text, inert
    clerk.page.goto(f"{server}/console/duties/complaint-decision/{report['id']}")
    clerk.page.select_option("#f-decision", "filed_case")
    clerk.page.fill("#f-note", "已立案调查")
    clerk.page.click("form.stacked button[type=submit]")
    assert "done=complaint-decision" in clerk.page.url, clerk.page.content()[:2000]
    page.goto(f"{server}/report/status")
    page.fill("#f-receipt", receipt)
    page.click("form.stacked button[type=submit]")
    assert page.locator("#state").inner_text().startswith("已立案")
    assert page.locator("#answer").inner_text() == "已立案调查"
    shot(page, "report-status")
