"""Accident reports: the 24-hour deadline to the minute (with freezegun), the bureau's lists
of late reports and missing follow-ups, and who may see what."""

from __future__ import annotations

import json
from typing import Any

import pytest
from freezegun import freeze_time

from certsvc.domain.licence import Licence
from certsvc.workflow.issuance import Issuer
from tests.conftest import ISSUE_TIME, REFERENCE, Api

LEARNED = "2026-06-01T10:00:00+08:00"  # 02:00 UTC


@pytest.fixture(autouse=True)
def licence(issuer: Issuer) -> None:
    issuer.issue(Licence.from_dict(json.loads(REFERENCE.read_text("utf-8"))), ISSUE_TIME)


def report(api: Api, status: int = 201, **changes: Any) -> dict[str, Any]:
    body = {"product": "架空绝缘电缆", "occurred_at": "2026-06-01T08:30:00+08:00",
            "learned_at": LEARNED, "description": "一批架空绝缘电缆在安装中绝缘层开裂，致一人轻伤",
            "measures": "暂停该批次发货，通知经销商停止销售", **changes}
    response = api.post("/api/v1/accidents", "enterprise", body)
    assert response.status_code == status, response.json
    assert response.json is not None
    return response.json


def test_23_hours_59_minutes_is_on_time(api: Api) -> None:
    with freeze_time("2026-06-02 01:59:00"):  # 23 h 59 min after learning (UTC)
        on_time = report(api)
    assert on_time["late"] is False
    assert on_time["deadline"] == "2026-06-02T02:00:00+00:00"


def test_24_hours_1_minute_is_late(api: Api) -> None:
    with freeze_time("2026-06-02 02:01:00"):
        late = report(api)
    assert late["late"] is True
    listed = api.get("/api/v1/accidents?late=true", "zhejiang").json
    assert listed is not None and [a["id"] for a in listed["items"]] == [late["id"]]


def test_a_time_without_offset_is_beijing_time(api: Api) -> None:
    with freeze_time("2026-06-02 01:59:00"):
        on_time = report(api, learned_at="2026-06-01 10:00")
    assert on_time["learned_at"] == "2026-06-01T02:00:00+00:00" and on_time["late"] is False


def test_missing_follow_up_is_listed_until_one_arrives(api: Api) -> None:
    with freeze_time("2026-06-01 03:00:00"):
        first = report(api)
    with freeze_time("2026-06-09 03:00:00"):  # eight days on, no follow-up
        missing = api.get("/api/v1/accidents?missing_follow_up=true", "zhejiang").json
        assert missing is not None and [a["id"] for a in missing["items"]] == [first["id"]]
        followed = api.post(f"/api/v1/accidents/{first['id']}/follow_up", "enterprise",
                            {"cause": "绝缘料批次不合格", "measures": "召回该批次并更换供应商"})
        assert followed.status_code == 200 and followed.json is not None
        assert followed.json["cause"] == "绝缘料批次不合格"
        after = api.get("/api/v1/accidents?missing_follow_up=true", "zhejiang").json
        assert after is not None and after["items"] == []


def test_who_may_report_and_read(api: Api) -> None:
    with freeze_time("2026-06-01 03:00:00"):
        created = report(api)
        assert api.post("/api/v1/accidents", "zhejiang", {}).status_code == 403
        other = api.post("/api/v1/accidents", "other_enterprise", {
            "product": "架空绝缘电缆", "occurred_at": LEARNED, "learned_at": LEARNED,
            "description": "x", "measures": "y"})
        assert other.status_code == 422  # it holds no licence for that product
        assert api.post(f"/api/v1/accidents/{created['id']}/follow_up", "other_enterprise",
                        {"cause": "x", "measures": "y"}).status_code == 403
    jiangsu = api.get("/api/v1/accidents", "jiangsu").json
    assert jiangsu is not None and jiangsu["items"] == []
    assert api.get("/api/v1/accidents", "department").status_code == 403
    log = api.get(f"/api/v1/audit?subject=accident:{created['id']}", "auditor").json
    assert log is not None and log["items"][0]["action"] == "accident.report"


@pytest.mark.parametrize(("change", "field"), [
    ({"learned_at": "2026-06-01T08:00:00+08:00"}, "learned_at"),  # before it happened
    ({"learned_at": "2026-07-01T10:00:00+08:00"}, "learned_at"),  # in the future
    ({"occurred_at": "yesterday"}, "occurred_at"),
    ({"product": "不存在的产品"}, "product"),
    ({"description": ""}, "description"),
])
def test_bad_reports_name_the_field(api: Api, change: dict[str, Any], field: str) -> None:
    with freeze_time("2026-06-01 03:00:00"):
        assert report(api, status=422, **change)["field"] == field


def test_the_lists_are_paged_newest_first_with_their_filters_in_the_query(api: Api) -> None:
    """A province's accident list is read a page at a time, however many reports there are;
    the late and missing-follow-up filters hold across pages."""
    with freeze_time("2026-06-02 03:00:00"):  # each report a day late (learned 06-01 02:00)
        ids = [report(api)["id"] for _ in range(5)]
        on_time = report(api, learned_at="2026-06-02T10:00:00+08:00")["id"]
    with freeze_time("2026-06-20 03:00:00"):
        followed = api.post(f"/api/v1/accidents/{ids[0]}/follow_up", "enterprise",
                            {"cause": "原因", "measures": "措施"})
        assert followed.status_code == 200
        seen: list[int] = []
        path = "/api/v1/accidents?late=true&limit=2"
        while True:
            page = api.get(path, "zhejiang").json
            assert page is not None and len(page["items"]) <= 2
            seen += [a["id"] for a in page["items"]]
            if not page["items"]:
                break
            path = f"/api/v1/accidents?late=true&limit=2&before={page['next_before']}"
        assert seen == sorted(ids, reverse=True)
        missing = api.get("/api/v1/accidents?missing_follow_up=true", "zhejiang").json
        assert missing is not None
        assert [a["id"] for a in missing["items"]] == [on_time, *sorted(ids[1:], reverse=True)]
        assert api.get("/api/v1/accidents?limit=0", "zhejiang").status_code == 422
