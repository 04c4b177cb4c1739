"""Spot checks and recalls: the register, the public record per enterprise, and recalls shown
on the public site and in the API until the enterprise closes them."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from freezegun import freeze_time

from certsvc.credential.qr_text import token_to_digits
from certsvc.workflow.issuance import IssuedLicence
from tests.conftest import Api

USCC = "91330106MA2H7K3LXA"
RECALL = {"products": ["架空绝缘电缆"], "defect": "绝缘层在低温下开裂",
          "batches": "20260501–20260515", "sold": 1200, "unsold": 300,
          "remedy": "免费更换同规格合格产品",
          "contact": "0571-88888888"}


def post(api: Api, path: str, who: str, body: Any, status: int) -> dict[str, Any]:
    response = api.post(path, who, body)
    assert response.status_code == status, response.json
    assert response.json is not None
    return response.json


@freeze_time("2026-06-01 02:00")
def test_recall_is_public_until_closed(api: Api, site: FlaskClient,
                                       issued: IssuedLicence) -> None:
    landing = "/V/" + token_to_digits(issued.token)
    recall = post(api, "/api/v1/recalls", "enterprise", RECALL, 201)
    assert recall["products"] == ["架空绝缘电缆"] and recall["closed_at"] is None
    for path in (landing, f"/enterprise/{USCC}"):
        html = site.get(path).get_data(as_text=True)
        assert "缺陷产品召回公告" in html and "绝缘层在低温下开裂" in html, path
        assert "已售 1200，未售 300" in html, path
    public = site.get(f"/api/v1/enterprises/{USCC}").json
    assert public is not None and [r["id"] for r in public["recalls"]] == [recall["id"]]
    closed = post(api, f"/api/v1/recalls/{recall['id']}/close", "enterprise",
                  {"note": "已更换 1,480 件"}, 200)
    assert closed["closed_at"] == "2026-06-01T02:00:00+00:00"
    assert "缺陷产品召回公告" not in site.get(landing).get_data(as_text=True)
    public = site.get(f"/api/v1/enterprises/{USCC}").json
    assert public is not None and public["recalls"] == []
    again = api.post(f"/api/v1/recalls/{recall['id']}/close", "enterprise", {"note": "x"})
    assert again.status_code == 409
    other = api.post(f"/api/v1/recalls/{recall['id']}/close", "other_enterprise",
                     {"note": "x"})
    assert other.status_code == 404


@freeze_time("2026-06-01 02:00")
def test_spot_checks_are_public_per_enterprise(api: Api, site: FlaskClient,
                                              issued: IssuedLicence) -> None:
    body = {"uscc": USCC, "products": ["架空绝缘电缆"], "level": "national",
            "checked_on": "2026-05-20", "institution_id": api.institutions["level1"],
            "passed": False, "reference": "市场监管总局抽查〔2026〕5号"}
    check = post(api, "/api/v1/spot-checks", "zhejiang", body, 201)
    assert check["passed"] is False and check["level"] == "national"
    assert post(api, "/api/v1/spot-checks", "jiangsu", body, 403)["type"].endswith("forbidden")
    html = site.get(f"/enterprise/{USCC}").get_data(as_text=True)
    assert "国家监督抽查" in html and "不合格" in html and "市场监管总局抽查〔2026〕5号" in html
    public = site.get(f"/api/v1/enterprises/{USCC}").json
    assert public is not None and public["spot_checks"][0]["id"] == check["id"]
    future = post(api, "/api/v1/spot-checks", "zhejiang", dict(body, checked_on="2026-07-01"),
                  422)
    assert future["field"] == "checked_on"


def test_published_list_of_institutions(api: Api, site: FlaskClient) -> None:
    listed = site.get("/api/v1/institutions").json
    assert listed is not None
    may_test = {i["name"]: i["may_test"] for i in listed["items"]}
    assert may_test == {"浙江省检测院": True, "江苏省检测院": True, "某市检测所": False,
                        "未备案检测机构": False}


def test_the_national_authority_keeps_the_register(api: Api, site: FlaskClient) -> None:
    body = {"name": "国家电线电缆质量检验检测中心", "accreditation": "CMA 2016000123", "level": 1,
            "filed": False}
    assert api.post("/api/v1/institutions", "zhejiang", body).status_code == 403
    added = post(api, "/api/v1/institutions", "national", body, 201)
    assert added["may_test"] is False  # not filed yet
    filed = post(api, f"/api/v1/institutions/{added['id']}/filing", "national",
                 {"filed": True}, 200)
    assert filed["filed"] is True and filed["may_test"] is True
    listed = site.get("/api/v1/institutions").json
    assert listed is not None and any(i["id"] == added["id"] and i["may_test"]
                                      for i in listed["items"])
    assert post(api, "/api/v1/institutions", "national", body, 409)["status"] == 409
    assert post(api, "/api/v1/institutions", "national", dict(body, name="x", level=4),
                422)["field"] == "level"
    log = api.get(f"/api/v1/audit?subject=institution:{added['id']}", "auditor").json
    assert log is not None
    assert [e["action"] for e in log["items"]] == ["institution.add", "institution.filing"]
