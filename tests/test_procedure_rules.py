"""The procedure as the law stands: the catalogue's dated rules (who approves, whether the
告知承诺 path is open) and the 告知承诺 path end to end — issued on commitment, the on-site
review due after, overdue, failed → revoked and published, and the path closed after."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from freezegun import freeze_time

from certsvc.config import STATUS_LIST_FILE
from certsvc.credential.status_list import StatusList
from certsvc.domain.bureaus import find_bureau
from certsvc.domain.catalogue import catalogue, procedure_rules, scope_of
from certsvc.domain.documents import EXAMPLE_REFERENCE
from certsvc.domain.licence import LicenceStatus
from certsvc.domain.procedure import ProcedureClosed, choose
from certsvc.errors import ValidationError
from certsvc.signer.signer import Signer
from tests.conftest import REVIEWERS, Api, application_body, load_trust_list, onsite

CATALOGUE = Path(__file__).parents[1] / "certsvc" / "domain" / "data" / "catalogue.json"


def at(day: str) -> Any:
    return freeze_time(f"{day} 02:00:00")  # 10:00 in Beijing


# --- the rules as data ----------------------------------------------------------------------
# (units, bureau, submitted on, path asked for) → the path followed, or why it is refused
RULE_TABLE = [
    # 国发〔2018〕33号: provincial products except hazardous chemicals, on commitment
    (["架空绝缘电缆"], "浙", "2018-09-22", "commitment", "closed"),
    (["架空绝缘电缆"], "浙", "2018-09-23", "commitment", "commitment"),
    (["架空绝缘电缆"], "浙", "2018-09-22", None, "verify_first"),
    (["无机产品"], "浙", "2026-06-01", "commitment", "closed"),
    (["无机产品"], "浙", "2026-06-01", "verify_first", "verify_first"),
    # the 2019 delegation: the national authority approved cement until then, no longer
    (["通用硅酸盐水泥"], "national", "2019-10-13", None, "verify_first"),
    (["通用硅酸盐水泥"], "national", "2019-10-14", None, "closed"),
    (["通用硅酸盐水泥"], "浙", "2019-10-13", None, "closed"),
    (["通用硅酸盐水泥"], "浙", "2019-10-14", "commitment", "commitment"),
    (["架空绝缘电缆"], "national", "2026-06-01", None, "closed"),
    # 国发〔2024〕11号 and its 公告: fertiliser back to 先核后证 from 2024-09-25
    (["复混肥料"], "浙", "2024-09-24", "commitment", "commitment"),
    (["复混肥料"], "浙", "2024-09-25", "commitment", "closed"),
    (["复混肥料"], "浙", "2024-09-25", None, "verify_first"),
    # the six products of 2024 are under licence from 2024-09-25, not before
    (["安全帽"], "浙", "2024-09-24", None, "not listed"),
    (["安全帽"], "浙", "2024-09-25", "commitment", "commitment"),
    (["冷轧带肋钢筋"], "浙", "2024-09-24", None, "not listed"),
    (["冷轧带肋钢筋"], "浙", "2024-09-25", None, "verify_first"),
    (["细木工板"], "浙", "2026-06-01", None, "verify_first"),
    (["纤维板"], "浙", "2026-06-01", None, "not listed"),  # never in the 2024 list
    # one enterprise, one licence: every product's rule must allow the path
    (["架空绝缘电缆", "复混肥料"], "浙", "2026-06-01", "commitment", "closed"),
    (["架空绝缘电缆", "胶合板"], "浙", "2026-06-01", "commitment", "commitment"),
]


@pytest.mark.parametrize(("units", "bureau", "day", "asked", "expected"), RULE_TABLE)
def test_the_rules_of_the_submission_day(units: list[str], bureau: str, day: str,
                                         asked: str | None, expected: str) -> None:
    scope, submitted = scope_of(units), dt.date.fromisoformat(day)
    if expected == "closed":
        with pytest.raises(ProcedureClosed):
            choose(scope, find_bureau(bureau), submitted, asked)
    elif expected == "not listed":
        with pytest.raises(ValidationError, match="not under licence"):
            choose(scope, find_bureau(bureau), submitted, asked)
    else:
        assert choose(scope, find_bureau(bureau), submitted, asked)["path"] == expected


def test_every_rule_and_number_names_a_source_that_exists() -> None:
    raw = json.loads(CATALOGUE.read_text("utf-8"))
    sources = raw["sources"]
    for product in raw["products"]:
        assert set(product["source"]) <= set(sources), product["code"]
        for rule in product["rules"]:
            assert rule["source"] and set(rule["source"]) <= set(sources), product["code"]
        for unit in product["units"]:
            assert set(unit.get("source", [])) <= set(sources), unit["name"]
    for name, entry in raw["procedure"].items():
        assert entry["source"] and set(entry["source"]) <= set(sources), name
    # today no product is approved by the national authority
    today = dt.date(2026, 11, 29)
    assert all(p.rule_on(today) is None or p.rule_on(today).approver == "provincial"  # type: ignore[union-attr]
               for p in catalogue().products)


# --- through the API ------------------------------------------------------------------------
def commitment_body(api: Api, **changes: Any) -> dict[str, Any]:
    """An application on commitment: the test report and the public statement with it."""
    return application_body(
        procedure="commitment", commitment_statement="本企业承诺具备生产许可条件<b>x</b>",
        test_report={"institution_id": api.institutions["level1"],
                     "report_number": "ZJ-2026-0601", "report": EXAMPLE_REFERENCE}, **changes)


def post(api: Api, path: str, who: str, body: Any = None, status: int = 200
          ) -> dict[str, Any]:
    response = api.post(path, who, body)
    assert response.status_code == status, response.json
    assert response.json is not None
    return response.json


def test_the_same_application_before_and_after_a_rule_change(api: Api) -> None:
    fertiliser = commitment_body(api, scope=["复混肥料"])
    with at("2024-09-24"):
        before = post(api, "/api/v1/applications", "enterprise", fertiliser, 201)
    assert before["procedure"] == "commitment"
    assert before["review"]["procedure"]["rules"]["13-003"]["since"] == "2018-09-23"
    with at("2024-09-25"):
        refused = api.post("/api/v1/applications", "enterprise", fertiliser)
        assert refused.status_code == 409 and refused.json is not None
        assert refused.json["type"].endswith("procedure-closed")
        assert "化肥" in refused.json["detail"] and "GF2024-11" in refused.json["detail"]
        hazardous = api.post("/api/v1/applications", "enterprise",
                             commitment_body(api, scope=["无机产品"]))
        assert hazardous.status_code == 409 and hazardous.json is not None
        assert "危险化学品" in hazardous.json["detail"]
        after = post(api, "/api/v1/applications", "enterprise",
                      application_body(scope=["复混肥料"]), 201)
    assert after["procedure"] == "verify_first"
    # the application submitted the day before keeps its rules: approved on commitment,
    # without the on-site verification; the one after needs it
    with at("2024-09-26"):
        for kept in (before["id"], after["id"]):
            post(api, f"/api/v1/applications/{kept}/accept", "zhejiang")
        approved = post(api, f"/api/v1/applications/{before['id']}/approve", "zhejiang")
        assert approved["state"] == "approved"
        post(api, f"/api/v1/applications/{after['id']}/approve", "zhejiang", status=409)
    # the national authority no longer approves
    with at("2026-06-01"):
        national = api.post("/api/v1/applications", "enterprise",
                            application_body(bureau="national"))
        assert national.status_code == 409 and national.json is not None
        assert "no longer approves" in national.json["detail"]


def test_commitment_needs_the_report_and_the_public_statement(api: Api) -> None:
    with at("2026-06-01"):
        for missing in ("test_report", "commitment_statement"):
            body = commitment_body(api)
            del body[missing]
            response = api.post("/api/v1/applications", "enterprise", body)
            assert response.status_code == 422 and response.json is not None
            assert response.json["field"] == missing
        unfiled = commitment_body(api)
        unfiled["test_report"]["institution_id"] = api.institutions["level3"]
        response = api.post("/api/v1/applications", "enterprise", unfiled)
        assert response.status_code == 422 and response.json is not None
        assert response.json["field"] == "test_report.institution_id"


def test_commitment_end_to_end(api: Api, site: FlaskClient, signer: Signer) -> None:
    """Issued on commitment after a formal review; the commitment public on the licence's
    page while the on-site review is pending; the review overdue in the bureau's list; failed
    → revoked with the reason, in the status list, 已撤销 on the page; the path closed to the
    enterprise for the period the rules set, open again after it."""
    with at("2026-06-01"):
        application = post(api, "/api/v1/applications", "enterprise", commitment_body(api), 201)
        assert application["review"]["testing"]["method"] == "submitted_report"
        assert application["materials"]["test_report"]["document"].startswith("sha256:")
        post(api, f"/api/v1/applications/{application['id']}/accept", "zhejiang")
    with at("2026-06-02"):
        approved = post(api, f"/api/v1/applications/{application['id']}/approve", "zhejiang")
        assert approved["state"] == "approved"  # no on-site verification before issue
        issued = post(api, f"/api/v1/applications/{application['id']}/issue", "zhejiang")
    number = issued["licence_number"]
    review = issued["post_review"]
    assert review["state"] == "pending" and review["working_days_left"] == 30
    assert issued["allowed_actions"] == ["assign_review"]  # then the body records it
    due = dt.date.fromisoformat(review["due"])
    with at("2026-06-10"):
        page = site.get(f"/licence/{number}").get_data(as_text=True)
        assert "有效" in page and "现场审查待进行" in page and review["due"] in page
        assert "&lt;b&gt;x&lt;/b&gt;" in page and "<b>x</b>" not in page  # inert
        public = site.get(f"/api/v1/licences/{number}").json
        assert public is not None and public["status"] == "valid"
        assert public["commitment_review_pending"]["due"] == review["due"]
        due_list = api.get("/api/v1/applications?post_review=due", "zhejiang").json
        assert due_list is not None and [a["id"] for a in due_list["items"]] == [
            application["id"]]
        assert api.get("/api/v1/applications?post_review=overdue", "zhejiang").json == {
            "items": [], "next_after": None}
        assert api.get("/api/v1/applications?post_review=due", "jiangsu").json == {
            "items": [], "next_after": None}
    later = (due + dt.timedelta(days=1)).isoformat()
    with at(later):
        overdue = api.get("/api/v1/applications?post_review=overdue", "zhejiang").json
        assert overdue is not None and overdue["items"][0]["post_review"]["overdue"] is True
        path = f"/api/v1/applications/{application['id']}"
        unassigned = post(api, f"{path}/record_post_review", "review_body",
                          {"passed": False, "reviewers": REVIEWERS}, 403)
        assert "is not yours" in unassigned["detail"]  # not its visit: nothing to see
        post(api, f"{path}/assign_review", "jiangsu", {
            "review_body_id": api.review_bodies["jiangsu"], "reviewers": REVIEWERS}, 403)
        post(api, f"{path}/assign_review", "zhejiang", {
            "review_body_id": api.review_bodies["zhejiang"], "reviewers": REVIEWERS})
        one = post(api, f"{path}/record_post_review", "review_body",
                   {"passed": False, "reviewers": REVIEWERS[:1]}, 422)
        assert one["field"] == "reviewers"
        no_finding = post(api, f"{path}/record_post_review", "review_body",
                          {"passed": False, "reviewers": REVIEWERS}, 422)
        assert no_finding["field"] == "finding"
        for who in ("zhejiang", "other_review_body"):
            post(api, f"{path}/record_post_review", who, {
                "passed": False, "reviewers": REVIEWERS, "finding": "false_commitment"}, 403)
        # a failed visit (not a false commitment, which bars every route for 3 years:
        # tests/test_statutory_bars.py) closes only the commitment path, for 12 months
        failed = post(api, f"{path}/record_post_review", "review_body", {
            "passed": False, "reviewers": REVIEWERS, "finding": "onsite_failed",
            "notes": "无检验设备"})
        assert failed["post_review"]["state"] == "failed"
        assert failed["post_review"]["reviewers"][0]["qualification_number"] == REVIEWERS[0]
        assert failed["post_review"]["revoked"] is True and failed["allowed_actions"] == []
        again = api.post(f"{path}/record_post_review", "review_body",
                         {"passed": True, "reviewers": REVIEWERS})
        assert again.status_code == 403  # recorded: the visit is no longer the body's
        post(api, f"{path}/assign_review", "zhejiang", {
            "review_body_id": api.review_bodies["zhejiang"], "reviewers": REVIEWERS}, 409)
        licence = site.get(f"/api/v1/licences/{number}").json
        assert licence is not None and licence["status"] == "revoked"
        page = site.get(f"/licence/{number}").get_data(as_text=True)
        assert "已撤销" in page and "现场审查不合格" in page and "现场审查待进行" not in page
        failures = api.get("/api/v1/applications?post_review=failed", "zhejiang").json
        assert failures is not None and len(failures["items"]) == 1
        # the status list published after the commit says revoked
        status_list = StatusList.load((api.publish_dir / STATUS_LIST_FILE).read_bytes(),
                                      load_trust_list(signer, dt.datetime.now(dt.UTC)))
        assert status_list.status_at(_status_index(api, number)) is LicenceStatus.REVOKED
        barred = api.post("/api/v1/applications", "enterprise", commitment_body(api))
        assert barred.status_code == 409 and barred.json is not None
        assert "closed to this enterprise" in barred.json["detail"]
        assert api.post("/api/v1/applications", "enterprise", application_body()).status_code == 201
    months = procedure_rules().commitment_bar_months
    reopened = due + dt.timedelta(days=1 + 31 * months)
    with at(reopened.isoformat()):
        assert api.post("/api/v1/applications", "enterprise",
                        commitment_body(api)).status_code == 201


def test_a_passed_review_clears_the_lists(api: Api) -> None:
    with at("2026-06-01"):
        application = post(api, "/api/v1/applications", "enterprise", commitment_body(api), 201)
        for action in ("accept", "approve", "issue"):
            post(api, f"/api/v1/applications/{application['id']}/{action}", "zhejiang")
        mixed = onsite(api, f"/api/v1/applications/{application['id']}", "record_post_review",
                       finding="onsite_failed")
        assert mixed.status_code == 422 and mixed.json is not None
        assert mixed.json["field"] == "finding"
        passed = post(api, f"/api/v1/applications/{application['id']}/record_post_review",
                      "review_body", {"passed": True, "reviewers": REVIEWERS})
    assert passed["post_review"]["state"] == "passed" and passed["allowed_actions"] == []
    with at("2026-09-01"):
        assert api.get("/api/v1/applications?post_review=overdue", "zhejiang").json == {
            "items": [], "next_after": None}
        bad = api.get("/api/v1/applications?post_review=soon", "zhejiang")
        assert bad.status_code == 422


def test_verify_first_has_no_post_review(api: Api) -> None:
    with at("2026-06-01"):
        application = post(api, "/api/v1/applications", "enterprise", application_body(), 201)
        post(api, f"/api/v1/applications/{application['id']}/accept", "zhejiang")
        refused = post(api, f"/api/v1/applications/{application['id']}/approve", "zhejiang",
                        status=409)
        assert "conditions" in refused["detail"]


def test_renewal_of_fertiliser_on_commitment_ends_in_2024(api: Api) -> None:
    """化肥: renewal on a written commitment without an on-site visit ends on 2024-09-25."""
    from certsvc.domain.procedure import renewal_commitment_open

    with at("2024-09-24"):
        kept = choose(scope_of(["复混肥料"]), find_bureau("浙"), dt.date(2024, 9, 24), None)
    assert renewal_commitment_open(kept) is None
    ended = choose(scope_of(["复混肥料"]), find_bureau("浙"), dt.date(2024, 9, 25), None)
    assert renewal_commitment_open(ended) == "13-003"


def _status_index(api: Api, number: str) -> int:
    from certsvc.domain.licence_number import LicenceNumber
    from certsvc.store.reader import LicenceReader

    return LicenceReader(api.engine).by_number(LicenceNumber.parse(number)).status_index


def test_the_national_authority_no_longer_decides_applications(api: Api) -> None:
    """It keeps the catalogue, the register and the calendar; the province approves."""
    with at("2026-06-01"):
        application = post(api, "/api/v1/applications", "enterprise", application_body(), 201)
        refused = api.post(f"/api/v1/applications/{application['id']}/accept", "national")
        assert refused.status_code == 403 and refused.json is not None
        assert "no longer approves" in refused.json["detail"]
        assert post(api, f"/api/v1/applications/{application['id']}/accept",
                    "zhejiang")["state"] == "under_review"
