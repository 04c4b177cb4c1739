"""A deployment's own codes, and production's refusal to start without them (issue 24): the
licence type's serial and the bureaus' USCCs are placeholders in the data file (no public
source gave them); a deployment sets them, and in production neither app starts while any
code an identifier carries, or the key passphrase, is still a development stand-in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from certsvc.domain import e_licence
from certsvc.domain.bureaus import bureau_by_code
from certsvc.domain.licence_number import LicenceNumber
from certsvc.domain.time import utcnow
from certsvc.domain.uscc import check_character
from certsvc.errors import ValidationError
from certsvc.publish.artefacts import publish_trust_list
from certsvc.signer.keystore import KeyStore
from certsvc.signer.signer import Signer
from tests.conftest import PASSPHRASE, PUBLIC_URL


def real_looking_uscc(code: str) -> str:
    body = f"11{code}0000MB12345{code}"
    return body + check_character(body)


@pytest.fixture
def codes(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Settings read afresh: the data file's codes are cached per process."""
    e_licence._data.cache_clear()
    yield monkeypatch
    monkeypatch.undo()
    e_licence._data.cache_clear()


def issuing(keystore: KeyStore) -> set[str]:
    """The provinces with keys (the national authority's own USCC is known)."""
    return {record.bureau_code for record in keystore.records()} - {"00"}


def bureau_app(keystore: KeyStore, database_url: str, tmp_path: Path) -> object:
    from certsvc.api.app import create_app

    return create_app({"DATABASE_URL": database_url, "KEYS_DIR": str(keystore.directory),
                       "KEY_PASSPHRASE": PASSPHRASE, "PUBLISH_DIR": str(tmp_path / "pub"),
                       "PUBLIC_URL": PUBLIC_URL, "DOCUMENTS_DIR": str(tmp_path / "docs")})


def public_app(signer: Signer, database_url: str, tmp_path: Path) -> object:
    from public_site import create_app

    publish_trust_list(signer, tmp_path / "trust-list.cose", utcnow())
    return create_app({"DATABASE_URL": database_url, "PUBLISH_DIR": str(tmp_path),
                       "ROOT_CERTIFICATE": str(signer.keystore.root_cert_path),
                       "PUBLIC_URL": PUBLIC_URL})


def test_a_deployment_s_codes_go_into_every_identifier(codes: pytest.MonkeyPatch) -> None:
    codes.setenv(e_licence.TYPE_SERIAL_SETTING, "123")
    codes.setenv(e_licence.BUREAU_USCCS_SETTING, f" 33={real_looking_uscc('33')} ,")
    identifier = str(e_licence.identifier_of(LicenceNumber("33", 6, 1, 12), 1))
    assert f"11100000MB0143028R123.{real_looking_uscc('33')}." in identifier
    assert e_licence.parse_identifier(identifier).number == LicenceNumber("33", 6, 1, 12)
    zhejiang, jiangsu = bureau_by_code("33"), bureau_by_code("32")
    assert not e_licence.identifier_has_placeholders(zhejiang)
    assert e_licence.identifier_has_placeholders(jiangsu)  # its USCC is not set
    assert e_licence.placeholders([zhejiang]) == []
    assert e_licence.placeholders([jiangsu, zhejiang]) == [
        f"{e_licence.BUREAU_USCCS_SETTING}: the USCC of {jiangsu.name} (32)"]


@pytest.mark.parametrize(("name", "value", "reason"), [
    (e_licence.TYPE_SERIAL_SETTING, "XKZ", "three-digit"),
    (e_licence.TYPE_SERIAL_SETTING, "12", "three-digit"),
    (e_licence.TYPE_SERIAL_SETTING, "1234", "three-digit"),
    (e_licence.BUREAU_USCCS_SETTING, "99=11330000MB12345335", "GB/T 2260"),
    (e_licence.BUREAU_USCCS_SETTING, "33=11330000MB1234533X", ""),  # wrong check character
    (e_licence.BUREAU_USCCS_SETTING, "33", ""),  # no USCC at all
])
def test_a_malformed_code_setting_is_refused_with_its_name(
        codes: pytest.MonkeyPatch, name: str, value: str, reason: str) -> None:
    if value == "33=11330000MB1234533X":
        assert real_looking_uscc("33") != "11330000MB1234533X"
    codes.setenv(name, value)
    with pytest.raises(ValidationError) as refused:
        e_licence.licence_type_code()
    assert refused.value.field == name and reason in refused.value.reason


def test_development_starts_with_placeholders(
        codes: pytest.MonkeyPatch, keystore: KeyStore, signer: Signer, database_url: str,
        tmp_path: Path) -> None:
    codes.delenv("CERTSVC_ENVIRONMENT", raising=False)
    assert e_licence.placeholders(bureau_by_code(c) for c in issuing(keystore))
    assert bureau_app(keystore, database_url, tmp_path)
    assert public_app(signer, database_url, tmp_path)


def test_production_refuses_to_start_with_any_stand_in(
        codes: pytest.MonkeyPatch, keystore: KeyStore, signer: Signer, database_url: str,
        tmp_path: Path) -> None:
    codes.setenv("CERTSVC_ENVIRONMENT", "production")
    codes.delenv("CERTSVC_KEY_PASSPHRASE", raising=False)
    with pytest.raises(ValidationError) as refused:
        bureau_app(keystore, database_url, tmp_path)
    reason = refused.value.reason
    assert "CERTSVC_KEY_PASSPHRASE" in reason and e_licence.TYPE_SERIAL_SETTING in reason
    for code in issuing(keystore):
        assert f"({code})" in reason
    with pytest.raises(ValidationError) as refused:
        public_app(signer, database_url, tmp_path)
    assert "CERTSVC_KEY_PASSPHRASE" not in refused.value.reason  # the site holds no keys
    assert e_licence.TYPE_SERIAL_SETTING in refused.value.reason

    # every code set but one bureau's: still refused, naming it
    codes.setenv("CERTSVC_KEY_PASSPHRASE", PASSPHRASE.decode())
    codes.setenv(e_licence.TYPE_SERIAL_SETTING, "123")
    *named, last = sorted(issuing(keystore))
    codes.setenv(e_licence.BUREAU_USCCS_SETTING,
                 ",".join(f"{c}={real_looking_uscc(c)}" for c in named))
    e_licence._data.cache_clear()
    with pytest.raises(ValidationError) as refused:
        bureau_app(keystore, database_url, tmp_path)
    assert f"({last})" in refused.value.reason
    assert e_licence.TYPE_SERIAL_SETTING not in refused.value.reason

    codes.setenv(e_licence.BUREAU_USCCS_SETTING,
                 ",".join(f"{c}={real_looking_uscc(c)}" for c in [*named, last]))
    e_licence._data.cache_clear()
    assert bureau_app(keystore, database_url, tmp_path)
    assert public_app(signer, database_url, tmp_path)


def test_an_unknown_environment_is_refused(codes: pytest.MonkeyPatch) -> None:
    from certsvc.config import Settings

    codes.setenv("CERTSVC_ENVIRONMENT", "prod")
    with pytest.raises(ValidationError, match="development, production"):
        Settings.from_env()


def test_outside_production_the_site_reads_no_trust_list_at_start(
        codes: pytest.MonkeyPatch, keystore: KeyStore, signer: Signer, engine: object,
        database_url: str, tmp_path: Path) -> None:
    """The production check read the trust list when the site started, priming its
    once-a-second cache: a key published just after start was unknown to the site for that
    second (a browser test saw 无法验证). The check reads it only in production."""
    import datetime as dt
    import json

    from certsvc.credential.algorithms import Algorithm
    from certsvc.domain.licence import Licence
    from certsvc.workflow.issuance import Issuer
    from tests.conftest import ISSUE_TIME, REFERENCE

    codes.delenv("CERTSVC_ENVIRONMENT", raising=False)
    client = public_app(signer, database_url, tmp_path).test_client()  # type: ignore[attr-defined]
    signer.keystore.rotate(bureau_by_code("33"), ISSUE_TIME - dt.timedelta(days=1),
                           Algorithm.ED25519)
    publish_trust_list(signer, tmp_path / "trust-list.cose", utcnow())  # a new key, at once
    issued = Issuer(engine, signer, PUBLIC_URL).issue(  # type: ignore[arg-type]
        Licence.from_dict(json.loads(REFERENCE.read_text("utf-8"))), ISSUE_TIME)
    answer = client.post("/api/v1/verify", json={"qr_text": issued.qr_text})
    assert answer.status_code == 200 and answer.json["authentic"] is True, answer.json
