"""Standards declarations: publish, change, withdraw, the history, and what the public site and
public API show after each step."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask.testing import FlaskClient
from freezegun import freeze_time

from certsvc.credential.qr_text import token_to_digits
from certsvc.domain.declarations import STANDARD_COMMITMENT
from certsvc.workflow.issuance import IssuedLicence
from tests.conftest import Api

USCC = "91330106MA2H7K3LXA"


def declaration(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "items": [
            {"unit": "架空绝缘电缆", "standards": ["GB/T 12527-2008", "GB/T 14049-2008"]},
            {"unit": 4, "standards": ["GB/T 5023.1-2008", "Q/HGDL 001-2024"],
             "enterprise_standard": {
                 "indicators": [{"name": "导体直流电阻 (20 °C)", "value": "≤ 1.83 Ω/km"},
                                {"name": "绝缘厚度", "value": "≥ 0.8 mm"}],
                 "below_recommended": False}},
        ],
        "commitment": STANDARD_COMMITMENT,
    }
    body.update(changes)
    return body


def publish(api: Api, body: Any, who: str = "enterprise", status: int = 201) -> dict[str, Any]:
    response = api.post("/api/v1/declarations", who, body)
    assert response.status_code == status, response.json
    assert response.json is not None
    return response.json


def test_publish_change_withdraw_and_history(api: Api, site: FlaskClient,
                                             issued: IssuedLicence) -> None:
    landing = "/V/" + token_to_digits(issued.token)
    with freeze_time("2026-06-01 02:00"):
        assert "尚未在本系统公布" in site.get(landing).get_data(as_text=True)
        first = publish(api, declaration())
        assert first["version"] == 1 and first["withdrawn"] is False
        assert first["published_at"] == "2026-06-01T02:00:00+00:00"
        html = site.get(landing).get_data(as_text=True)
        for text in ("GB/T 12527-2008", "Q/HGDL 001-2024", "导体直流电阻", "≤ 1.83 Ω/km",
                     "不低于对应的推荐性标准", "第 1 版", "依法承担产品质量安全主体责任"):
            assert text in html, text
    with freeze_time("2026-07-01 02:00"):
        changed = declaration()
        changed["items"][1]["enterprise_standard"]["below_recommended"] = True
        changed["items"][0]["standards"] = ["GB/T 12527-2023"]
        assert publish(api, changed)["version"] == 2
        html = site.get(landing).get_data(as_text=True)
        assert "GB/T 12527-2023" in html and "GB/T 12527-2008" not in html
        assert "低于对应的推荐性标准" in html and "不低于" not in html and "第 2 版" in html
    with freeze_time("2026-08-01 02:00"):
        withdrawn = api.post("/api/v1/declarations/withdraw", "enterprise")
        assert withdrawn.status_code == 200 and withdrawn.json is not None
        assert withdrawn.json["version"] == 3 and withdrawn.json["withdrawn"] is True
        again = api.post("/api/v1/declarations/withdraw", "enterprise")
        assert again.status_code == 409
    assert "尚未在本系统公布" in site.get(landing).get_data(as_text=True)
    public = site.get(f"/api/v1/enterprises/{USCC}").json
    assert public is not None and public["declaration"] is None
    assert [(v["version"], v["withdrawn"]) for v in public["declaration_history"]] == [
        (3, True), (2, False), (1, False)]
    assert public["declaration_history"][2]["published_at"] == "2026-06-01T02:00:00+00:00"
    page = site.get(f"/enterprise/{USCC}").get_data(as_text=True)
    assert "声明历史" in page and "已撤回" in page
    log = api.get(f"/api/v1/audit?subject=declaration:{USCC}", "auditor").json
    assert log is not None
    assert [e["action"] for e in log["items"]] == [
        "declaration.publish", "declaration.publish", "declaration.withdraw"]


def test_public_api_shows_the_current_declaration(api: Api, site: FlaskClient,
                                                  issued: IssuedLicence) -> None:
    with freeze_time("2026-06-01 02:00"):
        publish(api, declaration())
    body = site.get(f"/api/v1/enterprises/{USCC}").json
    assert body is not None
    current = body["declaration"]
    assert current["version"] == 1
    items = current["content"]["items"]
    assert items[1]["standards"][1] == {"number": "Q/HGDL 001-2024", "kind": "enterprise",
                                        "recommended": False}
    assert items[1]["enterprise_standard"]["below_recommended"] is False


@pytest.mark.parametrize(("change", "field"), [
    ({"items": []}, "items"),
    ({"items": [{"unit": "安全帽", "standards": ["GB 2811-2019"]}]}, "items[0].unit"),
    ({"items": [{"unit": "架空绝缘电缆", "standards": ["GB/T 12527"]}]},
     "items[0].standards[0]"),
    ({"items": [{"unit": "架空绝缘电缆", "standards": ["Q/HGDL 001-2024"]}]},
     "items[0].enterprise_standard"),
    ({"items": [{"unit": "架空绝缘电缆", "standards": ["GB/T 12527-2008"],
                 "enterprise_standard": {"indicators": [{"name": "x", "value": "y"}],
                                         "below_recommended": False}}]},
     "items[0].enterprise_standard"),
    ({"items": [{"unit": "架空绝缘电缆", "standards": ["Q/HGDL 001-2024"],
                 "enterprise_standard": {"indicators": [], "below_recommended": False}}]},
     "items[0].enterprise_standard.indicators"),
    ({"items": [{"unit": "架空绝缘电缆", "standards": ["Q/HGDL 001-2024"],
                 "enterprise_standard": {"indicators": [{"name": "x", "value": "y"}]}}]},
     "items[0].enterprise_standard.below_recommended"),
    ({"commitment": ""}, "commitment"),
])
def test_bad_declarations_name_the_field(api: Api, issued: IssuedLicence,
                                         change: dict[str, Any], field: str) -> None:
    problem = publish(api, declaration(**change), status=422)
    assert problem["field"] == field


def test_only_the_enterprise_itself_declares(api: Api, issued: IssuedLicence) -> None:
    for who in ("zhejiang", "national", "auditor", "institution"):
        assert publish(api, declaration(), who=who, status=403)["type"].endswith("forbidden")
    # another enterprise cannot declare for products it holds no licence for
    problem = publish(api, declaration(), who="other_enterprise", status=422)
    assert problem["field"] == "items[0].unit"


def test_no_declaration_without_a_licence_in_force(api: Api, issued: IssuedLicence) -> None:
    with freeze_time(dt.datetime(2026, 6, 1, 2)):
        api.post(f"/api/v1/licences/{issued.number}/revoke", "zhejiang",
                 {"reason": "x", "legal_basis": "y"})
        assert publish(api, declaration(), status=422)["field"] == "items[0].unit"
