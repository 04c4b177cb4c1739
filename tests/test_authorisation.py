"""The authorisation matrix: every endpoint × every role, own and other province, asserted.

The subject of every case belongs to Zhejiang (33) and to the reference enterprise; so
``zhejiang`` is the own province and ``jiangsu`` the other one, ``enterprise`` the own
enterprise and ``other_enterprise`` a stranger, ``institution`` the one the test is
assigned to and ``other_institution`` another filed institution.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Callable
from typing import Any

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from certsvc.domain.catalogue import catalogue
from certsvc.domain.documents import EXAMPLE_REFERENCE
from certsvc.domain.evaluations import EVALUATION_SPEC
from certsvc.domain.holidays import statutory_days
from certsvc.domain.licence import Licence
from certsvc.store.models import LicenceRow
from tests.conftest import (
    EXAMPLE_PDF,
    REFERENCE,
    REVIEWERS,
    Api,
    application_body,
    onsite,
)

ROLES = ("national", "zhejiang", "jiangsu", "enterprise", "other_enterprise", "institution",
         "other_institution", "auditor", "department", "review_body", "other_review_body",
         "county", "other_county", "insurer")
NUMBER = "浙XK06-001-00012"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)
POLICY = {"uscc": "91330106MA2H7K3LXA", "policy_number": "PZJA2026-1", "cover_yuan": 5_000_000,
          "starts_on": "2026-06-01", "ends_on": "2027-05-31"}


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


def _under_review(api: Api) -> str:
    return _moved(api, _submitted(api), ("accept", "zhejiang", None))


def _review_assigned(api: Api) -> str:
    """Under review, its on-site review assigned to Zhejiang's review body."""
    return _assigned(api, _under_review(api))


def _evaluation(api: Api) -> dict[str, Any]:
    """The spec's example, of an application assigned to Zhejiang's review body."""
    return {**EVALUATION_SPEC.example(),
            "application": int(_review_assigned(api).rsplit("/", 1)[1])}


def _ready(api: Api) -> str:
    """Conditions and testing passed: ready for the decision."""
    path = _under_review(api)
    assert onsite(api, path).status_code == 200
    return _moved(api, path, (
        "accept_prior_report", "zhejiang", {"institution_id": api.institutions["level1"],
                                            "commissioned": "2026-05-20", "passed": True,
                                            "report_number": "R-1"}))


def _assigned(api: Api, path: str) -> str:
    """The on-site visit assigned to Zhejiang's review body and two of its reviewers."""
    return _moved(api, path, ("assign_review", "zhejiang", _assignment(api)))


def _assignment(api: Api) -> dict[str, Any]:
    return {"review_body_id": api.review_bodies["zhejiang"], "reviewers": REVIEWERS}


def _body_path(api: Api, which: str = "zhejiang") -> str:
    return f"/api/v1/review-bodies/{api.review_bodies[which]}"


def _reporting(api: Api, bureau: str = "zhejiang") -> None:
    response = api.post("/api/v1/review-bodies/annual-reports", bureau,
                        {"year": 2026, "due_on": "2027-01-31"})
    assert response.status_code == 200, response.json


def _filed(api: Api) -> str:
    """Zhejiang's body filed its 2026 report (the example document, uploaded by it)."""
    _reporting(api)
    reference = _upload(api, "review_body")
    path = f"{_body_path(api)}/annual-reports/2026"
    response = api.post(path, "review_body", {"report": reference, "head_report": reference})
    assert response.status_code == 200, response.json
    return path


def _complaint(api: Api, photo: bytes | None = None) -> int:
    """A report from the public on the reference enterprise (Zhejiang, 西湖区), sent through
    the workflow as the form at /report sends it."""
    from certsvc.domain.time import utcnow

    complaints = api.client.application.extensions["certsvc"].complaints
    now = utcnow()
    token = complaints.form_token(now - dt.timedelta(minutes=1))
    complaints.submit({"kind": "product_problem", "description": "电缆绝缘层开裂",
                       "uscc": "91330106MA2H7K3LXA", "contact": "13800000000"},
                      photo, token, "", now, "test")
    items = api.get("/api/v1/complaints", "national").json
    assert items is not None
    return int(items["items"][0]["id"])


def _report_filing(api: Api) -> tuple[str, str, Any]:
    _reporting(api)
    reference = _upload(api, "review_body")
    return ("POST", f"{_body_path(api)}/annual-reports/2026",
            {"report": reference, "head_report": reference})


def _upload(api: Api, who: str) -> str:
    response = api.client.post("/api/v1/documents", headers={
        "Authorization": f"Bearer {api.tokens[who]}"}, data={
        "file": (io.BytesIO(EXAMPLE_PDF), "年度报告.pdf")})
    assert response.status_code == 201 and response.json is not None, response.json
    return str(response.json["ref"])


def _issued_on_commitment(api: Api) -> str:
    """Issued on commitment (告知承诺): the on-site review after issue is pending."""
    from tests.test_procedure_rules import commitment_body

    response = api.post("/api/v1/applications", "enterprise", commitment_body(api))
    assert response.status_code == 201 and response.json is not None, response.json
    return _moved(api, f"/api/v1/applications/{response.json['id']}", (
        "accept", "zhejiang", None), ("approve", "zhejiang", None), ("issue", "zhejiang", None))


RENEWABLE = "浙XK06-001-00013"


def _renewable_licence(api: Api, issuer: Any) -> str:
    """A licence like the reference, valid to 2027-03-14: on the matrices' day (2026-06-01)
    its renewal is in the window (2026-03-14 to 2026-09-14)."""
    return _licence(api, issuer, number=RENEWABLE, issued="2022-03-15",
                    valid_until="2027-03-14")


def _renewal(api: Api, issuer: Any) -> str:
    _renewable_licence(api, issuer)
    body = application_body(kind="renewal", licence_number=RENEWABLE)
    body["materials"] = dict(body["materials"], renewal_commitment="生产条件未变")
    response = api.post("/api/v1/applications", "enterprise", body)
    assert response.status_code == 201 and response.json is not None
    return _moved(api, f"/api/v1/applications/{response.json['id']}",
                  ("accept", "zhejiang", None))


def _licence(api: Api, issuer: Any, **changes: Any) -> str:
    """The reference licence, or one like it (issued once; a later call finds it)."""
    from certsvc.domain.licence_number import LicenceNumber

    data = json.loads(REFERENCE.read_text("utf-8")) | changes
    if data["number"]:  # issued once: a later call finds it
        number = LicenceNumber.parse(data["number"]).canonical
        with api.engine.connect() as conn:
            if conn.execute(select(LicenceRow.id).where(LicenceRow.number == number)).first():
                return f"/api/v1/licences/{number}"
    issued = issuer.issue(Licence.from_dict(data), dt.datetime(2026, 3, 15, 2, tzinfo=dt.UTC))
    return f"/api/v1/licences/{issued.number.canonical}"


def _withdrawn_licence(api: Api, issuer: Any) -> str:
    unit = catalogue().unit(32)
    assert unit.withdrawn is not None
    return _licence(api, issuer, number=None, scope=[unit.name], valid_until="2027-12-31",
                    issued=(unit.withdrawn - dt.timedelta(days=10)).isoformat())


def _declaration(api: Api, issuer: Any) -> tuple[str, str, Any]:
    _licence(api, issuer)  # a declaration covers licensed products only
    return ("POST", "/api/v1/declarations", {
        "items": [{"unit": "架空绝缘电缆", "standards": ["GB/T 12527-2008"]}],
        "commitment": "本企业承诺依法承担产品质量安全主体责任"})


def _accident(api: Api, issuer: Any) -> tuple[str, str, Any]:
    _licence(api, issuer)
    return ("POST", "/api/v1/accidents", {
        "product": "架空绝缘电缆", "occurred_at": "2026-06-01T08:00:00+08:00",
        "learned_at": "2026-06-01T09:00:00+08:00", "description": "绝缘层开裂",
        "measures": "暂停发货"})


def _reported(api: Api, issuer: Any) -> int:
    _, path, body = _accident(api, issuer)
    response = api.post(path, "enterprise", body)
    assert response.status_code == 201 and response.json is not None
    return int(response.json["id"])


RECALL = {"products": ["架空绝缘电缆"], "defect": "绝缘层开裂", "batches": "20260501",
          "sold": 120, "unsold": 30, "remedy": "免费更换", "contact": "0571-88888888"}


def _identifier_path(api: Api, issuer: Any) -> str:
    """The sharing interface's path of the reference licence, by its identifier."""
    from certsvc.domain.e_licence import identifier_of
    from certsvc.domain.licence_number import LicenceNumber

    _licence(api, issuer)
    return f"/api/v1/sharing/licences/{identifier_of(LicenceNumber.parse(NUMBER), 1)}"


def _licensed_post(api: Api, issuer: Any, path: str, body: Any) -> tuple[str, str, Any]:
    """A POST about the reference enterprise's licensed products (the licence issued first)."""
    _licence(api, issuer)
    return ("POST", path, body)


def _spot_check_body(api: Api) -> dict[str, Any]:
    return {"uscc": "91330106MA2H7K3LXA", "products": [4, 5, 6], "level": "provincial",
            "checked_on": "2026-03-01", "institution_id": api.institutions["level1"],
            "passed": True, "reference": "浙市监抽〔2026〕3号"}


def _spot_check(api: Api, issuer: Any) -> int:
    _licence(api, issuer)
    response = api.post("/api/v1/spot-checks", "zhejiang", _spot_check_body(api))
    assert response.status_code == 201 and response.json is not None
    return int(response.json["id"])


def _recall(api: Api, issuer: Any) -> int:
    _licence(api, issuer)
    response = api.post("/api/v1/recalls", "enterprise", RECALL)
    assert response.status_code == 201 and response.json is not None
    return int(response.json["id"])


def _measure(api: Api, issuer: Any) -> int:
    _licence(api, issuer)
    response = api.post("/api/v1/measures", "zhejiang", {
        "licence_number": NUMBER, "kind": "rectify", "reason": "抽查不合格",
        "deadline": "2026-07-01"})
    assert response.status_code == 201 and response.json is not None
    return int(response.json["id"])


def _suspended(api: Api, issuer: Any) -> str:
    path = _licence(api, issuer)
    return _moved(api, path, ("suspend", "zhejiang", {"order": "stop_production",
                                                      "reason": "事故"}))


Case = Callable[[Api, Any], tuple[str, str, Any]]  # → (method, path, body)

BUREAUS = {"national", "zhejiang"}
PROVINCE = {"zhejiang"}  # it approves; the national authority no longer does
EVERYONE = set(ROLES)
# supervision lists (accidents, spot checks, recalls, measures) are not theirs
NOT_SUPERVISION = {"institution", "other_institution", "department", "review_body",
                   "other_review_body", "insurer"}
SUPERVISING = BUREAUS | {"county"}  # the county of the reference enterprise supervises it
ENDPOINTS: dict[str, tuple[Case, set[str], int]] = {
    "me": (lambda api, _: ("GET", "/api/v1/me", None), EVERYONE, 200),
    "list applications": (lambda api, _: ("GET", "/api/v1/applications", None),
                          EVERYONE - {"department", "county", "other_county", "insurer"},
                          200),
    "refuse acceptance": (lambda api, _: ("POST", _submitted(api) + "/refuse_acceptance",
                                          {"reasons": "不属于本机关"}), PROVINCE, 200),
    "assign review": (lambda api, _: ("POST", _under_review(api) + "/assign_review",
                                      _assignment(api)), PROVINCE, 200),
    "record onsite": (lambda api, _: ("POST", _assigned(api, _under_review(api))
                                      + "/record_onsite", {
        "passed": True, "reviewers": REVIEWERS}), {"review_body"}, 200),
    "accept commitment": (lambda api, issuer: ("POST", _renewal(api, issuer)
                                               + "/accept_commitment", None), PROVINCE, 200),
    "exempt testing": (lambda api, issuer: ("POST", _under_review(api) + "/exempt_testing", {
        "spot_check_id": _spot_check(api, issuer)}), PROVINCE, 200),
    "record spot check": (lambda api, issuer: _licensed_post(
        api, issuer, "/api/v1/spot-checks", _spot_check_body(api)), BUREAUS, 201),
    "announce recall": (lambda api, issuer: _licensed_post(api, issuer, "/api/v1/recalls",
                                                           RECALL), {"enterprise"}, 201),
    "close recall": (lambda api, issuer: ("POST", f"/api/v1/recalls/{_recall(api, issuer)}/close",
                                          {"note": "已更换"}), {"enterprise"}, 200),
    "order measure": (lambda api, issuer: _licensed_post(api, issuer, "/api/v1/measures", {
        "licence_number": NUMBER, "kind": "interview", "reason": "抽查不合格"}), SUPERVISING,
                      201),
    "measure outcome": (lambda api, issuer: (
        "POST", f"/api/v1/measures/{_measure(api, issuer)}/outcome",
        {"passed": True, "note": "已整改"}), SUPERVISING, 200),
    "order recall": (lambda api, issuer: ("POST", "/api/v1/recall-orders", {
        "cause": "accident", "cause_id": _reported(api, issuer), "reason": "危及人身安全",
        "deadline": "2026-07-01"}), SUPERVISING, 201),
    "list recall orders": (lambda api, _: ("GET", "/api/v1/recall-orders?state=overdue",
                                           None), EVERYONE - NOT_SUPERVISION, 200),
    "sharing standing": (lambda api, issuer: (
        "GET", "/api/v1/sharing/enterprises/91330106MA2H7K3LXA?purpose=承保审核", None),
        {"national", "auditor", "department", "insurer"}, 200),
    # authorised, the answer is 409: Zhejiang's key is Ed25519 and a seal needs SM2
    "licence ofd": (lambda api, issuer: ("GET", _licence(api, issuer) + "/ofd", None),
                    {"enterprise", "zhejiang", "national"}, 409),
    "shared by holder": (lambda api, issuer: (_licence(api, issuer) and "GET",
                         "/api/v1/sharing/licences?holder_code=91330106MA2H7K3LXA"
                         "&holder_type=001&purpose=招投标资格审查", None),
                         {"national", "auditor", "department"}, 200),
    "shared licence": (lambda api, issuer: (
        "GET", _identifier_path(api, issuer) + "?purpose=招投标资格审查", None),
        {"national", "auditor", "department"}, 200),
    "shared status": (lambda api, issuer: (
        "GET", _identifier_path(api, issuer) + "/status?purpose=招投标资格审查", None),
        {"national", "auditor", "department"}, 200),
    "shared file": (lambda api, issuer: (
        "GET", _identifier_path(api, issuer) + "/file?purpose=招投标资格审查", None),
        {"national", "auditor", "department"}, 200),
    "file policy": (lambda api, _: ("POST", "/api/v1/insurance-policies", POLICY),
                    {"insurer"}, 201),
    "list policies": (lambda api, _: ("GET", "/api/v1/insurance-policies", None),
                      (EVERYONE - NOT_SUPERVISION) | {"insurer"}, 200),
    "add institution": (lambda api, _: ("POST", "/api/v1/institutions", {
        "name": "新检测机构", "accreditation": "CMA-9", "level": 2, "filed": True}),
                        {"national"}, 201),
    "institution filing": (lambda api, _: (
        "POST", f"/api/v1/institutions/{api.institutions['level3']}/filing", {"filed": False}),
                           {"national"}, 200),
    "accept prior report": (lambda api, _: ("POST", _under_review(api) + "/accept_prior_report",
                                            {"institution_id": api.institutions["level1"],
                                             "commissioned": "2026-05-20", "passed": True,
                                             "report_number": "R-1"}), PROVINCE, 200),
    "approve": (lambda api, _: ("POST", _ready(api) + "/approve", None), PROVINCE, 200),
    "issue": (lambda api, _: ("POST", _moved(api, _ready(api), ("approve", "zhejiang", None))
                              + "/issue", None), PROVINCE, 200),
    "record post review": (lambda api, _: ("POST", _assigned(api, _issued_on_commitment(api))
                                           + "/record_post_review", {
        "passed": True, "reviewers": REVIEWERS}), {"review_body"}, 200),
    "register review body": (lambda api, _: ("POST", "/api/v1/review-bodies", {
        "name": "新审查机构", "uscc": "123300004700033400", "not_for_profit": True,
        "qualification": "审查机构资质", "products": ["架空绝缘电缆"]}), BUREAUS | {"jiangsu"},
                             201),
    "list review bodies": (lambda api, _: ("GET", "/api/v1/review-bodies", None),
                           BUREAUS | {"jiangsu", "auditor", "review_body",
                                      "other_review_body"}, 200),
    "add reviewer": (lambda api, _: ("POST", _body_path(api) + "/reviewers", {
        "name": "王芳", "qualification_number": "SC-33-2024-0099"}), BUREAUS, 201),
    "declare conflict": (lambda api, _: ("POST", _body_path(api) + "/conflicts", {
        "uscc": "91330106MA2H7K3LXA", "note": "曾为该企业提供咨询"}),
                         BUREAUS | {"review_body"}, 201),
    "review body status": (lambda api, _: ("POST", _body_path(api) + "/status", {
        "status": "suspended", "reason": "年度检查不合格"}), BUREAUS, 200),
    "set report deadline": (lambda api, _: ("POST", "/api/v1/review-bodies/annual-reports", {
        "year": 2026, "due_on": "2027-01-31"}), BUREAUS | {"jiangsu"}, 200),
    "list annual reports": (lambda api, _: ("GET", "/api/v1/review-bodies/annual-reports"
                                                   "?state=due", None),
                            BUREAUS | {"jiangsu", "auditor", "review_body",
                                       "other_review_body"}, 200),
    "file annual report": (lambda api, _: _report_filing(api), {"review_body"}, 200),
    "inspect annual report": (lambda api, _: ("POST", _filed(api) + "/inspection", {
        "passed": True, "note": "符合要求"}), BUREAUS, 200),
    "annual report document": (lambda api, _: ("GET", _filed(api) + "/documents/report",
                                               None), BUREAUS | {"review_body"}, 200),
    # only the body assigned the review (Jiangsu's recorded one of a Zhejiang enterprise it
    # was never assigned: issue 24)
    "record evaluation": (lambda api, _: ("POST", "/api/v1/evaluations", _evaluation(api)),
                          {"review_body"}, 201),
    "list evaluations": (lambda api, _: ("GET", "/api/v1/evaluations", None),
                         EVERYONE - {"institution", "other_institution", "department",
                                     "insurer"}, 200),
    "list grades": (lambda api, _: ("GET", "/api/v1/grades?grade=B", None),
                    BUREAUS | {"jiangsu", "auditor", "county", "other_county"}, 200),
    "grade": (lambda api, issuer: ("GET", (_licence(api, issuer),
                                           "/api/v1/grades/91330106MA2H7K3LXA")[1], None),
              SUPERVISING | {"auditor"}, 200),
    "override grade": (lambda api, issuer: (
        "POST", (_licence(api, issuer), "/api/v1/grades/91330106MA2H7K3LXA/override")[1],
        {"grade": "C", "reason": "日常检查发现问题"}), SUPERVISING, 200),
    "list complaints": (lambda api, _: ("GET", "/api/v1/complaints?state=open", None),
                        BUREAUS | {"jiangsu", "auditor", "county", "other_county"}, 200),
    "decide complaint": (lambda api, _: (
        "POST", f"/api/v1/complaints/{_complaint(api)}/decision",
        {"decision": "not_filed", "note": "经核查不属实"}), SUPERVISING, 200),
    "complaint photo": (lambda api, _: (
        "GET", f"/api/v1/complaints/{_complaint(api, PNG)}/photo", None), SUPERVISING, 200),
    "institution status": (lambda api, _: (
        "POST", f"/api/v1/institutions/{api.institutions['level3']}/status",
        {"status": "barred", "reason": "市场反映不具备相应技术能力"}), {"national"}, 200),
    "change licence": (lambda api, issuer: ("POST", _licence(api, issuer) + "/change", {
        "enterprise": {"residence": "杭州市西湖区文三路200号"}}), PROVINCE, 200),
    "lift suspension": (lambda api, issuer: ("POST", _suspended(api, issuer)
                                             + "/lift_suspension", {"reason": "整改合格"}),
                        BUREAUS, 200),
    "penalty revoke licence": (lambda api, issuer: ("POST", _licence(api, issuer)
                                                    + "/penalty_revoke",
                                                    {"reason": "x", "legal_basis": "y"}),
                               BUREAUS, 200),
    "cancel licence": (lambda api, issuer: ("POST", _licence(api, issuer) + "/cancel",
                                            {"reason": "依职权注销"}), BUREAUS, 200),
    "no longer required": (lambda api, issuer: ("POST", _withdrawn_licence(api, issuer)
                                                + "/no_longer_required", {"reason": "目录调整"}),
                           {"national"}, 200),
    # name: (set-up returning the request, roles allowed, status when allowed)
    "submit": (lambda api, _: ("POST", "/api/v1/applications", application_body()),
               {"enterprise"}, 201),
    "read application": (lambda api, _: ("GET", _submitted(api), None),
                         {"national", "zhejiang", "enterprise", "auditor"}, 200),
    "accept": (lambda api, _: ("POST", _submitted(api) + "/accept", None),
               PROVINCE, 200),
    "request correction": (lambda api, _: ("POST", _submitted(api) + "/request_correction",
                                           {"missing": ["营业执照"]}),
                           PROVINCE, 200),
    "resubmit": (lambda api, _: ("POST", _awaiting_correction(api) + "/resubmit",
                                 {"materials": {"business_licence": EXAMPLE_REFERENCE}}),
                 {"enterprise"}, 200),
    "choose institution": (lambda api, _: ("POST", _moved(
        api, _submitted(api), ("accept", "zhejiang", None)) + "/choose_institution",
        {"institution_id": api.institutions["level1"]}), {"enterprise"}, 200),
    "record test": (lambda api, _: ("POST", _in_testing(api) + "/record_test",
                                    {"passed": True, "report_number": "R-1",
                                     "report": EXAMPLE_REFERENCE}), {"institution"}, 200),
    "refuse": (lambda api, _: ("POST", _in_testing(api) + "/refuse", {"reasons": "不合格"}),
               PROVINCE, 200),
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
    "feed": (lambda api, _: ("GET", "/api/v1/feed?purpose=招标投标资格审查", None),
             {"national", "auditor", "department"}, 200),
    "licences export": (lambda api, _: ("GET", "/api/v1/exports/licences.csv?purpose=核验",
                                        None),
                        {"national", "auditor", "department"}, 200),
    "events export": (lambda api, _: ("GET", "/api/v1/exports/events.csv?purpose=核验",
                                      None),
                      {"national", "auditor", "department"}, 200),
    "declare": (lambda api, issuer: _declaration(api, issuer), {"enterprise"}, 201),
    "report accident": (lambda api, issuer: _accident(api, issuer), {"enterprise"}, 201),
    "accident follow-up": (lambda api, issuer: (
        "POST", f"/api/v1/accidents/{_reported(api, issuer)}/follow_up",
        {"cause": "原因", "measures": "措施"}), {"enterprise"}, 200),
    "list accidents": (lambda api, _: ("GET", "/api/v1/accidents", None),
                       EVERYONE - NOT_SUPERVISION, 200),
    "bulk preview": (lambda api, issuer: (
        "POST", (_licence(api, issuer), "/api/v1/bulk-status-changes/preview")[1],
        {"action": "cancel", "numbers": [NUMBER], "reason": "停产"}), BUREAUS | {"jiangsu"},
        200),
    "bulk change": (lambda api, issuer: (
        "POST", (_licence(api, issuer), "/api/v1/bulk-status-changes")[1],
        {"action": "cancel", "numbers": [NUMBER], "reason": "停产"}), BUREAUS, 200),
    "load holiday notice": (lambda api, _: ("POST", "/api/v1/calendar/notices", {
        "year": 2027, "notice": "通知", "holidays": [
            d.isoformat() for d in sorted(statutory_days(2027))]}), {"national"}, 201),
    "calendar year": (lambda api, _: ("GET", "/api/v1/calendar/2027", None), EVERYONE, 200),
    "list spot checks": (lambda api, _: ("GET", "/api/v1/spot-checks", None),
                         EVERYONE - NOT_SUPERVISION, 200),
    "list recalls": (lambda api, _: ("GET", "/api/v1/recalls?open=true", None),
                     EVERYONE - NOT_SUPERVISION, 200),
    "list measures": (lambda api, _: ("GET", "/api/v1/measures?open=true&limit=5", None),
                      EVERYONE - NOT_SUPERVISION, 200),
}
# An enterprise declares only for itself, so another enterprise is not refused but told it
# holds no licence for those products.
OTHERWISE = {("declare", "other_enterprise"): 422, ("report accident", "other_enterprise"): 422,
             ("accident follow-up", "other_enterprise"): 403,
             ("announce recall", "other_enterprise"): 422,
             ("close recall", "other_enterprise"): 404,
             # another province's licence is refused in the batch, which then changes none
             ("bulk change", "jiangsu"): 422,
             # the county supervises the enterprise, but records county-level checks only
             ("record spot check", "county"): 422,
             ("licence ofd", "other_enterprise"): 404}
PUBLIC = {  # no account needed; any token is fine too
    "openapi": "/bureau/openapi.json",
    "liveness": "/bureau/healthz",
    "readiness": "/bureau/readyz",
    "status list": "/api/v1/status-list",
}


@pytest.mark.parametrize("role", (*ROLES, None))
@pytest.mark.parametrize("endpoint", sorted(PUBLIC))
@freeze_time("2026-06-01 02:00:00")
def test_public_endpoints(api: Api, issuer: Any, endpoint: str, role: str | None) -> None:
    _licence(api, issuer)
    # the status list exists once a status change was published
    api.post(f"/api/v1/licences/{NUMBER}/suspend", "zhejiang",
             {"order": "stop_production", "reason": "x"})
    assert api.call("GET", PUBLIC[endpoint], role).status_code == 200


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
@freeze_time("2026-06-01 02:00:00")
def test_matrix(api: Api, issuer: Any, endpoint: str, role: str) -> None:
    setup, allowed, success = ENDPOINTS[endpoint]
    method, path, body = setup(api, issuer)
    response = api.call(method, path, role, body)
    expected = success if role in allowed else OTHERWISE.get((endpoint, role), 403)
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


@freeze_time("2026-06-01 02:00:00")
def test_supervision_lists_show_each_account_only_its_own(api: Api, issuer: Any) -> None:
    """Spot checks, recalls and measures: a bureau sees its province's (a recall: of an
    enterprise it licensed), an enterprise its own, the national authority and auditors all."""
    _licence(api, issuer)
    check = api.post("/api/v1/spot-checks", "zhejiang", _spot_check_body(api)).json["id"]
    recall = api.post("/api/v1/recalls", "enterprise", RECALL).json["id"]
    measure = api.post("/api/v1/measures", "zhejiang", {
        "licence_number": NUMBER, "kind": "interview", "reason": "抽查不合格"}).json["id"]
    for role, sees in (("national", True), ("zhejiang", True), ("jiangsu", False),
                       ("enterprise", True), ("other_enterprise", False), ("auditor", True)):
        for path, own in (("/api/v1/spot-checks", check), ("/api/v1/recalls", recall),
                          ("/api/v1/measures", measure)):
            listed = api.get(path, role).json
            assert listed is not None
            assert [i["id"] for i in listed["items"]] == ([own] if sees else []), (role, path)
    api.post(f"/api/v1/recalls/{recall}/close", "enterprise", {"note": "已全部更换"})
    assert api.get("/api/v1/recalls?open=true", "zhejiang").json == {
        "items": [], "next_before": None}
    closed = api.get("/api/v1/recalls", "zhejiang").json
    assert closed is not None and closed["items"][0]["closed_at"] is not None


@freeze_time("2026-06-01 02:00:00")
def test_supervision_lists_page_back(api: Api, issuer: Any) -> None:
    _licence(api, issuer)
    ids = [api.post("/api/v1/measures", "zhejiang", {
        "licence_number": NUMBER, "kind": "interview", "reason": f"第{i}次"}).json["id"]
        for i in range(3)]
    first = api.get("/api/v1/measures?limit=2", "zhejiang").json
    assert first is not None and [m["id"] for m in first["items"]] == ids[:0:-1]
    rest = api.get(f"/api/v1/measures?limit=2&before={first['next_before']}", "zhejiang").json
    assert rest is not None and [m["id"] for m in rest["items"]] == ids[:1]
    for bad in ("limit=0", "limit=501", "before=0", "before=x", "before=99999999999"):
        answer = api.get(f"/api/v1/measures?{bad}", "zhejiang")
        assert answer.status_code == 422, bad


# --- a stranger learns nothing of what exists ------------------------------------------------
OWN = {"national", "zhejiang", "enterprise", "auditor"}  # who may know the subject exists
ID_ROUTES: dict[str, tuple[Callable[[Api, Any], str], Any, set[str]]] = {
    # name: (set-up returning the path with the real id in it, body, who may know it exists)
    # (recalls and institutions are public registers: their ids are no secret)
    "read application": (lambda api, _: _submitted(api), None, OWN),
    "act on application": (lambda api, _: _submitted(api) + "/accept", None, OWN),
    "unknown application action": (lambda api, _: _submitted(api) + "/no_such_action", None,
                                   set()),
    "accident follow-up": (lambda api, issuer: f"/api/v1/accidents/{_reported(api, issuer)}"
                           "/follow_up", {"cause": "原因", "measures": "措施"}, OWN),
    "measure outcome": (lambda api, issuer: f"/api/v1/measures/{_measure(api, issuer)}"
                        "/outcome", {"passed": True, "note": "已整改"}, OWN | {"county"}),
}
MISSING_ID = 987_654


def _with_missing_id(path: str) -> tuple[str, str]:
    """The path with the id replaced by one that does not exist, and the real id."""
    head, _, tail = path.partition("/api/v1/")
    parts = tail.split("/")
    return head + "/api/v1/" + "/".join([parts[0], str(MISSING_ID), *parts[2:]]), parts[1]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", sorted(ID_ROUTES))
@freeze_time("2026-06-01 02:00:00")
def test_a_stranger_cannot_tell_whether_an_id_exists(
    api: Api, issuer: Any, route: str, role: str
) -> None:
    """A stranger gets the same answer for another's id as for an id that does not exist."""
    setup, body, own = ID_ROUTES[route]
    path = setup(api, issuer)
    method = "GET" if route == "read application" else "POST"
    missing_path, real_id = _with_missing_id(path)
    missing = api.call(method, missing_path, role, body)
    assert missing.status_code in (403, 404) and missing.json is not None
    if role in own:
        return
    real = api.call(method, path, role, body)
    assert real.json is not None
    assert (real.status_code, real.json["type"], real.json["detail"].replace(real_id, "N")) \
        == (missing.status_code, missing.json["type"],
            missing.json["detail"].replace(str(MISSING_ID), "N")), (route, role)
    assert "state" not in real.json and "allowed_actions" not in real.json
