"""Statutory bars (issue 25): after 吊销, after 撤销 of a licence obtained by deceit or a false
commitment, after a refusal for false information, the enterprise may not apply again for
the same products for a time — checked at filing on every route, with the rule, its source
and the day applications are taken again in a problem of its own. Each on both sides of its
end: the day before (refused), the day (taken)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import REVIEWERS, Api, application_body
from tests.test_procedure_rules import commitment_body, post
from tests.test_workflow_api import at

CABLES = ["架空绝缘电缆", "聚氯乙烯绝缘电缆"]  # product 06-001


def _issued(api: Api) -> tuple[str, str]:
    """A cable licence issued on commitment (告知承诺) on 2026-06-01: its number, and the
    path of its application (where the on-site review after issue is recorded)."""
    with at("2026-06-01"):
        application = post(api, "/api/v1/applications", "enterprise",
                           commitment_body(api, scope=CABLES), 201)
        path = f"/api/v1/applications/{application['id']}"
        for action in ("accept", "approve", "issue"):
            done = post(api, f"{path}/{action}", "zhejiang")
    return str(done["licence_number"]), path


def _apply(api: Api, day: str, **changes: Any) -> Any:
    with at(day):
        return api.post("/api/v1/applications", "enterprise", application_body(**changes))


def _refused_by_bar(answer: Any, source: str, until: str) -> None:
    assert answer.status_code == 409, answer.json
    body = answer.json
    assert body["type"].endswith("statutory-bar"), body
    assert source in body["detail"] and f"taken again from {until}" in body["detail"], body


@pytest.mark.parametrize(("action", "data", "source"), [
    ("penalty_revoke", {"reason": "出租许可证", "legal_basis": "条例第四十九条"},
     "条例第五十五条"),
    ("revoke", {"reason": "以欺骗手段取得", "legal_basis": "行政许可法第六十九条",
                "ground": "deceit"}, "行政许可法第七十九条"),
])
def test_a_revocation_bars_the_same_products_for_three_years(
        api: Api, action: str, data: dict[str, Any], source: str) -> None:
    number, _ = _issued(api)
    with at("2026-07-01"):
        post(api, f"/api/v1/licences/{number}/{action}", "zhejiang", data)
    _refused_by_bar(_apply(api, "2026-07-02"), source, "2029-07-01")
    _refused_by_bar(_apply(api, "2029-06-30"), source, "2029-07-01")  # the day before
    # another product is not barred; the same products are taken again on the day
    assert _apply(api, "2026-07-02", scope=["胶合板"]).status_code == 201
    assert _apply(api, "2029-07-01").status_code == 201


def test_a_revocation_on_other_grounds_bars_nothing(api: Api) -> None:
    number, _ = _issued(api)
    with at("2026-07-01"):
        post(api, f"/api/v1/licences/{number}/revoke", "zhejiang",
             {"reason": "超越法定职权作出", "legal_basis": "行政许可法第六十九条"})
    assert _apply(api, "2026-07-02").status_code == 201


def test_a_false_commitment_bars_for_three_years(api: Api) -> None:
    """A failed on-site review after issue on commitment, finding a false commitment,
    revokes the licence as obtained by deceit."""
    number, path = _issued(api)
    with at("2026-06-10"):
        post(api, f"{path}/assign_review", "zhejiang",
             {"review_body_id": api.review_bodies["zhejiang"], "reviewers": REVIEWERS})
        post(api, f"{path}/record_post_review", "review_body",
             {"passed": False, "finding": "false_commitment", "reviewers": REVIEWERS})
    from certsvc.domain.licence_number import LicenceNumber
    from certsvc.store.reader import LicenceReader

    revoked = LicenceReader(api.engine).by_number(LicenceNumber.parse(number))
    assert revoked.status.value == "revoked"
    _refused_by_bar(_apply(api, "2029-06-09"), "行政许可法第七十九条", "2029-06-10")
    assert _apply(api, "2029-06-10").status_code == 201


@pytest.mark.parametrize("action", ["refuse_acceptance", "refuse"])
def test_false_information_bars_for_a_year(api: Api, action: str) -> None:
    with at("2026-06-01"):
        application = post(api, "/api/v1/applications", "enterprise", application_body(), 201)
        path = f"/api/v1/applications/{application['id']}"
        if action == "refuse":
            post(api, f"{path}/accept", "zhejiang")
        post(api, f"{path}/{action}", "zhejiang",
             {"reasons": "营业执照系伪造", "false_information": True})
    _refused_by_bar(_apply(api, "2027-05-31"), "行政许可法第七十八条", "2027-06-01")
    with at("2027-05-31"):  # the commitment route too
        committed = api.post("/api/v1/applications", "enterprise", commitment_body(api))
    _refused_by_bar(committed, "行政许可法第七十八条", "2027-06-01")
    assert _apply(api, "2027-06-01").status_code == 201


def test_a_refusal_without_false_information_bars_nothing(api: Api) -> None:
    with at("2026-06-01"):
        application = post(api, "/api/v1/applications", "enterprise", application_body(), 201)
        post(api, f"/api/v1/applications/{application['id']}/refuse_acceptance", "zhejiang",
             {"reasons": "不属于本机关职权范围"})
    assert _apply(api, "2026-06-02").status_code == 201
