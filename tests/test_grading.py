"""分类监管 and 质量安全评价: the grading rule as a table, the grade of an enterprise from its
record through the API, a bureau's audited override, the spot-check frequency list, an
enterprise whose product left the catalogue checked and graded, and evaluations recorded by a
review body and shown on the application."""

from __future__ import annotations

from typing import Any

import pytest
from freezegun import freeze_time

from certsvc.domain.evaluations import CRITERIA, rating
from certsvc.domain.grading import Record, grade
from certsvc.domain.uscc import check_character
from tests.conftest import OTHER_USCC, Api, application_body
from tests.test_authorisation import (
    _licence,
    _review_assigned,
    _spot_check_body,
    _under_review,
    _withdrawn_licence,
)

USCC = "91330106MA2H7K3LXA"
RULE_TABLE: list[tuple[Record, str, str]] = [  # record, grade, a reason it gives
    (Record(), "B", "nothing against it"),
    (Record(spot_checks_passed=1), "A", "spot checks passed"),
    (Record(evaluation="good"), "A", "good evaluation"),
    (Record(spot_checks_passed=3, delisted=True), "B", "left the catalogue"),
    (Record(evaluation="adequate"), "B", "nothing against it"),
    (Record(spot_checks_passed=2, spot_checks_failed=1), "C", "a spot check failed"),
    (Record(measures_open=1), "C", "open measures"),
    (Record(complaints_filed=2), "C", "cases from public reports"),
    (Record(accidents=1), "C", "accidents"),
    (Record(accidents=1, accidents_late=1), "C", "reported late"),
    (Record(evaluation="inadequate"), "C", "inadequate evaluation"),
    (Record(spot_checks_failed=2), "D", "spot checks failed"),
    (Record(revoked=1, spot_checks_passed=5), "D", "licence revoked"),
    (Record(rectifications_failed=1), "D", "a rectification failed"),
    (Record(evaluation="inadequate", spot_checks_failed=1), "D",
     "inadequate evaluation and a failed spot check"),
]


@pytest.mark.parametrize(("record", "letter", "reason"), RULE_TABLE)
def test_the_rule(record: Record, letter: str, reason: str) -> None:
    graded = grade(record)
    assert graded.grade == letter
    assert any(reason in r for r in graded.reasons), graded.reasons
    assert graded.checks_per_year == {"A": 0.5, "B": 1.0, "C": 2.0, "D": 4.0}[letter]


def test_the_rating_of_an_evaluation() -> None:
    assert rating([10] * 7) == "good" and rating([8] * 7) == "good"
    assert rating([7] * 7) == "adequate" and rating([10, 10, 10, 10, 10, 10, 5]) == \
        "inadequate"


def scores(value: int = 9, **special: int) -> list[dict[str, Any]]:
    return [{"criterion": c, "score": special.get(c, value)} for c in CRITERIA]


def graded(api: Api, who: str, status: int = 200) -> Any:
    answer = api.get(f"/api/v1/grades/{USCC}", who)
    assert answer.status_code == status, answer.json
    return answer.json


@freeze_time("2026-06-01 02:00:00")
def test_a_grade_from_the_record_and_an_audited_override(api: Api, issuer: Any) -> None:
    _licence(api, issuer)
    assert graded(api, "zhejiang")["grade"] == "B"
    api.post("/api/v1/spot-checks", "zhejiang", _spot_check_body(api))
    first = graded(api, "county")
    assert first["grade"] == "A" and first["last_spot_check"] == "2026-03-01"
    assert first["checks_per_year"] == 0.5 and first["computed"]["rule"]
    api.post("/api/v1/spot-checks", "zhejiang", {**_spot_check_body(api), "passed": False,
                                                 "checked_on": "2026-05-01"})
    failed = graded(api, "zhejiang")
    assert failed["grade"] == "C" and "a spot check failed" in failed["computed"]["reasons"][0]
    for who in ("jiangsu", "other_county", "enterprise", "institution", "department"):
        graded(api, who, 403)
    assert graded(api, "auditor")["grade"] == "C"
    refused = api.post(f"/api/v1/grades/{USCC}/override", "auditor",
                       {"grade": "D", "reason": "x"})
    assert refused.status_code == 403
    bad = api.post(f"/api/v1/grades/{USCC}/override", "zhejiang", {"grade": "E", "reason": "x"})
    assert bad.status_code == 422
    overridden = api.post(f"/api/v1/grades/{USCC}/override", "zhejiang",
                          {"grade": "D", "reason": "日常检查发现原料进货查验记录缺失"})
    assert overridden.status_code == 200 and overridden.json is not None
    assert overridden.json["grade"] == "D" and overridden.json["computed"]["grade"] == "C"
    assert overridden.json["override"]["reason"] == "日常检查发现原料进货查验记录缺失"
    assert overridden.json["checks_per_year"] == 4.0
    log = api.get(f"/api/v1/audit?subject=enterprise:{USCC}", "auditor").json
    assert log is not None
    (entry,) = [e for e in log["items"] if e["action"] == "grade.override"]
    assert entry["before"]["grade"] == "C" and entry["after"]["grade"] == "D"
    # the frequency list: by grade, paged by USCC
    listed = api.get("/api/v1/grades?grade=D", "zhejiang").json
    assert listed is not None and [e["uscc"] for e in listed["items"]] == [USCC]
    assert api.get("/api/v1/grades?grade=A", "zhejiang").json == {"items": [],
                                                                   "next_after": None}
    assert api.get("/api/v1/grades", "jiangsu").json == {"items": [], "next_after": None}
    assert api.get("/api/v1/grades?grade=Z", "zhejiang").status_code == 422
    unknown = api.get("/api/v1/grades/91320400MA1MXXXX0X", "national")
    assert unknown.status_code in (404, 422)


@freeze_time("2026-06-01 02:00:00")
def test_an_enterprise_whose_product_left_the_catalogue_is_checked_and_graded(
        api: Api, issuer: Any) -> None:
    path = _withdrawn_licence(api, issuer)
    number = path.rsplit("/", 1)[1]
    withdrawn = api.post("/api/v1/catalogue/withdrawals", "national")
    assert withdrawn.status_code == 200 and withdrawn.json is not None
    assert number in withdrawn.json["no_longer_required"]
    unit = api.get(f"/api/v1/licences/{number}", "zhejiang")
    assert unit.status_code in (200, 404)
    check = api.post("/api/v1/spot-checks", "zhejiang", {
        **_spot_check_body(api), "products": [32], "passed": True})
    assert check.status_code == 201, check.json
    enterprise = graded(api, "zhejiang")
    assert enterprise["delisted"] is True and enterprise["grade"] == "B"
    assert any("left the catalogue" in r for r in enterprise["computed"]["reasons"])
    listed = api.get("/api/v1/grades", "national").json
    assert listed is not None and listed["items"][0]["delisted"] is True


@freeze_time("2026-06-01 02:00:00")
def test_evaluations_are_recorded_by_a_review_body_and_shown_on_the_application(
        api: Api, issuer: Any) -> None:
    _licence(api, issuer)
    assigned = int(_review_assigned(api).rsplit("/", 1)[1])
    body = {"application": assigned, "uscc": USCC, "evaluated_on": "2026-05-20",
            "scores": scores(9, quality_management=4), "conclusion": "质量管理制度未有效运行"}
    for who in ("zhejiang", "enterprise", "institution", "other_review_body"):
        assert api.post("/api/v1/evaluations", who, body).status_code == 403, who
    # an evaluation belongs to an assignment: none, or another enterprise's application
    unassigned = int(_under_review(api).rsplit("/", 1)[1])
    for application in (unassigned, 999_999):
        refused = api.post("/api/v1/evaluations", "review_body",
                           {**body, "application": application})
        assert refused.status_code == 403 and refused.json is not None
        assert "assigned no on-site review" in refused.json["detail"]
    other = api.post("/api/v1/evaluations", "review_body",
                     {**body, "uscc": OTHER_USCC + check_character(OTHER_USCC)})
    assert other.status_code == 422 and other.json is not None
    assert "not this enterprise's" in other.json["detail"]
    short = api.post("/api/v1/evaluations", "review_body", {**body, "scores": scores()[:6]})
    assert short.status_code == 422
    twice = api.post("/api/v1/evaluations", "review_body",
                     {**body, "scores": [*scores()[:6], scores()[0]]})
    assert twice.status_code == 422 and twice.json is not None
    assert twice.json["field"] == "scores"
    future = api.post("/api/v1/evaluations", "review_body", {**body, "evaluated_on":
                                                             "2026-06-02"})
    assert future.status_code == 422
    recorded = api.post("/api/v1/evaluations", "review_body", body)
    assert recorded.status_code == 201 and recorded.json is not None
    assert recorded.json["rating"] == "inadequate"
    assert recorded.json["review_body"] == "浙江省产品质量审查中心"
    assert graded(api, "zhejiang")["grade"] == "C"
    for who, sees in (("zhejiang", 1), ("county", 1), ("enterprise", 1), ("jiangsu", 0),
                      ("review_body", 1), ("other_review_body", 0)):
        listed = api.get("/api/v1/evaluations", who).json
        assert listed is not None and len(listed["items"]) == sees, who
    application = api.post("/api/v1/applications", "enterprise", application_body()).json
    assert application is not None
    shown = api.get(f"/api/v1/applications/{application['id']}", "zhejiang").json
    assert shown is not None and shown["evaluations"][0]["rating"] == "inadequate"
    own = api.get(f"/api/v1/applications/{application['id']}", "enterprise").json
    assert own is not None and "evaluations" not in own
    feed = api.get("/api/v1/feed?purpose=核验", "department").get_data(as_text=True)
    assert "evaluation.recorded" in feed
    api.post(f"/api/v1/review-bodies/{api.review_bodies['zhejiang']}/status", "zhejiang",
             {"status": "barred", "reason": "违法违规"})
    barred = api.post("/api/v1/evaluations", "review_body", body)
    assert barred.status_code == 403
