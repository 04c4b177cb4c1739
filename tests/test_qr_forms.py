"""One table of QR text forms, accepted or refused alike at every door: the parser, the CLI
(``certsvc verify --qr-text``), ``POST /api/v1/verify`` and the landing page (for the forms
that are a URL of this site, whose path and query a browser would request)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from certsvc.credential.qr_image import qr_version
from certsvc.credential.qr_text import (
    COSE_SIGN1_HEAD,
    digits_for,
    qr_text,
    token_from_text,
    token_to_digits,
)
from certsvc.domain.time import utcnow
from certsvc.errors import MalformedToken
from certsvc.publish.artefacts import publish_trust_list
from certsvc.signer.signer import Signer
from certsvc.workflow.issuance import IssuedLicence
from tests.conftest import PUBLIC_URL, REFERENCE, init_keys, run
from tests.test_public_site import make_client

D = "{digits}"  # replaced by the reference token's digits
ACCEPTED = [
    f"https://CERTSVC.EXAMPLE/V/{D}",           # what we print
    f"HTTPS://CERTSVC.EXAMPLE/V/{D}",           # what we printed before
    f"https://certsvc.example/v/{D}",
    f"https://certsvc.example/V/{D}/",          # trailing slash
    f"https://certsvc.example/V/{D}?lang=en",   # the page's own query
    f"https://certsvc.example/V/{D}#top",       # a fragment never reaches a server
    f"https://certsvc.example/V/{D}/?lang=en",
    f"  https://certsvc.example/V/{D}\n",
    f"http://127.0.0.1:8000/V/{D}",
    f"/V/{D}",
    f"V/{D}",
    D,
    "{base64url}",
    "https://CERTSVC.EXAMPLE/V/{whole}",        # printed before the d2 84 head was left out
    "{whole}",
    "{base64url_short}",                        # base64url of the token without its head
]
REFUSED = [
    f"https://certsvc.example/X/{D}",
    f"https://certsvc.example/V/{D}//",
    f"https://certsvc.example/V/{D}/extra",
    f"https://certsvc.example/V/{D}0",
    f"https://certsvc.example/V/{D}x",
    f"https://certsvc example/V/{D}",
    f"ftp://certsvc.example/V/{D}",
    "https://certsvc.example/V/{arabic}",
    "https://certsvc.example/V/{underscore}",
    "https://certsvc.example/V/",
    "https://certsvc.example/V/?x=1",
    "",
]


def fill(form: str, token: bytes) -> str:
    digits = token_to_digits(token)
    return form.format(
        digits=digits,
        base64url=base64.urlsafe_b64encode(token).decode().rstrip("="),
        base64url_short=base64.urlsafe_b64encode(
            token.removeprefix(COSE_SIGN1_HEAD)).decode().rstrip("="),
        whole=str(int.from_bytes(token, "big")).zfill(digits_for(len(token))),
        arabic=digits.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")),
        underscore=digits[:100] + "_" + digits[101:])


def landing_target(text: str) -> str | None:
    """The path and query a browser requests for a URL of this site (None: not a URL)."""
    for prefix in ("https://certsvc.example", "https://CERTSVC.EXAMPLE", "HTTPS://CERTSVC.EXAMPLE"):
        if text.strip().startswith(prefix):
            return text.strip().removeprefix(prefix).partition("#")[0]
    return None


@pytest.fixture
def client(database_url: str, tmp_path: Path, signer: Signer) -> FlaskClient:
    publish_trust_list(signer, tmp_path / "trust-list.cose", utcnow())
    return make_client(database_url, tmp_path, signer)


def test_every_door_accepts_and_refuses_the_same_forms(
    issued: IssuedLicence, client: FlaskClient
) -> None:
    for form in ACCEPTED:
        text = fill(form, issued.token)
        assert token_from_text(text) == issued.token, form
        api = client.post("/api/v1/verify", json={"qr_text": text})
        assert api.status_code == 200 and api.get_json()["verdict"] == "valid", form
        target = landing_target(text)
        if target is not None:
            page = client.get(target)
            assert page.status_code == 200, form
            assert '<h1 id="verdict">有效</h1>' in page.get_data(as_text=True) or \
                '<h1 id="verdict">Valid</h1>' in page.get_data(as_text=True), form
    for form in REFUSED:
        text = fill(form, issued.token)
        with pytest.raises(MalformedToken):
            token_from_text(text)
        api = client.post("/api/v1/verify", json={"qr_text": text})
        assert api.status_code in (200, 422), form
        assert api.status_code == 422 or api.get_json()["verdict"] == "malformed", form
        target = landing_target(text)
        if target is not None:
            page = client.get(target)
            assert page.status_code in (200, 404), form
            assert "有效</h1>" not in page.get_data(as_text=True), form


def test_the_cli_accepts_and_refuses_the_same_forms(env: dict[str, str]) -> None:
    init_keys(env)
    issued = json.loads(run(env, "licence", "issue", "--file", str(REFERENCE), "--json").output)
    token = bytes.fromhex(issued["token"])
    for form in ACCEPTED:
        result = run(env, "verify", "--qr-text", fill(form, token))
        assert result.exit_code == 3, (form, result.output)  # authentic, no status list
    for form in REFUSED:
        result = run(env, "verify", "--qr-text", fill(form, token))
        assert result.exit_code == 2, (form, result.output)  # unusable input


def test_the_scheme_is_lower_case_and_the_reference_still_fits_version_12(
    issued: IssuedLicence
) -> None:
    """Pixel Camera and some Samsung phones open only a lower-case scheme as a link."""
    text = qr_text(PUBLIC_URL, issued.token)
    assert text.startswith("https://CERTSVC.EXAMPLE/V/")
    assert qr_version(text) == 12
    assert qr_version(qr_text(PUBLIC_URL, b"\xff" * 176)) == 12  # the largest index's token
