"""The console's sign-in in Debian's Chromium (Playwright), at phone and desktop width, with
JavaScript off: the invitation, the password, the TOTP code, the queue, the account page and
signing out everywhere. Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pyotp
import pytest
from playwright.sync_api import Browser, Page
from werkzeug.serving import make_server

from certsvc.domain.time import utcnow
from tests.conftest import Api, signin_of
from tests.test_browser import CHROMIUM, PHONE, browser, shot
from tests.test_console_signin import GOOD

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="make test installs chromium")
DESKTOP = {"width": 1280, "height": 800}
__all__ = ["browser"]  # the module-scoped browser fixture, shared


@pytest.fixture
def console(api: Api) -> Iterator[str]:
    """The bureau service (which serves the console) on localhost, a secure context."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = make_server("127.0.0.1", port, api.client.application, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://localhost:{port}"
    server.shutdown()
    thread.join()


def open_page(browser: Browser, viewport: dict[str, int]) -> Page:
    context = browser.new_context(viewport=viewport, locale="zh-CN", java_script_enabled=False)
    return context.new_page()


@pytest.mark.parametrize(("viewport", "size"), [(PHONE, "phone"), (DESKTOP, "desktop")])
def test_a_clerk_accepts_an_invitation_and_signs_in_with_a_code(
    browser: Browser, console: str, api: Api, viewport: dict[str, int], size: str
) -> None:
    token = signin_of(api).invite(None, api.accounts["zhejiang"], utcnow(), "test")
    page = open_page(browser, viewport)
    page.goto(f"{console}/console/invite/{token}")
    shot(page, f"console-invite-{size}")
    page.fill("#password", GOOD)
    page.fill("#again", GOOD)
    page.click("form.stacked button")
    secret = page.locator("#totp-secret").inner_text()
    shot(page, f"console-invite-done-{size}")
    page.goto(f"{console}/console/sign-in")
    shot(page, f"console-sign-in-{size}")
    page.fill("#account", str(api.accounts["zhejiang"]))
    page.fill("#password", GOOD)
    page.click("form.stacked button")
    assert page.url.endswith("/console/second-factor")
    shot(page, f"console-second-factor-{size}")
    page.fill("#code", pyotp.TOTP(secret).now())
    page.click("form.stacked button")
    assert page.url.endswith("/console/")
    assert "待办事项" in page.locator("h1").inner_text()
    shot(page, f"console-queue-{size}")
    page.goto(f"{console}/console/account")
    shot(page, f"console-account-{size}")
    page.click("text=在所有设备上退出")
    assert page.url.endswith("/console/sign-in")
    page.goto(f"{console}/console/")
    assert page.url.endswith("/console/sign-in")


def test_a_wrong_password_is_said_plainly(browser: Browser, console: str, api: Api) -> None:
    signin = signin_of(api)
    signin.accept_invite(signin.invite(None, api.accounts["enterprise"], utcnow(), "t"),
                         GOOD, utcnow(), "t")
    page = open_page(browser, PHONE)
    page.goto(f"{console}/console/sign-in")
    page.fill("#account", str(api.accounts["enterprise"]))
    page.fill("#password", "not the password at all")
    page.click("form.stacked button")
    assert "wrong" in page.locator(".error").inner_text()
    shot(page, "console-sign-in-refused")
