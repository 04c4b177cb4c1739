"""The authorisation matrix: every endpoint × every role, own and other province, asserted.

The subject of every case belongs to Zhejiang (33) and to the reference enterprise; so
``zhejiang`` is the own province and ``jiangsu`` the other one, ``enterprise`` the own
enterprise and ``other_enterprise`` a stranger, ``institution`` the one the test is
assigned to and ``other_institution`` another filed institution.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from freezegun import freeze_time

from certsvc.domain.licence import Licence
from tests.conftest import REFERENCE, Api, application_body

ROLES = ("national", "zhejiang", "jiangsu", "enterprise", "other_enterprise", "institution",
         "other_institution", "auditor")
NUMBER = "浙XK06-001-00012"


def _submitted(api: Api) -> str:
    response = api.post("/api/v1/applications", "enterprise", application_body())
    assert response.status_code == 201
    assert response.json is not None
    return f"/api/v1/applications/{response.json['id']}"


def _moved(api: Api, path: str, *steps: tuple[str, str, Any]) -> str:
    for action, who, body in steps:
        response = api.post(f"{path}/{action}", who, body)
        assert response.status_code == 200, response.json
    return path


def _in_testing(api: Api) -> str:
    return _moved(api, _submitted(api), ("accept", "zhejiang", None),
                  ("choose_institution", "enterprise",
                   {"institution_id": api.institutions["level1"]}))


def _awaiting_correction(api: Api) -> str:
    return _moved(api, _submitted(api), ("request_correction", "zhejiang", {"missing": ["x"]}))


def _licence(api: Api, issuer: Any) -> str:
    issuer.issue(Licence.from_dict(json.loads(REFERENCE.read_text("utf-8"))),
                 dt.datetime(2026, 3, 15, 2, tzinfo=dt.UTC))
    return f"/api/v1/licences/{NUMBER}"


Case = Callable[[Api, Any], tuple[str, str, Any]]  # → (method, path, body)

ENDPOINTS: dict[str, tuple[Case, set[str], int]] = {
    # name: (set-up returning the request, roles allowed, status when allowed)
    "submit": (lambda api, _: ("POST", "/api/v1/applications", application_body()),
               {"enterprise"}, 201),
    "read application": (lambda api, _: ("GET", _submitted(api), None),
                         {"national", "zhejiang", "enterprise", "auditor"}, 200),
    "accept": (lambda api, _: ("POST", _submitted(api) + "/accept", None),
               {"national", "zhejiang"}, 200),
    "request correction": (lambda api, _: ("POST", _submitted(api) + "/request_correction",
                                           {"missing": ["营业执照"]}),
                           {"national", "zhejiang"}, 200),
    "resubmit": (lambda api, _: ("POST", _awaiting_correction(api) + "/resubmit",
                                 {"materials": {"business_licence": "new.pdf"}}),
                 {"enterprise"}, 200),
    "choose institution": (lambda api, _: ("POST", _moved(
        api, _submitted(api), ("accept", "zhejiang", None)) + "/choose_institution",
        {"institution_id": api.institutions["level1"]}), {"enterprise"}, 200),
    "record test": (lambda api, _: ("POST", _in_testing(api) + "/record_test",
                                    {"passed": True, "report_number": "R-1"}),
                    {"institution"}, 200),
    "refuse": (lambda api, _: ("POST", _in_testing(api) + "/refuse", {"reasons": "不合格"}),
               {"national", "zhejiang"}, 200),
    "suspend licence": (lambda api, issuer: ("POST", _licence(api, issuer) + "/suspend", {
        "order": "stop_production", "reason": "事故"}), {"national", "zhejiang"}, 200),
    "revoke licence": (lambda api, issuer: ("POST", _licence(api, issuer) + "/revoke", {
        "reason": "x", "legal_basis": "y"}), {"national", "zhejiang"}, 200),
    "request cancellation": (lambda api, issuer: (
        "POST", _licence(api, issuer) + "/request_cancellation", {"reason": "停产"}),
        {"enterprise"}, 200),
    "withdrawals": (lambda api, _: ("POST", "/api/v1/catalogue/withdrawals", None),
                    {"national"}, 200),
    "audit log": (lambda api, _: ("GET", "/api/v1/audit", None),
                  {"national", "zhejiang", "jiangsu", "auditor"}, 200),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
@freeze_time("2026-06-01 02:00:00")
def test_matrix(api: Api, issuer: Any, endpoint: str, role: str) -> None:
    setup, allowed, success = ENDPOINTS[endpoint]
    method, path, body = setup(api, issuer)
    response = api.call(method, path, role, body)
    expected = success if role in allowed else 403
    assert response.status_code == expected, (endpoint, role, response.json)
    if expected == 403:
        assert response.json is not None
        assert response.json["type"] == "urn:certsvc:problem:forbidden"


@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
@freeze_time("2026-06-01 02:00:00")
def test_matrix_without_a_token(api: Api, issuer: Any, endpoint: str) -> None:
    method, path, body = ENDPOINTS[endpoint][0](api, issuer)
    response = api.call(method, path, None, body)
    assert response.status_code == 401
    assert response.json is not None
    assert response.json["type"] == "urn:certsvc:problem:unauthenticated"


@freeze_time("2026-06-01 02:00:00")
def test_lists_show_each_account_only_its_own(api: Api) -> None:
    path = _in_testing(api)
    own_id = int(path.rsplit("/", 1)[1])
    for role, sees in (("national", [own_id]), ("zhejiang", [own_id]), ("jiangsu", []),
                       ("enterprise", [own_id]), ("other_enterprise", []),
                       ("institution", [own_id]), ("other_institution", []),
                       ("auditor", [own_id])):
        listed = api.get("/api/v1/applications", role).json
        assert listed is not None
        assert [a["id"] for a in listed["items"]] == sees, role
