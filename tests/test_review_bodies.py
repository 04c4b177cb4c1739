"""Review bodies (审查机构, 国质检监〔2015〕364号 五(一)): the register, assignment of on-site
visits (refused for a barred body, a declared conflict, a single reviewer), the bar and what it
gives back, annual reports due and overdue across a year end, and the same bar on inspection
institutions — all through HTTP."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask.testing import FlaskClient
from freezegun import freeze_time

from certsvc.domain.documents import EXAMPLE_PDF
from tests.conftest import REVIEW_BODIES, REVIEWERS, Api, application_body
from tests.test_authorisation import _upload

BODY = "/api/v1/review-bodies"


@contextmanager
def at(day: str) -> Iterator[None]:
    with freeze_time(f"{day} 02:00:00"):  # 10:00 in Beijing
        yield


def call(api: Api, method: str, path: str, who: str, body: Any = None,
         status: int = 200) -> Any:
    response = api.call(method, path, who, body)
    assert response.status_code == status, response.json
    return response.json


def under_review(api: Api, **changes: Any) -> str:
    created = call(api, "POST", "/api/v1/applications", "enterprise",
                   application_body(**changes), 201)
    path = f"/api/v1/applications/{created['id']}"
    call(api, "POST", f"{path}/accept", "zhejiang")
    return path


def assign(api: Api, path: str, body: str = "zhejiang", reviewers: Any = REVIEWERS,
           status: int = 200) -> Any:
    return call(api, "POST", f"{path}/assign_review", "zhejiang", {
        "review_body_id": api.review_bodies[body], "reviewers": reviewers}, status)


def body_path(api: Api, which: str = "zhejiang") -> str:
    return f"{BODY}/{api.review_bodies[which]}"


def test_an_assignment_is_refused_for_one_reviewer_a_stranger_and_another_province(
        api: Api) -> None:
    with at("2026-06-01"):
        path = under_review(api)
        one = assign(api, path, reviewers=REVIEWERS[:1], status=422)
        assert one["field"] == "reviewers" and "at least 2" in one["detail"]
        twice = assign(api, path, reviewers=[REVIEWERS[0], REVIEWERS[0]], status=422)
        assert twice["field"] == "reviewers"
        jiangsu_reviewer = REVIEW_BODIES["jiangsu"][2][0]
        stranger = assign(api, path, reviewers=[REVIEWERS[0], jiangsu_reviewer], status=422)
        assert jiangsu_reviewer in stranger["detail"]
        # a body a province registered serves that province only
        other = assign(api, path, body="jiangsu", reviewers=list(REVIEW_BODIES["jiangsu"][2][:2]),
                       status=422)
        assert other["field"] == "review_body_id" and "bureau 32" in other["detail"]
        missing = call(api, "POST", f"{path}/assign_review", "zhejiang", {
            "review_body_id": 9999, "reviewers": REVIEWERS}, 422)
        assert missing["field"] == "review_body_id"
        application = call(api, "GET", path, "zhejiang")
        assert "assignment" not in application["review"]
        assert application["review_body_id"] is None


def test_a_body_registered_for_other_products_is_refused(api: Api) -> None:
    with at("2026-06-01"):
        registered = call(api, "POST", BODY, "zhejiang", {
            "name": "钢筋审查中心", "uscc": "123300004700033400", "not_for_profit": True,
            "qualification": "钢筋产品审查", "products": ["热轧带肋钢筋"]}, 201)
        call(api, "POST", f"{BODY}/{registered['id']}/reviewers", "zhejiang", {
            "name": "赵六", "qualification_number": "SC-33-2025-0001"}, 201)
        call(api, "POST", f"{BODY}/{registered['id']}/reviewers", "zhejiang", {
            "name": "钱七", "qualification_number": "SC-33-2025-0002"}, 201)
        path = under_review(api)
        refused = call(api, "POST", f"{path}/assign_review", "zhejiang", {
            "review_body_id": registered["id"],
            "reviewers": ["SC-33-2025-0001", "SC-33-2025-0002"]}, 422)
        assert "架空绝缘电缆" in refused["detail"]


def test_the_register_refuses_profit_and_duplicates(api: Api) -> None:
    body = {"name": "营利性审查公司", "uscc": "123300004700033400", "not_for_profit": False,
            "qualification": "x", "products": ["架空绝缘电缆"]}
    with at("2026-06-01"):
        profit = call(api, "POST", BODY, "zhejiang", body, 422)
        assert profit["field"] == "not_for_profit"
        call(api, "POST", BODY, "zhejiang", {**body, "not_for_profit": True}, 201)
        call(api, "POST", BODY, "national", {**body, "not_for_profit": True}, 409)
        taken = call(api, "POST", f"{body_path(api)}/reviewers", "zhejiang", {
            "name": "重名", "qualification_number": REVIEWERS[0]}, 409)
        assert REVIEWERS[0] in taken["detail"]
        listed = call(api, "GET", BODY, "jiangsu")["items"]
        # Jiangsu sees its own bodies and the national authority's, not Zhejiang's
        assert [b["name"] for b in listed] == ["江苏省产品质量审查中心"]
        own = call(api, "GET", BODY, "review_body")["items"]
        assert [b["id"] for b in own] == [api.review_bodies["zhejiang"]]
        assert [r["qualification_number"] for r in own[0]["reviewers"]] == list(
            REVIEW_BODIES["zhejiang"][2])


def test_a_declared_conflict_refuses_the_assignment(api: Api) -> None:
    with at("2026-06-01"):
        path = under_review(api)
        reviewer = REVIEW_BODIES["zhejiang"][2][2]
        call(api, "POST", f"{body_path(api)}/conflicts", "review_body", {
            "uscc": "91330106MA2H7K3LXA", "reviewer": reviewer,
            "note": "2025 年为该企业提供过咨询服务"}, 201)
        conflicted = call(api, "POST", f"{path}/assign_review", "zhejiang", {
            "review_body_id": api.review_bodies["zhejiang"],
            "reviewers": [REVIEWERS[0], reviewer]}, 409)
        assert conflicted["type"] == "urn:certsvc:problem:conflict-of-interest"
        assert "咨询" in conflicted["detail"]
        assign(api, path)  # the two without a conflict may go
        # a conflict of the whole body refuses it, whoever is named
        call(api, "POST", f"{body_path(api)}/conflicts", "zhejiang", {
            "uscc": "91330106MA2H7K3LXA", "note": "与该企业存在投资关系"}, 201)
        assert assign(api, under_review(api), status=409)["type"].endswith(
            "conflict-of-interest")
        # another body's reviewer cannot be named in a conflict of this one
        stray = call(api, "POST", f"{body_path(api)}/conflicts", "review_body", {
            "uscc": "91330106MA2H7K3LXA", "reviewer": REVIEW_BODIES["jiangsu"][2][0],
            "note": "x"}, 422)
        assert stray["field"] == "reviewer"
        call(api, "POST", f"{body_path(api, 'jiangsu')}/conflicts", "review_body", {
            "uscc": "91330106MA2H7K3LXA", "note": "x"}, 403)


def test_barring_refuses_assignments_and_gives_back_the_open_ones(api: Api) -> None:
    with at("2026-06-01"):
        held = under_review(api)
        assign(api, held)
        recorded = under_review(api)
        assign(api, recorded)
        call(api, "POST", f"{recorded}/record_onsite", "review_body",
             {"passed": True, "reviewers": REVIEWERS})
        assert [a["id"] for a in call(api, "GET", "/api/v1/applications",
                                      "review_body")["items"]] == [int(held.rsplit("/")[-1])]
    with at("2026-06-03"):
        barred = call(api, "POST", f"{body_path(api)}/status", "zhejiang", {
            "status": "barred", "reason": "日常监管中发现存在违法违规行为"})
        assert barred["status"] == "barred" and barred["status_on"] == "2026-06-03"
        assert barred["returned_applications"] == [int(held.rsplit("/")[-1])]
        again = call(api, "POST", f"{body_path(api)}/status", "zhejiang", {
            "status": "barred", "reason": "x"}, 409)
        assert "already" in again["detail"]
        application = call(api, "GET", held, "zhejiang")
        assert application["review_body_id"] is None and "assignment" not in application[
            "review"]
        (withdrawn,) = application["review"]["withdrawn_assignments"]
        assert "违法违规" in withdrawn["why"]
        assert "assign_review" in application["allowed_actions"]
        assert "record_onsite" not in application["allowed_actions"]
        # the body no longer sees it, nor may record it
        call(api, "GET", held, "review_body", status=403)
        call(api, "POST", f"{held}/record_onsite", "review_body",
             {"passed": True, "reviewers": REVIEWERS}, 403)
        refused = assign(api, held, status=409)
        assert refused["type"] == "urn:certsvc:problem:review-body-unavailable"
        # the recorded visit stands, with the body's name and the reviewers
        done = call(api, "GET", recorded, "zhejiang")["review"]["conditions"]
        assert done["review_body"] == REVIEW_BODIES["zhejiang"][0]
        assert [r["qualification_number"] for r in done["reviewers"]] == REVIEWERS
        audit = call(api, "GET", f"/api/v1/audit?subject=application:{held.rsplit('/')[-1]}",
                     "auditor")["items"]
        assert "assignment.withdrawn" in [e["action"] for e in audit]
    with at("2026-06-04"):
        reinstated = call(api, "POST", f"{body_path(api)}/status", "zhejiang", {
            "status": "active", "reason": "整改合格"})
        assert reinstated["status"] == "active"
        assign(api, held)


def test_annual_reports_due_and_overdue_across_a_year_end(api: Api) -> None:
    def listed(who: str, state: str) -> list[tuple[int, int]]:
        items = call(api, "GET", f"{BODY}/annual-reports?state={state}", who)["items"]
        return [(r["review_body_id"], r["year"]) for r in items]

    own = api.review_bodies["zhejiang"]
    with at("2026-12-20"):
        call(api, "POST", f"{BODY}/annual-reports", "zhejiang",
             {"year": 2026, "due_on": "2027-01-15"})
        past = call(api, "POST", f"{BODY}/annual-reports", "zhejiang",
                    {"year": 2026, "due_on": "2026-12-19"}, 422)
        assert past["field"] == "due_on"
        assert listed("zhejiang", "due") == [(own, 2026)]
        assert listed("jiangsu", "due") == []  # Jiangsu keeps its own bodies
        assert listed("review_body", "due") == [(own, 2026)]
        assert listed("national", "overdue") == []
        bad = call(api, "GET", f"{BODY}/annual-reports?state=late", "zhejiang", status=422)
        assert bad["field"] == "state"
    with at("2027-01-15"):  # the last day: still due
        assert listed("zhejiang", "due") == [(own, 2026)]
    with at("2027-01-16"):  # across the year end, past the day: overdue
        assert listed("zhejiang", "due") == []
        assert listed("zhejiang", "overdue") == [(own, 2026)]
        assert listed("national", "overdue") == [(own, 2026)]
        assert listed("auditor", "overdue") == [(own, 2026)]
        reference = _upload(api, "review_body")
        path = f"{body_path(api)}/annual-reports/2026"
        not_uploaded = call(api, "POST", path, "review_body", {
            "report": reference, "head_report": "sha256:" + "1" * 64}, 422)
        assert not_uploaded["field"] == "head_report"
        call(api, "POST", path + "/inspection", "zhejiang",
             {"passed": True, "note": "x"}, 409)  # nothing filed to inspect
        filed = call(api, "POST", path, "review_body",
                     {"report": reference, "head_report": reference})
        assert filed["state"] == "filed" and filed["documents"]["report"]["name"] == \
            "年度报告.pdf"
        call(api, "POST", path, "review_body", {"report": reference,
                                                "head_report": reference}, 409)
        call(api, "POST", f"{body_path(api, 'jiangsu')}/annual-reports/2026",
             "review_body", {"report": reference, "head_report": reference}, 403)
        assert listed("zhejiang", "overdue") == []
        assert listed("zhejiang", "filed") == [(own, 2026)]
        document = api.get(path + "/documents/head_report", "zhejiang")
        assert document.status_code == 200 and document.data == EXAMPLE_PDF
        assert api.get(path + "/documents/head_report", "jiangsu").status_code == 403
        assert api.get(path + "/documents/other", "zhejiang").status_code == 404
        call(api, "POST", path + "/inspection", "jiangsu", {"passed": True, "note": "x"}, 403)
        inspected = call(api, "POST", path + "/inspection", "zhejiang",
                         {"passed": False, "note": "审查记录不完整"})
        assert inspected["state"] == "inspected" and inspected["passed"] is False
        assert listed("zhejiang", "inspected") == [(own, 2026)]
        call(api, "POST", f"{body_path(api)}/annual-reports/2025", "review_body",
             {"report": reference, "head_report": reference}, 404)


def test_a_barred_institution_cannot_test_and_gives_its_tests_back(
        api: Api, site: FlaskClient) -> None:
    lab = api.institutions["level1"]
    with at("2026-06-01"):
        testing = under_review(api)
        call(api, "POST", f"{testing}/choose_institution", "enterprise",
             {"institution_id": lab})
    with at("2026-06-05"):
        barred = call(api, "POST", f"/api/v1/institutions/{lab}/status", "national", {
            "status": "barred", "reason": "市场反映不具备相应技术能力"})
        assert barred["may_test"] is False and barred["barred_on"] == "2026-06-05"
        assert barred["returned_applications"] == [int(testing.rsplit("/")[-1])]
        returned = call(api, "GET", testing, "zhejiang")
        assert returned["state"] == "under_review" and returned["institution_id"] is None
        assert returned["deadline"]["paused"] is False
        assert returned["deadline"]["paused_working_days"] == 4  # 1–5 June: 4 working days
        assert "不具备" in returned["review"]["withdrawn_tests"][0]["why"]
        call(api, "POST", f"{testing}/record_test", "institution", {
            "passed": True, "report_number": "R", "report": "sha256:" + "0" * 64}, 403)
        refused = call(api, "POST", f"{testing}/choose_institution", "enterprise",
                       {"institution_id": lab}, 422)
        assert "barred" in refused["detail"]
        public = site.get("/api/v1/institutions").json
        assert public is not None
        shown = next(i for i in public["items"] if i["id"] == lab)
        assert shown["may_test"] is False and shown["barred_on"] == "2026-06-05"
        assert shown["barred_reason"] == "市场反映不具备相应技术能力"  # the register is public
        call(api, "POST", f"/api/v1/institutions/{lab}/status", "national",
             {"status": "barred", "reason": "x"}, 409)
        lifted = call(api, "POST", f"/api/v1/institutions/{lab}/status", "national",
                      {"status": "active", "reason": "复查合格"})
        assert lifted["may_test"] is True and lifted["barred_on"] is None
        call(api, "POST", f"{testing}/choose_institution", "enterprise",
             {"institution_id": lab})


def test_the_commitment_path_assigns_after_issue_only(api: Api) -> None:
    from tests.test_procedure_rules import commitment_body

    with at("2026-06-01"):
        created = call(api, "POST", "/api/v1/applications", "enterprise",
                       commitment_body(api), 201)
        path = f"/api/v1/applications/{created['id']}"
        call(api, "POST", f"{path}/accept", "zhejiang")
        early = assign(api, path, status=409)
        assert "after issue" in early["detail"]
        for action in ("approve", "issue"):
            call(api, "POST", f"{path}/{action}", "zhejiang")
        assign(api, path)
        queue = call(api, "GET", "/api/v1/applications", "review_body")["items"]
        assert [a["id"] for a in queue] == [created["id"]]
        passed = call(api, "POST", f"{path}/record_post_review", "review_body",
                      {"passed": True, "reviewers": REVIEWERS[::-1]})
        assert passed["post_review"]["state"] == "passed"
        assert [r["qualification_number"] for r in passed["post_review"]["reviewers"]] == \
            REVIEWERS[::-1]
        assert call(api, "GET", "/api/v1/applications", "review_body")["items"] == []


def test_dates_are_days_in_china(api: Api) -> None:
    """The bar's day is the day in Beijing: 23:30 UTC on 2 June is 3 June there."""
    with freeze_time(dt.datetime(2026, 6, 2, 23, 30, tzinfo=dt.UTC)):
        barred = call(api, "POST", f"{body_path(api)}/status", "zhejiang",
                      {"status": "suspended", "reason": "年度检查不合格"})
    assert barred["status_on"] == "2026-06-03"
