"""City and county bureaus (GB/T 2260 areas) and recall orders (责令召回): a county bureau sees
and supervises only its area and never approves; an accident report reaches the county and the
province; an unanswered recall order is listed as overdue, and a recall answers it."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from freezegun import freeze_time
from hypothesis import given
from hypothesis import strategies as st

from certsvc.domain.areas import Area, area_of
from certsvc.domain.licence import Licence
from certsvc.domain.uscc import check_character
from certsvc.errors import ValidationError
from tests.conftest import REFERENCE, Api, application_body, init_keys, run
from tests.test_authorisation import RECALL, _accident, _licence

SHANGCHENG = "91330102MA2B000010"[:17]  # an enterprise of 杭州市上城区 (330102)


@contextmanager
def at(day: str) -> Iterator[None]:
    with freeze_time(f"{day} 02:00:00"):
        yield


def call(api: Api, method: str, path: str, who: str, body: Any = None,
         status: int = 200) -> Any:
    response = api.call(method, path, who, body)
    assert response.status_code == status, response.json
    return response.json


def ids(api: Api, path: str, who: str) -> list[int]:
    return [item["id"] for item in call(api, "GET", path, who)["items"]]


def two_enterprises(api: Api, issuer: Any) -> str:
    """The reference licence (西湖区) and one of a 上城区 enterprise: the latter's USCC."""
    _licence(api, issuer)
    uscc = SHANGCHENG + check_character(SHANGCHENG)
    data = json.loads(REFERENCE.read_text("utf-8"))
    data["number"] = None
    data["enterprise"] = dict(data["enterprise"], uscc=uscc, name="杭州上城电缆有限公司")
    issuer.issue(Licence.from_dict(data), dt.datetime(2026, 3, 15, 2, tzinfo=dt.UTC))
    return uscc


def spot_check(api: Api, who: str, uscc: str, level: str = "provincial",
               passed: bool = True, status: int = 201) -> Any:
    return call(api, "POST", "/api/v1/spot-checks", who, {
        "uscc": uscc, "products": ["架空绝缘电缆"], "level": level, "checked_on": "2026-05-20",
        "institution_id": api.institutions["level1"], "passed": passed,
        "reference": "杭西市监抽〔2026〕1号"}, status)


def test_areas() -> None:
    assert Area.parse("330100").level == "city" and Area.parse("330106").level == "county"
    assert Area.parse("330100").covers("91330106MA2H7K3LXA")
    assert Area.parse("330106").covers("91330106MA2H7K3LXA")
    assert not Area.parse("330102").covers("91330106MA2H7K3LXA")
    assert not Area.parse("330200").covers("91330106MA2H7K3LXA")
    assert area_of("91330106MA2H7K3LXA") == "330106"
    for bad in ("33010", "3301066", "330000", "000100", "990100", "330006", "３３０１０６",
                "33O106"):
        with pytest.raises(ValidationError):
            Area.parse(bad)


@given(st.text(max_size=12))
def test_any_text_is_an_area_or_a_validation_error(text: str) -> None:
    try:
        area = Area.parse(text)
    except ValidationError:
        return
    assert len(area.code) == 6 and area.code.isdigit() and area.level in ("city", "county")


@freeze_time("2026-06-01 02:00:00")
def test_a_county_sees_only_its_area(api: Api, issuer: Any) -> None:
    other = two_enterprises(api, issuer)
    own_check = spot_check(api, "zhejiang", "91330106MA2H7K3LXA")["id"]
    other_check = spot_check(api, "zhejiang", other)["id"]
    assert ids(api, "/api/v1/spot-checks", "county") == [own_check]
    assert ids(api, "/api/v1/spot-checks", "other_county") == [other_check]
    assert ids(api, "/api/v1/spot-checks", "zhejiang") == [other_check, own_check]
    # it records checks of its own level in its area, and nowhere else
    county_check = spot_check(api, "county", "91330106MA2H7K3LXA", level="county")
    assert county_check["bureau_code"] == "33"
    level = spot_check(api, "county", "91330106MA2H7K3LXA", level="municipal", status=422)
    assert level["field"] == "level"
    spot_check(api, "county", other, level="county", status=403)
    # measures: ordered and closed in its area
    measure = call(api, "POST", "/api/v1/measures", "county", {
        "licence_number": "浙XK06-001-00012", "kind": "rectify", "reason": "抽查不合格",
        "deadline": "2026-07-01"}, 201)
    assert ids(api, "/api/v1/measures", "county") == [measure["id"]]
    assert ids(api, "/api/v1/measures", "other_county") == []
    call(api, "POST", "/api/v1/measures", "other_county", {
        "licence_number": "浙XK06-001-00012", "kind": "interview", "reason": "x"}, 403)
    # a failed rectification revokes the licence: the licensing bureau's decision
    revoking = call(api, "POST", f"/api/v1/measures/{measure['id']}/outcome", "county", {
        "passed": False, "note": "未整改", "legal_basis": "条例第四十五条"}, 403)
    assert "provincial bureau" in revoking["detail"]
    assert ids(api, "/api/v1/measures?open=true", "zhejiang") == [measure["id"]]  # still open
    closed = call(api, "POST", f"/api/v1/measures/{measure['id']}/outcome", "zhejiang", {
        "passed": False, "note": "未整改", "legal_basis": "条例第四十五条"})
    assert closed["outcome"] == "failed"


@freeze_time("2026-06-01 02:00:00")
def test_a_county_never_approves(api: Api, issuer: Any) -> None:
    _licence(api, issuer)
    created = call(api, "POST", "/api/v1/applications", "enterprise", application_body(),
                   201)
    path = f"/api/v1/applications/{created['id']}"
    refused = call(api, "POST", f"{path}/accept", "county", None, 403)
    assert "is not yours" in refused["detail"]
    listed = call(api, "GET", "/api/v1/applications", "county", None, 403)
    assert "no applications" in listed["detail"]
    call(api, "POST", "/api/v1/licences/浙XK06-001-00012/suspend", "county",
         {"order": "stop_production", "reason": "x"}, 403)


def test_an_accident_reaches_the_county_and_the_province(api: Api, issuer: Any) -> None:
    with at("2026-06-01"):
        _, path, body = _accident(api, issuer)
        report = call(api, "POST", path, "enterprise", body, 201)
        for who, sees in (("county", True), ("zhejiang", True), ("national", True),
                          ("other_county", False), ("jiangsu", False)):
            assert ids(api, "/api/v1/accidents", who) == ([report["id"]] if sees else []), who
        # the county orders the recall, on that report
        order = call(api, "POST", "/api/v1/recall-orders", "county", {
            "cause": "accident", "cause_id": report["id"], "reason": "产品存在危及人身安全的缺陷",
            "deadline": "2026-06-10"}, 201)
        assert order["state"] == "open" and order["area_code"] == "330106"
        assert order["products"] == ["架空绝缘电缆"]
        assert order["cause"] == f"accident:{report['id']}"
        call(api, "POST", "/api/v1/recall-orders", "other_county", {
            "cause": "accident", "cause_id": report["id"], "reason": "x",
            "deadline": "2026-06-10"}, 403)
        today = call(api, "POST", "/api/v1/recall-orders", "county", {
            "cause": "accident", "cause_id": report["id"], "reason": "x",
            "deadline": "2026-06-01"}, 422)
        assert today["field"] == "deadline"
        assert ids(api, "/api/v1/recall-orders?state=open", "enterprise") == [order["id"]]
        assert ids(api, "/api/v1/recall-orders", "other_enterprise") == []
        assert ids(api, "/api/v1/recall-orders?state=overdue", "zhejiang") == []
    with at("2026-06-10"):  # the last day
        assert ids(api, "/api/v1/recall-orders?state=overdue", "county") == []
    with at("2026-06-11"):
        for who in ("county", "zhejiang", "national", "enterprise"):
            assert ids(api, "/api/v1/recall-orders?state=overdue", who) == [order["id"]], who
        assert ids(api, "/api/v1/recall-orders?state=overdue", "other_county") == []
        bad = call(api, "GET", "/api/v1/recall-orders?state=late", "county", None, 422)
        assert bad["field"] == "state"
        stranger = call(api, "POST", "/api/v1/recalls", "enterprise",
                        {**RECALL, "order_id": 987_654}, 422)
        assert stranger["field"] == "order_id"
        partial = call(api, "POST", "/api/v1/recalls", "enterprise",
                       {**RECALL, "products": ["聚氯乙烯绝缘电缆"], "order_id": order["id"]},
                       422)
        assert partial["field"] == "products"
        recall = call(api, "POST", "/api/v1/recalls", "enterprise",
                      {**RECALL, "order_id": order["id"]}, 201)
        assert recall["order_id"] == order["id"]
        again = call(api, "POST", "/api/v1/recalls", "enterprise",
                     {**RECALL, "order_id": order["id"]}, 409)
        assert f"recall {recall['id']}" in again["detail"]
        assert ids(api, "/api/v1/recall-orders?state=overdue", "county") == []
        (answered,) = call(api, "GET", "/api/v1/recall-orders?state=answered",
                           "county")["items"]
        assert answered["recall_id"] == recall["id"]
        feed = api.get("/api/v1/feed?purpose=核验", "department").get_data(as_text=True)
        assert "recall.ordered" in feed


@freeze_time("2026-06-01 02:00:00")
def test_a_recall_is_ordered_on_a_failed_spot_check_only(api: Api, issuer: Any) -> None:
    _licence(api, issuer)
    passed = spot_check(api, "zhejiang", "91330106MA2H7K3LXA")["id"]
    refused = call(api, "POST", "/api/v1/recall-orders", "zhejiang", {
        "cause": "spot_check", "cause_id": passed, "reason": "x",
        "deadline": "2026-07-01"}, 422)
    assert refused["field"] == "cause_id"
    failed = spot_check(api, "zhejiang", "91330106MA2H7K3LXA", passed=False)["id"]
    order = call(api, "POST", "/api/v1/recall-orders", "zhejiang", {
        "cause": "spot_check", "cause_id": failed, "reason": "抽查不合格",
        "deadline": "2026-07-01"}, 201)
    assert order["area_code"] is None
    # another province, or an id that names nothing: the same answer
    other = call(api, "POST", "/api/v1/recall-orders", "jiangsu", {
        "cause": "spot_check", "cause_id": failed, "reason": "x",
        "deadline": "2026-07-01"}, 403)
    none = call(api, "POST", "/api/v1/recall-orders", "jiangsu", {
        "cause": "spot_check", "cause_id": 987_654, "reason": "x",
        "deadline": "2026-07-01"}, 403)
    assert other["detail"].replace(str(failed), "N") == none["detail"].replace("987654", "N")


def test_local_accounts_on_the_command_line(env: dict[str, str]) -> None:
    init_keys(env)
    made = run(env, "account", "create", "--role", "local", "--area", "330106",
               "--name", "杭州市西湖区市场监督管理局")
    assert made.exit_code == 0, made.output
    listed = run(env, "account", "list")
    assert "local\t330106\t杭州市西湖区市场监督管理局" in listed.output
    for bad in ("330000", "99x106", ""):
        refused = run(env, "account", "create", "--role", "local", "--area", bad,
                      "--name", "x")
        assert refused.exit_code == 2 and "--area" in refused.output, bad
