"""The licence in China's e-licence standards (issue 15): the identifier of GB/T 36904 (check
character against published identifiers, versions on change, search), and the metadata items
of GB/T 36903 through the public API."""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import replace
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine

from certsvc.domain.bureaus import bureau_by_code
from certsvc.domain.e_licence import (
    ROOT,
    bureau_uscc,
    bureau_uscc_is_placeholder,
    check_character,
    identifier_of,
    licence_type_code,
    parse_identifier,
)
from certsvc.domain.licence import Licence
from certsvc.domain.licence_number import LicenceNumber
from certsvc.domain.metadata import ITEMS
from certsvc.domain.time import utcnow
from certsvc.domain.uscc import validate_uscc
from certsvc.errors import ValidationError
from certsvc.publish.artefacts import publish_trust_list
from certsvc.signer.signer import Signer
from certsvc.workflow.issuance import IssuedLicence, Issuer
from tests.conftest import ISSUE_TIME
from tests.test_public_site import make_client, reference_data

# Identifiers published by integrations with the national platform (types of other
# departments), each with its check character as printed.
PUBLISHED = [
    "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.002.S",
    "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U",
    "1.2.156.3005.2.11100000000013338W087.11370800MB28559184.37080001202411010001.001.3",
    "1.2.156.3005.2.11100000000013338W009.11330105002500287C.2025052201.002.0",
    "1.2.156.3005.2.11100000MB03271699022.340100.000000016.001.9",
]


@pytest.mark.parametrize("identifier", PUBLISHED)
def test_the_check_character_matches_published_identifiers(identifier: str) -> None:
    *parts, check = identifier.removeprefix(ROOT + ".").split(".")
    assert check_character("".join(parts)) == check


def test_iso_7064_example() -> None:
    assert check_character("A12425GABC1234002") == "M"


def test_an_identifier_names_its_licence_and_version_and_parses_back() -> None:
    number = LicenceNumber.parse("浙XK06-001-00012")
    text = str(identifier_of(number, 1))
    assert text.startswith(ROOT + ".11100000MB0143028R")
    type_code, issuer, serial, version, check = text.removeprefix(ROOT + ".").split(".")
    assert type_code == licence_type_code() and len(type_code) == 21
    assert issuer == bureau_uscc(bureau_by_code("33")) == validate_uscc(issuer)
    assert (serial, version) == ("330600100012", "001")
    assert check == check_character(type_code + issuer + serial + version)
    assert parse_identifier(text) == identifier_of(number, 1)
    assert parse_identifier(text.lower()) == identifier_of(number, 1)
    assert str(identifier_of(number, 2)) != text


def test_the_national_authority_s_code_is_its_own_and_provinces_are_marked_placeholders() -> None:
    assert bureau_uscc(bureau_by_code("00")) == "11100000MB0143028R"
    assert not bureau_uscc_is_placeholder(bureau_by_code("00"))
    assert bureau_uscc_is_placeholder(bureau_by_code("33"))
    assert validate_uscc(bureau_uscc(bureau_by_code("32")))


@pytest.mark.parametrize("change, reason", [
    (lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"), "check character"),
    (lambda t: t.replace("330600100012", "330600100013"), "check character"),
    (lambda t: t.replace(".001.", ".000."), "check character"),
    (lambda t: t.replace("1.2.156.3005.2", "1.2.156.3005.3"), "not an electronic-licence"),
    (lambda t: t + ".", "not an electronic-licence"),
    (lambda t: t.replace(".", "。"), "not an electronic-licence"),
    (lambda t: " " * 200 + t, "not an electronic-licence"),
])
def test_a_wrong_identifier_is_refused_with_its_reason(change: object, reason: str) -> None:
    text = str(identifier_of(LicenceNumber.parse("浙XK06-001-00012"), 1))
    assert callable(change)
    with pytest.raises(ValidationError, match=reason):
        parse_identifier(change(text))


def test_an_identifier_of_another_issuer_or_type_is_refused() -> None:
    good = str(identifier_of(LicenceNumber.parse("浙XK06-001-00012"), 1))
    _, type_code, issuer, serial, version, _ = good.rsplit(".", 5)
    other_issuer = bureau_uscc(bureau_by_code("32"))
    body = type_code + other_issuer + serial + version
    with pytest.raises(ValidationError, match="issuer"):
        parse_identifier(f"{ROOT}.{type_code}.{other_issuer}.{serial}.{version}."
                         f"{check_character(body)}")
    other_type = "11100000MB0143028R001"  # the business licence's type
    body = other_type + issuer + serial + version
    with pytest.raises(ValidationError, match="licence type"):
        parse_identifier(f"{ROOT}.{other_type}.{issuer}.{serial}.{version}."
                         f"{check_character(body)}")


@given(st.text(max_size=120))
def test_parsing_any_text_raises_only_validation_error(text: str) -> None:
    with contextlib.suppress(ValidationError):
        parse_identifier(text)


# --- through the public site ---------------------------------------------------------------
@pytest.fixture
def issued(issuer: Issuer) -> IssuedLicence:
    return issuer.issue(Licence.from_dict(reference_data()), ISSUE_TIME)


@pytest.fixture
def client(database_url: str, tmp_path: Path, signer: Signer) -> FlaskClient:
    publish_trust_list(signer, tmp_path / "trust-list.cose", utcnow())
    return make_client(database_url, tmp_path, signer)


def _change(issuer: Issuer, engine: Engine, issued: IssuedLicence) -> None:
    """A change re-signs the licence under its number: its version goes to 2."""
    licence = replace(issued.licence, enterprise=replace(issued.licence.enterprise,
                                                         residence="浙江省杭州市西湖区新地址1号"))
    with engine.begin() as conn:
        issuer.reissue_in(conn, licence, ISSUE_TIME + dt.timedelta(days=30))


def test_the_api_page_and_search_carry_the_identifier_and_a_change_makes_a_new_version(
        client: FlaskClient, issued: IssuedLicence, issuer: Issuer, engine: Engine) -> None:
    number = issued.licence.number
    assert number is not None
    first = client.get(f"/api/v1/licences/{number.canonical}").get_json()["identifier"]
    assert first == str(identifier_of(number, 1))
    page = client.get(f"/licence/{number.canonical}").get_data(as_text=True)
    assert first in page
    found = client.get("/api/v1/search", query_string={"q": first}).get_json()
    assert (found["kind"], [i["number"] for i in found["items"]]) == (
        "identifier", [number.canonical])

    _change(issuer, engine, issued)
    second = client.get(f"/api/v1/licences/{number.canonical}").get_json()["identifier"]
    assert second == str(identifier_of(number, 2)) != first
    for identifier in (first, second):  # an earlier version still finds the licence
        found = client.get("/api/v1/search", query_string={"q": identifier}).get_json()
        assert [i["number"] for i in found["items"]] == [number.canonical]
    # ... and says it is superseded, never valid (issue 24), naming the current identifier
    old = client.get("/api/v1/search", query_string={"q": first}).get_json()
    assert (old["identifier_status"], old["current_identifier"]) == ("superseded", second)
    assert "identifier_status" not in client.get(
        "/api/v1/search", query_string={"q": second}).get_json()
    shown = client.get("/search", query_string={"q": first}).get_data(as_text=True)
    assert 'id="superseded"' in shown and "已被新版本替代" in shown and second in shown
    not_yet = str(identifier_of(number, 3))
    assert client.get("/api/v1/search", query_string={"q": not_yet}).get_json()["total"] == 0
    bad = client.get("/api/v1/search", query_string={"q": first[:-1] + "#"})
    assert bad.status_code == 422 and bad.get_json()["field"] == "q"


def test_metadata_in_the_standard_s_items(client: FlaskClient, issued: IssuedLicence) -> None:
    number = issued.licence.number
    assert number is not None
    response = client.get(f"/api/v1/licences/{number.canonical}/metadata")
    assert response.status_code == 200 and response.headers["ETag"]
    body = response.get_json()
    assert body["standard"] == "GB/T 36903-2018"
    metadata = body["metadata"]
    assert list(metadata) == [key for key, _ in ITEMS]
    assert body["labels"]["certificate_holder_type_code"] == "持证主体代码类型代码"
    assert metadata["certificate_identifier"] == str(identifier_of(number, 1))
    assert metadata["certificate_name"] == "全国工业产品生产许可证"
    assert metadata["certificate_number"] == "浙XK06-001-00012"
    assert metadata["certificate_holder_code"] == issued.licence.enterprise.uscc
    assert (metadata["certificate_holder_type_code"], metadata["certificate_holder_type"]) == (
        "001", "统一社会信用代码")
    assert metadata["issue_dept"] == "浙江省市场监督管理局"
    assert metadata["issue_dept_code"] == bureau_uscc(bureau_by_code("33"))
    assert metadata["certificate_area_code"] == "330000"
    assert metadata["version"] == "001"
    assert metadata["certificate_status"] == "valid"
    assert [p["unit"] for p in metadata["surface"]["products"]] == [
        u.name for u in issued.licence.scope]
    assert client.get("/api/v1/licences/浙XK06-001-99999/metadata").status_code == 404
    assert client.get("/api/v1/licences/nonsense/metadata").status_code == 422


def test_placeholder_codes_are_said_wherever_the_identifier_is_shown(
        client: FlaskClient, issued: IssuedLicence, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 24: the licence-type serial and the bureaus' USCCs are placeholders until the
    deployment has the national catalogue's codes; the landing page and the JSON say so, and
    stop saying it once the data names real codes."""
    from certsvc.domain import e_licence

    number = issued.licence.number
    assert number is not None
    page = client.get(f"/licence/{number.canonical}").get_data(as_text=True)
    assert 'id="identifier-placeholder"' in page and "占位代码" in page
    assert client.get(f"/api/v1/licences/{number.canonical}").get_json()[
        "identifier_placeholder"] is True
    real = dict(e_licence._data())
    real["licence_type"] = {**real["licence_type"], "type_serial_is_placeholder": False}
    real["provincial_uscc"] = {"33": e_licence.placeholder_uscc("33")}  # as if published
    monkeypatch.setattr(e_licence, "_data", lambda: real)
    page = client.get(f"/licence/{number.canonical}").get_data(as_text=True)
    assert 'id="identifier-placeholder"' not in page
    assert client.get(f"/api/v1/licences/{number.canonical}").get_json()[
        "identifier_placeholder"] is False
