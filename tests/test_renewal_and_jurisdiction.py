"""Two limits the law sets on an application (issue 25), each on both sides:

- a renewal is filed in its window, by 6 months before expiry (条例第二十五条) and from the
  opening certsvc sets; an expired licence is not renewed (行政许可法第七十条);
- an enterprise applies to the bureau of the province where it is (条例第十一条).

The numbers and their sources are in certsvc/domain/data/catalogue.json."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from certsvc.domain.bureaus import find_bureau
from certsvc.domain.jurisdiction import check_jurisdiction, home_province
from certsvc.domain.licence import Enterprise, Licence
from certsvc.domain.procedure import ProcedureClosed
from certsvc.domain.time import utcnow
from tests.conftest import REFERENCE, Api, application_body
from tests.test_workflow_api import at

RENEWAL = {"kind": "renewal", "licence_number": "浙XK06-001-00012"}


def _licence_valid_to_2027(issuer: Any) -> None:
    """The reference licence as if issued in 2022: valid to 2027-03-14."""
    with at("2026-03-01"):
        issuer.issue(Licence.from_dict(json.loads(REFERENCE.read_text("utf-8"))
                                       | {"issued": "2022-03-15", "valid_until": "2027-03-14"}),
                     utcnow())


@pytest.mark.parametrize(("day", "accepted", "reason"), [
    ("2026-03-13", False, "may be filed from 2026-03-14, 12 months"),  # a day early
    ("2026-03-14", True, ""),  # the window opens
    ("2026-09-14", True, ""),  # the last day: 6 months before expiry
    ("2026-09-15", False, "filed by 2026-09-14, 6 months before the licence expires on "
                          "2027-03-14 (条例第二十五条)"),
    ("2027-03-14", False, "filed by 2026-09-14"),  # still valid, too late
    ("2027-03-15", False, "expired on 2027-03-14: an expired licence is not renewed"),
])
def test_a_renewal_is_filed_in_its_window(
        api: Api, issuer: Any, day: str, accepted: bool, reason: str) -> None:
    _licence_valid_to_2027(issuer)
    with at(day):
        answer = api.post("/api/v1/applications", "enterprise", application_body(**RENEWAL))
    body = answer.json
    assert body is not None
    if accepted:
        assert answer.status_code == 201, body
        assert body["kind"] == "renewal"
    else:
        assert answer.status_code == 409, body
        assert body["type"].endswith("procedure-closed") and reason in body["detail"], body


def test_a_refused_renewal_stores_nothing(api: Api, issuer: Any) -> None:
    from sqlalchemy import func, select

    from certsvc.store.models import ApplicationRow

    _licence_valid_to_2027(issuer)
    with at("2026-10-01"):
        assert api.post("/api/v1/applications", "enterprise",
                        application_body(**RENEWAL)).status_code == 409
    with api.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(ApplicationRow)).scalar_one() == 0


@pytest.mark.parametrize(("bureau", "status"), [
    ("浙江省市场监督管理局", 201), ("江苏省市场监督管理局", 409), ("苏", 409)])
def test_an_enterprise_applies_where_it_is(api: Api, bureau: str, status: int) -> None:
    """The reference enterprise's USCC 91330106… was issued in 330106 (杭州西湖区)."""
    with at("2026-06-01"):
        answer = api.post("/api/v1/applications", "enterprise",
                          application_body(bureau=bureau))
    assert answer.status_code == status, answer.json
    if status == 409:
        assert answer.json is not None
        detail = answer.json["detail"]
        assert "条例第十一条" in detail and "浙江省市场监督管理局" in detail
        assert "area 330106" in detail


@pytest.mark.parametrize(("residence", "province"), [
    ("江苏省南京市玄武区中山路1号", "32"),
    ("江苏南京市玄武区中山路1号", "32"),
    ("广西壮族自治区南宁市青秀区", "45"),
    ("广西南宁市青秀区", "45"),
    ("北京市海淀区", "11"),
    ("内蒙古呼和浩特市", "15"),
])
def test_a_national_registration_is_placed_by_its_address(residence: str,
                                                          province: str) -> None:
    """A USCC issued by a national authority (area 100000) names no province: the
    registered address does."""
    home = home_province(Enterprise("某集团公司", "91100000MA00000000", residence, residence))
    assert home is not None and home.bureau.code == province
    assert "area 100000" in home.reason and "registered address" in home.reason


def test_where_nothing_says_the_application_is_refused_with_why() -> None:
    nowhere = Enterprise("某集团公司", "91100000MA00000000", "海外某地", "海外某地")
    assert home_province(nowhere) is None
    with pytest.raises(ProcedureClosed, match="cannot be told"):
        check_jurisdiction(nowhere, find_bureau("浙"))
    assert check_jurisdiction(nowhere, find_bureau("00")) is None  # the national authority's


@pytest.mark.parametrize(("count", "status"), [(1, 422), (2, 200), (4, 200), (5, 422)])
def test_an_on_site_visit_has_two_to_four_reviewers(api: Api, count: int, status: int) -> None:
    """条例第十五条: 应当指派2至4名核查人员 (it allowed 2 to 10)."""
    from tests.conftest import REVIEW_BODIES

    with at("2026-06-01"):
        created = api.post("/api/v1/applications", "enterprise", application_body())
        assert created.json is not None
        path = f"/api/v1/applications/{created.json['id']}"
        assert api.post(f"{path}/accept", "zhejiang").status_code == 200
        assigned = api.post(f"{path}/assign_review", "zhejiang", {
            "review_body_id": api.review_bodies["zhejiang"],
            "reviewers": REVIEW_BODIES["zhejiang"][2][:count]})
    assert assigned.status_code == status, assigned.json
    if status == 422:
        assert assigned.json is not None and assigned.json["field"] == "reviewers"


@pytest.mark.parametrize(("day", "left", "overdue"), [
    ("2026-06-01", 10, False), ("2026-06-15", 0, False), ("2026-06-16", -1, True)])
def test_the_certificate_is_due_ten_working_days_after_approval(
        api: Api, day: str, left: int, overdue: bool) -> None:
    """行政许可法第四十四条 (and 第八十二条: working days): approved on Monday 2026-06-01,
    due Monday 2026-06-15; the console's case page says so."""
    from tests.test_procedure_rules import commitment_body

    with at("2026-06-01"):
        created = api.post("/api/v1/applications", "enterprise", commitment_body(api))
        assert created.json is not None
        path = f"/api/v1/applications/{created.json['id']}"
        for action in ("accept", "approve"):
            assert api.post(f"{path}/{action}", "zhejiang").status_code == 200
    with at(day):
        approved = api.get(path, "zhejiang").json
    assert approved is not None
    assert approved["certificate_due"] == {"due": "2026-06-15", "working_days_left": left,
                                           "overdue": overdue, "provisional": False}
    from tests.test_console_workflow import HTTPS, signed_in

    with at(day):
        page = signed_in(api, "zhejiang").get(
            f"/console/applications/{created.json['id']}", base_url=HTTPS).get_data(
                as_text=True)
    assert 'id="certificate-due"' in page and "2026-06-15" in page
    assert ("已逾期" in page) is overdue
    with at("2026-06-01"):
        issued = api.post(f"{path}/issue", "zhejiang").json
    assert issued is not None and issued["certificate_due"] is None


def _submitted(api: Api) -> str:
    with at("2026-06-01"):  # a Monday: the fifth working day after is Monday 2026-06-08
        created = api.post("/api/v1/applications", "enterprise", application_body())
    assert created.json is not None
    return f"/api/v1/applications/{created.json['id']}"


def test_a_correction_notice_on_the_fifth_working_day_is_in_time(api: Api) -> None:
    path = _submitted(api)
    with at("2026-06-08"):
        seen = api.get(path, "zhejiang").json
        assert seen is not None and seen["state"] == "submitted"
        assert seen["correction_notice_due"] == "2026-06-08"
        asked = api.post(f"{path}/request_correction", "zhejiang", {"missing": ["营业执照"]})
    assert asked.status_code == 200, asked.json
    with at("2026-07-01"):  # the bureau asked in time: nothing is deemed later
        assert api.get(path, "zhejiang").json["state"] == "awaiting_correction"


@pytest.mark.parametrize("action", ["request_correction", "refuse_acceptance", "accept"])
def test_no_notice_by_the_fifth_working_day_is_acceptance_from_receipt(
        api: Api, action: str) -> None:
    """行政许可法第三十二条: 逾期不告知的，自收到申请材料之日起即为受理."""
    from certsvc.domain.calendar import working_days

    path = _submitted(api)
    body = {"request_correction": {"missing": ["营业执照"]},
            "refuse_acceptance": {"reasons": "材料不全"}, "accept": None}[action]
    with at("2026-06-09"):
        late = api.post(f"{path}/{action}", "zhejiang", body)
        assert late.status_code == 409 and late.json is not None
        assert "deemed accepted" in late.json["detail"] and "2026-06-08" in late.json["detail"]
        seen = api.get(path, "zhejiang").json
    assert seen is not None and seen["state"] == "under_review"
    assert seen["accepted_on"] == "2026-06-01" and seen["correction_notice_due"] is None
    assert seen["review"]["acceptance"]["decision"] == "deemed_accepted"
    assert seen["deadline"]["due"] == working_days().add(dt.date(2026, 6, 1), 30).isoformat()
    with at("2026-06-09"):
        trail = api.get(f"/api/v1/audit?subject=application:{seen['id']}", "auditor").json
    assert trail is not None
    assert any(e["action"] == "deemed_accept" and e["actor"].startswith("law: 行政许可法第三十二条")
               for e in trail["items"]), trail


def test_the_lists_show_a_lapsed_application_as_accepted(api: Api) -> None:
    path = _submitted(api)
    with at("2026-06-09"):
        listed = api.get("/api/v1/applications", "zhejiang").json
    assert listed is not None
    item = next(i for i in listed["items"] if path.endswith(f"/{i['id']}"))
    assert item["state"] == "under_review"


def test_the_console_shows_the_notice_due_and_then_deemed_acceptance(api: Api) -> None:
    from tests.test_console_workflow import HTTPS, signed_in

    path = _submitted(api)
    page = path.replace("/api/v1/", "/console/")
    with at("2026-06-08"):
        before = signed_in(api, "zhejiang").get(page, base_url=HTTPS).get_data(as_text=True)
    assert 'id="correction-notice-due"' in before and "2026-06-08" in before
    with at("2026-06-09"):  # a day later: a new session (sessions end when idle)
        after = signed_in(api, "zhejiang").get(page, base_url=HTTPS).get_data(as_text=True)
    assert 'id="deemed-accepted"' in after and "视为受理" in after
    assert 'id="correction-notice-due"' not in after
