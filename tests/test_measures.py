"""Supervision measures: an interview and a report demand are recorded; a failed
rectification revokes the licence through the workflow; an insurer sees what stands."""

from __future__ import annotations

from typing import Any

import pytest
from freezegun import freeze_time
from sqlalchemy.exc import OperationalError

from certsvc.domain.licence import LicenceStatus
from certsvc.store import oversight
from certsvc.store.reader import LicenceReader
from certsvc.workflow.issuance import IssuedLicence
from tests.conftest import Api

NUMBER = "浙XK06-001-00012"
USCC = "91330106MA2H7K3LXA"


def order(api: Api, status: int = 201, who: str = "zhejiang", **changes: Any
          ) -> dict[str, Any]:
    body = {"licence_number": NUMBER, "kind": "rectify", "reason": "监督抽查不合格",
            "deadline": "2026-07-01", **changes}
    response = api.post("/api/v1/measures", who, body)
    assert response.status_code == status, response.json
    assert response.json is not None
    return response.json


@freeze_time("2026-06-01 02:00")
def test_failed_rectification_revokes_the_licence(api: Api, issued: IssuedLicence) -> None:
    interview = order(api, kind="interview", deadline=None)
    assert interview["term"] == "约谈" and interview["deadline"] is None
    rectify = order(api)
    assert rectify["term"] == "限期整改" and rectify["deadline"] == "2026-07-01"
    standing = api.get(f"/api/v1/sharing/enterprises/{USCC}?purpose=承保", "department").json
    assert standing is not None and standing["licensed"] is True
    assert [m["id"] for m in standing["open_measures"]] == [interview["id"], rectify["id"]]
    no_basis = api.post(f"/api/v1/measures/{rectify['id']}/outcome", "zhejiang",
                        {"passed": False, "note": "复查仍不合格"})
    assert no_basis.status_code == 422 and no_basis.json is not None
    assert no_basis.json["field"] == "legal_basis"
    failed = api.post(f"/api/v1/measures/{rectify['id']}/outcome", "zhejiang", {
        "passed": False, "note": "复查仍不合格",
        "legal_basis": "《工业产品生产许可证管理条例》第四十九条"})
    assert failed.status_code == 200 and failed.json is not None
    assert failed.json["outcome"] == "failed"
    record = LicenceReader(api.engine).by_number(issued.number)
    assert record.status is LicenceStatus.REVOKED
    detail = LicenceReader(api.engine).status_detail(issued.number)
    assert detail is not None and detail["reason"].startswith("限期整改不合格")
    standing = api.get(f"/api/v1/sharing/enterprises/{USCC}?purpose=承保", "department").json
    assert standing is not None and standing["licensed"] is False
    assert [m["id"] for m in standing["open_measures"]] == [interview["id"]]
    again = api.post(f"/api/v1/measures/{rectify['id']}/outcome", "zhejiang",
                     {"passed": True, "note": "x"})
    assert again.status_code == 409
    kinds = [e["action"] for e in api.get("/api/v1/audit", "auditor").json["items"]]  # type: ignore[index]
    assert kinds.count("measure.order") == 2 and "revoke" in kinds


@freeze_time("2026-06-01 02:00")
def test_passed_rectification_keeps_the_licence(api: Api, issued: IssuedLicence) -> None:
    rectify = order(api)
    passed = api.post(f"/api/v1/measures/{rectify['id']}/outcome", "zhejiang",
                      {"passed": True, "note": "整改合格"})
    assert passed.status_code == 200
    assert LicenceReader(api.engine).by_number(issued.number).status is LicenceStatus.VALID


@freeze_time("2026-06-01 02:00")
def test_measures_are_for_the_licence_province(api: Api, issued: IssuedLicence) -> None:
    assert order(api, status=403, who="jiangsu")["type"].endswith("forbidden")
    assert order(api, status=403, who="enterprise")["type"].endswith("forbidden")
    order(api, status=201, who="national")
    assert order(api, status=422, kind="warning")["field"] == "kind"
    assert order(api, status=422, deadline="2026-05-01")["field"] == "deadline"
    assert api.get(f"/api/v1/sharing/enterprises/{USCC}", "enterprise").status_code == 403


@freeze_time("2026-06-01 02:00")
def test_a_failed_rectification_revokes_and_closes_in_one_transaction(
    api: Api, issued: IssuedLicence, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The revocation and the measure's closing commit together: if closing fails, the
    licence stays valid and the measure open, so the bureau can simply try again (with the
    two in separate transactions the licence was revoked and the retry then refused)."""
    rectify = order(api)
    outcome = {"passed": False, "note": "复查仍不合格",
               "legal_basis": "《工业产品生产许可证管理条例》第四十九条"}

    def disk_full(*args: Any) -> None:
        raise OperationalError("UPDATE measures", {}, Exception("database or disk is full"))

    with monkeypatch.context() as patch:
        patch.setattr(oversight, "close_measure", disk_full)
        assert api.post(f"/api/v1/measures/{rectify['id']}/outcome", "zhejiang",
                        outcome).status_code == 503  # the database failed: retry
    assert LicenceReader(api.engine).by_number(issued.number).status is LicenceStatus.VALID
    retried = api.post(f"/api/v1/measures/{rectify['id']}/outcome", "zhejiang", outcome)
    assert retried.status_code == 200 and retried.json is not None
    assert retried.json["outcome"] == "failed"
    assert LicenceReader(api.engine).by_number(issued.number).status is LicenceStatus.REVOKED
