"""The licence sharing interface (GB/T 36906, issue 15) through HTTP: by holder code and type,
by identifier, the status, the file; purpose required and audited, the licence type granted,
hostile identifiers refused with the field named."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

import pytest
from freezegun import freeze_time

from certsvc.domain.e_licence import identifier_of
from certsvc.domain.licence_number import LicenceNumber
from certsvc.domain.metadata import ITEMS
from certsvc.store.reader import LicenceReader
from tests.conftest import Api
from tests.test_authorisation import _licence
from tests.test_sharing import narrow_department

NUMBER = LicenceNumber.parse("浙XK06-001-00012")
USCC = "91330106MA2H7K3LXA"
WHY = "purpose=" + quote("招标投标资格审查")


def _path(version: int = 1, tail: str = "") -> str:
    return f"/api/v1/sharing/licences/{identifier_of(NUMBER, version)}{tail}"


@freeze_time("2026-06-01 02:00:00")
def test_a_department_finds_a_licence_by_holder_and_by_identifier(api: Api, issuer: Any) -> None:
    _licence(api, issuer)
    found = api.get(f"/api/v1/sharing/licences?holder_code={USCC}&holder_type=001&{WHY}",
                    "department")
    assert found.status_code == 200 and found.json is not None
    [item] = found.json["items"]
    assert list(item) == [key for key, _ in ITEMS]
    assert item["certificate_identifier"] == str(identifier_of(NUMBER, 1))
    assert (item["certificate_holder_code"], item["certificate_holder_type_code"]) == (
        USCC, "001")
    citizen = api.get(f"/api/v1/sharing/licences?holder_code=330106199001011234"
                      f"&holder_type=111&{WHY}", "department")
    assert citizen.status_code == 200 and citizen.json == {"items": []}

    one = api.get(f"{_path()}?{WHY}", "department").json
    assert one is not None and one["certificate_number"] == NUMBER.canonical
    assert one["requested_version"] == "001"
    status = api.get(f"{_path(tail='/status')}?{WHY}", "department").json
    assert status is not None
    assert (status["certificate_status"], status["requested_version_current"]) == (
        "valid", True)


@freeze_time("2026-06-01 02:00:00")
def test_the_file_is_the_licence_pdf_named_by_its_identifier(api: Api, issuer: Any) -> None:
    _licence(api, issuer)
    response = api.get(f"{_path(tail='/file')}?{WHY}", "department")
    assert response.status_code == 200, response.json
    assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF")
    assert str(identifier_of(NUMBER, 1)) in response.headers["Content-Disposition"]
    assert api.get(f"{_path(tail='/file')}?{WHY}&format=doc", "department").status_code == 422
    sealed = api.get(f"{_path(tail='/file')}?{WHY}&format=ofd", "department")
    assert sealed.status_code == 409 and sealed.json is not None  # Zhejiang is Ed25519
    assert sealed.json["type"].endswith("seal-unavailable")


@freeze_time("2026-06-01 02:00:00")
def test_after_a_suspension_the_status_says_so(api: Api, issuer: Any) -> None:
    _licence(api, issuer)
    api.post(f"/api/v1/licences/{NUMBER.canonical}/suspend", "zhejiang",
             {"order": "stop_production", "reason": "事故"})
    status = api.get(f"{_path(tail='/status')}?{WHY}", "department").json
    assert status is not None
    assert (status["certificate_status"], status["certificate_status_name"]) == (
        "suspended", "已暂停")


@freeze_time("2026-06-01 02:00:00")
def test_purpose_grant_and_audit(api: Api, issuer: Any) -> None:
    _licence(api, issuer)
    silent = api.get(_path(), "department")
    assert silent.status_code == 422 and silent.json is not None
    assert silent.json["field"] == "purpose"
    narrow = narrow_department(api, ["spot_check"])
    refused = api.get(f"{_path()}?{WHY}", narrow)
    assert refused.status_code == 403 and refused.json is not None
    assert "licence" in refused.json["detail"]
    assert api.get(f"{_path()}?{WHY}", "department").status_code == 200
    log = api.get("/api/v1/audit?action=sharing.read", "auditor").json
    assert log is not None
    reads = {(e["subject"], e["after"]["purpose"]) for e in log["items"]}
    assert (f"licence:{NUMBER.canonical}", "招标投标资格审查") in reads


@pytest.mark.parametrize("identifier, status, field", [
    ("1.2.156.3005.2.nonsense", 422, "identifier"),
    (str(identifier_of(NUMBER, 1))[:-1] + "Q", 422, "identifier"),
    ("x" * 300, 422, "identifier"),
    (str(identifier_of(LicenceNumber.parse("浙XK06-001-00999"), 1)), 404, None),
    (str(identifier_of(NUMBER, 2)), 404, None),  # a version not issued yet
])
@freeze_time("2026-06-01 02:00:00")
def test_a_wrong_identifier_is_a_clear_4xx(api: Api, issuer: Any, identifier: str,
                                           status: int, field: str | None) -> None:
    _licence(api, issuer)
    response = api.get(f"/api/v1/sharing/licences/{quote(identifier)}?{WHY}", "department")
    assert response.status_code == status and response.json is not None
    assert response.json.get("field") == field


@freeze_time("2026-06-01 02:00:00")
def test_holder_look_up_refuses_bad_codes(api: Api, issuer: Any) -> None:
    _licence(api, issuer)
    for query, field in ((f"holder_code={USCC}&holder_type=999", "holder_type"),
                         ("holder_code=91330106MA2H7K3LX0&holder_type=001", "holder_code"),
                         ("holder_type=001", "holder_code")):
        response = api.get(f"/api/v1/sharing/licences?{query}&{WHY}", "department")
        assert response.status_code == 422 and response.json is not None, query
        assert response.json["field"] == field


@freeze_time("2026-06-01 02:00:00")
def test_an_earlier_version_s_identifier_answers_the_current_licence(
        api: Api, issuer: Any) -> None:
    _licence(api, issuer)
    changed = api.post(f"/api/v1/licences/{NUMBER.canonical}/change", "zhejiang",
                       {"enterprise": {"residence": "浙江省杭州市西湖区新址路8号"}})
    assert changed.status_code == 200, changed.json
    reader = LicenceReader(api.engine)
    assert reader.version(reader.by_number(NUMBER)) == 2
    old = api.get(f"{_path(1, '/status')}?{WHY}", "department").json
    assert old is not None
    assert (old["requested_version"], old["version"], old["requested_version_current"]) == (
        "001", "002", False)
    assert old["certificate_identifier"] == str(identifier_of(NUMBER, 2))
    assert dt.date.fromisoformat(old["as_of"][:10]) == dt.date(2026, 6, 1)
    # the earlier version's identifier is superseded, never valid (issue 24), and says
    # which identifier is current; the current one's metadata names the one it replaced
    assert old["certificate_status"] == "superseded"
    assert old["current_identifier"] == str(identifier_of(NUMBER, 2))
    current = api.get(f"{_path(2, '/status')}?{WHY}", "department").json
    assert current is not None and current["certificate_status"] == "valid"
    assert "current_identifier" not in current
    item = api.get(f"{_path(2, '')}?{WHY}", "department").json
    assert item is not None and item["related_identifier"] == str(identifier_of(NUMBER, 1))
    first = api.get(f"{_path(1, '')}?{WHY}", "department").json
    assert first is not None and first["requested_version_status"] == "superseded"


def test_an_over_long_audit_subject_is_cut_to_its_column_and_kept_whole(api: Api) -> None:
    """PostgreSQL refuses a value longer than its column where SQLite keeps it: the audit log
    cuts a subject to 64 characters and keeps the whole in the details, on both."""
    import datetime as dt

    from certsvc.domain.accounts import Principal, Role
    from certsvc.store import audit

    subject = "licence:" + "1.2.156.3005.2." * 6
    who = Principal(1, Role.NATIONAL, "国家市场监督管理总局", "00")
    with api.engine.begin() as conn:
        audit.record(conn, who, "sharing.read", subject, None, None, {"purpose": "x"}, "r1",
                     dt.datetime(2026, 6, 1, tzinfo=dt.UTC))
    with api.engine.connect() as conn:
        [entry] = audit.search(conn, action="sharing.read")
    assert entry.subject == subject[:64]
    assert entry.to_dict()["after"] == {"purpose": "x", "subject": subject}
