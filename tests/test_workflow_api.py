"""The bureau workflow end to end through HTTP: every branch of an application, with the clock
frozen across the National Day holiday; licence actions; the status list they publish."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pytest
from freezegun import freeze_time
from sqlalchemy import text

from certsvc.config import STATUS_LIST_FILE
from certsvc.credential.status_list import StatusList, apply_delta
from certsvc.credential.verifier import VerdictCode, verify
from certsvc.domain.documents import EXAMPLE_REFERENCE
from certsvc.domain.licence import LicenceStatus
from certsvc.domain.lifecycle import DUE_WITHIN_MAX
from certsvc.publish.artefacts import delta_path
from certsvc.signer.signer import Signer
from tests.conftest import REVIEWERS, Api, application_body, load_trust_list

CHINA_MORNING = "02:00:00"  # 10:00 in Beijing


def at(day: str) -> Any:
    return freeze_time(f"{day} {CHINA_MORNING}")


def submit(api: Api, **changes: Any) -> dict[str, Any]:
    response = api.post("/api/v1/applications", "enterprise", application_body(**changes))
    assert response.status_code == 201, response.json
    assert response.json is not None
    return response.json


def act(api: Api, application_id: int, action: str, who: str, body: Any = None,
        status: int = 200) -> dict[str, Any]:
    response = api.post(f"/api/v1/applications/{application_id}/{action}", who, body)
    assert response.status_code == status, response.json
    assert response.json is not None
    return response.json


def visit(api: Api, application_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """The on-site verification: assigned by the bureau, recorded by the review body."""
    act(api, application_id, "assign_review", "zhejiang", {
        "review_body_id": api.review_bodies["zhejiang"], "reviewers": REVIEWERS})
    return act(api, application_id, "record_onsite", "review_body", body)


def test_normal_application_across_national_day(api: Api, signer: Signer) -> None:
    with at("2026-09-24"):
        application = submit(api)
        assert application["state"] == "submitted"
        assert application["allowed_actions"] == ["accept", "refuse_acceptance",
                                                  "request_correction"]
        assert application["deadline"] is None
    with at("2026-09-25"):
        accepted = act(api, application["id"], "accept", "zhejiang")
        assert accepted["accepted_on"] == "2026-09-25"
        # the clock starts the working day after acceptance: 30 working days → 12 November
        assert accepted["deadline"] == {"due": "2026-11-12", "working_days_left": 30,
                                        "overdue": False, "paused": False,
                                        "paused_working_days": 0,
                                        "provisional": False}
    with at("2026-09-28"):
        visit(api, application["id"],
            {"passed": True, "reviewers": REVIEWERS, "notes": "生产条件符合要求"})
    with at("2026-09-29"):
        testing = act(api, application["id"], "choose_institution", "enterprise",
                      {"institution_id": api.institutions["level1"]})
        assert testing["state"] == "testing"
    with at("2026-10-05"):  # a holiday, in the middle of testing: the clock is paused
        paused = api.get(f"/api/v1/applications/{application['id']}", "zhejiang").json
        assert paused is not None and paused["deadline"]["paused"] is True
    with at("2026-10-09"):
        tested = act(api, application["id"], "record_test", "institution",
                     {"passed": True, "report_number": "ZJ2026-0931",
                      "report": EXAMPLE_REFERENCE})
        # testing ran 30 Sep, 8 Oct and 9 Oct (three working days): the due date moves by 3
        assert tested["deadline"]["due"] == "2026-11-17"
        assert tested["deadline"]["paused_working_days"] == 3
    with at("2026-10-12"):
        approved = act(api, application["id"], "approve", "zhejiang")
        assert approved["state"] == "approved" and approved["deadline"] is None
        issued = act(api, application["id"], "issue", "zhejiang")
    assert issued["state"] == "issued"
    assert issued["licence_number"] == "浙XK06-001-00001"
    assert issued["allowed_actions"] == []

    from certsvc.domain.licence_number import LicenceNumber
    from certsvc.store.reader import LicenceReader

    record = LicenceReader(api.engine).by_number(LicenceNumber.parse("浙XK06-001-00001"))
    assert record.token is not None and record.issued == dt.date(2026, 10, 12)
    verdict = verify(record.token, load_trust_list(signer),
                     now=dt.datetime(2026, 10, 13, tzinfo=dt.UTC))
    assert verdict.code is VerdictCode.STATUS_UNKNOWN  # authentic and in date
    assert verdict.claims is not None and verdict.claims.scope == (4, 6)


def test_overdue_and_due_soon_lists(api: Api) -> None:
    with at("2026-09-24"):
        late = submit(api)["id"]
        act(api, late, "accept", "zhejiang")
    with at("2026-11-02"):
        on_time = submit(api)["id"]
        act(api, on_time, "accept", "zhejiang")
    with at("2026-11-13"):  # the first one was due on 12 November (accepted 24 September)
        overdue = api.get("/api/v1/applications?overdue=true", "zhejiang").json
        assert overdue is not None
        assert [a["id"] for a in overdue["items"]] == [late]
        assert overdue["items"][0]["deadline"]["working_days_left"] < 0
        soon = api.get("/api/v1/applications?due_within=10", "zhejiang").json
        assert soon is not None and [a["id"] for a in soon["items"]] == [late]
        later = api.get("/api/v1/applications?due_within=25", "zhejiang").json
        assert later is not None and [a["id"] for a in later["items"]] == [late, on_time]
        # a year ahead at most, both sides of the limit: no calendar is known beyond
        assert api.get(f"/api/v1/applications?due_within={DUE_WITHIN_MAX}",
                       "zhejiang").status_code == 200
        too_far = api.get(f"/api/v1/applications?due_within={DUE_WITHIN_MAX + 1}", "zhejiang")
        assert too_far.status_code == 422 and too_far.json is not None
        assert "due_within" in too_far.json["detail"]
        # Jiangsu sees none of Zhejiang's applications
        other = api.get("/api/v1/applications?overdue=true", "jiangsu").json
        assert other is not None and other["items"] == []


def test_the_due_lists_read_the_stored_due_date_and_count_a_pause(api: Api) -> None:
    """Overdue and due-soon lists are narrowed in the query by the stored due date and
    decided by each deadline: a clock paused for testing after it ran out stays overdue, one
    paused in time does not count the pause; a page of one pages through them all."""
    with at("2026-09-24"):
        late_testing = submit(api)["id"]
        late_review = submit(api)["id"]
        for late in (late_testing, late_review):
            act(api, late, "accept", "zhejiang")
    with at("2026-11-02"):
        paused = submit(api)["id"]
        act(api, paused, "accept", "zhejiang")
    with at("2026-11-05"):
        act(api, paused, "choose_institution", "enterprise",
            {"institution_id": api.institutions["level1"]})
    with at("2026-11-16"):  # four days after the 12 November due date, testing begins
        act(api, late_testing, "choose_institution", "enterprise",
            {"institution_id": api.institutions["level1"]})
    with at("2026-11-20"):
        seen, after = [], 0
        while True:
            page = api.get(f"/api/v1/applications?overdue=true&limit=1&after={after}",
                           "zhejiang").json
            assert page is not None
            if not page["items"]:
                break
            seen += [a["id"] for a in page["items"]]
            after = page["next_after"]
        assert seen == [late_testing, late_review]
        left = {a["id"]: a["deadline"]["working_days_left"] for a in api.get(
            "/api/v1/applications?due_within=30", "zhejiang").json["items"]}  # type: ignore[index]
        assert set(left) == {late_testing, late_review, paused}
        assert left[paused] == 27  # as on 5 November, when testing began
        soon = api.get("/api/v1/applications?due_within=26", "zhejiang").json
        assert soon is not None and paused not in [a["id"] for a in soon["items"]]


def test_a_deadline_in_a_year_without_a_notice_is_provisional(api: Api) -> None:
    """2027's holiday notice is not in the data: the deadline is counted on the statutory
    holidays and says it is provisional; one within 2026 does not."""
    with at("2026-11-27"):
        application = submit(api)
        accepted = act(api, application["id"], "accept", "zhejiang")
    assert accepted["deadline"]["due"] == "2027-01-11"  # 1 January 2027 a holiday
    assert accepted["deadline"]["provisional"] is True
    with at("2026-06-01"):
        application = submit(api)
        within = act(api, application["id"], "accept", "zhejiang")
    assert within["deadline"]["provisional"] is False


def test_renewal_with_commitment_and_testing_exemption(api: Api, issuer: Any) -> None:
    import json

    from certsvc.domain.licence import Licence
    from tests.conftest import REFERENCE

    with at("2026-03-15"):  # a licence of 2022, valid to 2027-03-14: renewable from 2026-03-14
        issuer.issue(Licence.from_dict(json.loads(REFERENCE.read_text("utf-8"))
                                       | {"issued": "2022-03-15", "valid_until": "2027-03-14"}),
                     dt.datetime(2026, 3, 15, 2, tzinfo=dt.UTC))
    materials = dict(application_body()["materials"],
                     renewal_commitment="生产条件未发生重大变化，特此承诺。")
    with at("2026-06-18"):  # the day before the Dragon Boat Festival (19–21 June)
        renewal = submit(api, kind="renewal", licence_number="（浙）XK06-001-00012",
                         materials=materials)
        accepted = act(api, renewal["id"], "accept", "zhejiang")
        assert accepted["deadline"]["due"] == "2026-07-31"
    with at("2026-06-22"):  # three days later, one working day has passed
        committed = act(api, renewal["id"], "accept_commitment", "zhejiang")
        assert committed["deadline"]["working_days_left"] == 29
        # the commitment replaced the visit; recording one now is refused with the reason
        refused = act(api, renewal["id"], "assign_review", "zhejiang", {
            "review_body_id": api.review_bodies["zhejiang"], "reviewers": REVIEWERS},
            status=409)
        assert "already recorded" in refused["detail"]
        checks = {name: spot_check(api, **values) for name, values in {
            "stale": {"checked_on": "2025-12-21"},
            "municipal": {"level": "municipal"},
            "partial": {"products": [4]},
            "failed": {"passed": False},
            "good": {"checked_on": "2025-12-22"},
        }.items()}
        for name, reason in (("stale", "older than six months"), ("municipal", "provincial"),
                             ("partial", "does not cover"), ("failed", "only a passed")):
            problem = act(api, renewal["id"], "exempt_testing", "zhejiang",
                          {"spot_check_id": checks[name]}, status=422)
            assert problem["field"] == "spot_check_id" and reason in problem["detail"], name
        exempt = act(api, renewal["id"], "exempt_testing", "zhejiang",
                     {"spot_check_id": checks["good"]})
        assert exempt["review"]["testing"]["spot_check"]["reference"] == "浙市监抽〔2025〕12号"
        act(api, renewal["id"], "approve", "zhejiang")
        issued = act(api, renewal["id"], "issue", "zhejiang")
    assert issued["licence_number"] == "浙XK06-001-00012"  # renewal keeps the number
    from certsvc.domain.licence_number import LicenceNumber
    from certsvc.store.reader import LicenceReader

    record = LicenceReader(api.engine).by_number(LicenceNumber.parse("浙XK06-001-00012"))
    assert record.valid_until == dt.date(2032, 3, 14)  # five more years from the old expiry


def spot_check(api: Api, **changes: Any) -> int:
    """Record a spot check of the reference enterprise in the register; return its id."""
    body = {"uscc": "91330106MA2H7K3LXA", "products": [4, 5, 6], "level": "provincial",
            "checked_on": "2026-03-01", "institution_id": api.institutions["level1"],
            "passed": True, "reference": "浙市监抽〔2025〕12号", **changes}
    response = api.post("/api/v1/spot-checks", "zhejiang", body)
    assert response.status_code == 201, response.json
    assert response.json is not None
    return int(response.json["id"])


def test_prior_report_must_predate_the_visit(api: Api) -> None:
    with at("2026-06-01"):
        application = submit(api)
        act(api, application["id"], "accept", "zhejiang")
        visit(api, application["id"],
            {"passed": True, "reviewers": REVIEWERS, "date": "2026-06-01"})
        late = act(api, application["id"], "accept_prior_report", "zhejiang", {
            "institution_id": api.institutions["level1"], "commissioned": "2026-06-02",
            "passed": True, "report_number": "R1"}, status=422)
        assert late["field"] == "commissioned"
        level3 = act(api, application["id"], "accept_prior_report", "zhejiang", {
            "institution_id": api.institutions["level3"], "commissioned": "2026-05-20",
            "passed": True, "report_number": "R1"}, status=422)
        assert level3["field"] == "institution_id"
        act(api, application["id"], "accept_prior_report", "zhejiang", {
            "institution_id": api.institutions["level1"], "commissioned": "2026-05-20",
            "passed": True, "report_number": "R1"})
        assert act(api, application["id"], "approve", "zhejiang")["state"] == "approved"


def test_refusals_and_missing_material(api: Api) -> None:
    with at("2026-06-18"):
        not_accepted = submit(api)
        result = act(api, not_accepted["id"], "refuse_acceptance", "zhejiang",
                     {"reasons": "不属于本机关许可范围"})
        assert result["state"] == "not_accepted" and result["allowed_actions"] == []
        assert result["deadline"] is None

        corrected = submit(api)
        act(api, corrected["id"], "request_correction", "zhejiang",
            {"missing": ["营业执照副本不清晰"]})
    with at("2026-06-22"):  # across the Dragon Boat Festival: no clock runs before acceptance
        clearer = api.client.post(
            "/api/v1/documents", headers={"Authorization": f"Bearer {api.tokens['enterprise']}"},
            data={"file": (io.BytesIO(b"%PDF-1.7\n% clearer copy\n"), "营业执照-清晰.pdf")},
            content_type="multipart/form-data")
        assert clearer.status_code == 201 and clearer.json is not None
        act(api, corrected["id"], "resubmit", "enterprise",
            {"materials": {"business_licence": clearer.json["ref"]}})
        again = act(api, corrected["id"], "request_correction", "zhejiang",
                    {"missing": ["再要一次"]}, status=409)
        assert again["type"] == "urn:certsvc:problem:invalid-transition"
        assert again["current_state"] == "submitted"
        assert again["allowed_actions"] == ["accept", "refuse_acceptance"]
        accepted = act(api, corrected["id"], "accept", "zhejiang")
        assert accepted["deadline"]["due"] == "2026-08-03"
        assert accepted["materials"]["business_licence"] == {
            "document": clearer.json["ref"], "media_type": "application/pdf",
            "size": clearer.json["size"], "name": "营业执照-清晰.pdf"}
        visit(api, corrected["id"],
            {"passed": False, "reviewers": REVIEWERS, "notes": "检验设备不全"})
        early = act(api, corrected["id"], "approve", "zhejiang", status=409)
        assert "conditions and testing" in early["detail"]
        refused = act(api, corrected["id"], "refuse", "zhejiang",
                      {"reasons": "实地核查不合格"})
        assert refused["state"] == "refused"
        assert refused["review"]["decision"] == {"approved": False, "reasons": "实地核查不合格",
                                                 "on": "2026-06-22T02:00:00+00:00"}


def test_transition_not_allowed_names_state_and_allowed_actions(api: Api) -> None:
    with at("2026-06-01"):
        application = submit(api)
        problem = act(api, application["id"], "issue", "zhejiang", status=409)
    assert problem["status"] == 409
    assert problem["current_state"] == "submitted"
    assert problem["allowed_actions"] == ["accept", "refuse_acceptance", "request_correction"]
    unknown = act(api, application["id"], "fly", "zhejiang", status=404)
    assert "current_state" not in unknown and "'fly'" in unknown["detail"]


def test_bad_input_is_a_problem_naming_the_field_and_writes_nothing(api: Api) -> None:
    cases = [
        ({"enterprise": {"name": "x", "uscc": "91330106MA2H7K3LXB", "residence": "a",
                         "production_address": "b"}}, "enterprise.uscc"),
        ({"materials": {"business_licence": EXAMPLE_REFERENCE,
                        "application_form": EXAMPLE_REFERENCE}}, "materials.commitment"),
        ({"materials": {"business_licence": "营业执照.pdf", "application_form": "b"}},
         "materials.business_licence"),
        ({"scope": ["不存在的产品"]}, "scope[0]"),
        ({"bureau": "火星市场监督管理局"}, "bureau"),
    ]
    for changes, field in cases:
        response = api.post("/api/v1/applications", "enterprise", application_body(**changes))
        assert response.status_code == 422, (field, response.json)
        assert response.mimetype == "application/problem+json"
        assert response.json is not None and response.json["field"] == field
    raw = api.client.post("/api/v1/applications", data=b"{not json",
                          headers={"Authorization": f"Bearer {api.tokens['enterprise']}",
                                   "Content-Type": "application/json"})
    assert raw.status_code == 422 and raw.json is not None and raw.json["field"] == "body"
    huge = api.client.post("/api/v1/applications", data=b"x" * (300 * 1024),
                           headers={"Authorization": f"Bearer {api.tokens['enterprise']}",
                                    "Content-Type": "application/json"})
    assert huge.status_code == 413 and huge.mimetype == "application/problem+json"
    listed = api.get("/api/v1/applications", "national").json
    assert listed is not None and listed["items"] == []


def test_idempotency_key_never_issues_twice(api: Api) -> None:
    with at("2026-06-01"):
        application = submit(api)
        for action in ("accept",):
            act(api, application["id"], action, "zhejiang")
        act(api, application["id"], "accept_prior_report", "zhejiang", {
            "institution_id": api.institutions["level1"], "commissioned": "2026-05-20",
            "passed": True, "report_number": "R1"})
        visit(api, application["id"],
            {"passed": True, "reviewers": REVIEWERS})
        act(api, application["id"], "approve", "zhejiang")
        path = f"/api/v1/applications/{application['id']}/issue"
        first = api.post(path, "zhejiang", None, **{"Idempotency-Key": "issue-1"})
        second = api.post(path, "zhejiang", None, **{"Idempotency-Key": "issue-1"})
        assert first.status_code == second.status_code == 200
        assert second.headers["Idempotent-Replayed"] == "true"
        assert first.json == second.json
        with api.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM licences")).scalar_one() == 1
        reused = api.post(f"/api/v1/applications/{application['id']}/refuse", "zhejiang",
                          {"reasons": "x"}, **{"Idempotency-Key": "issue-1"})
        assert reused.status_code == 422
        assert reused.json is not None
        assert reused.json["type"] == "urn:certsvc:problem:idempotency-key-invalid"
        # a refused request is refused again, identically, without acting
        no = api.post(path, "zhejiang", None, **{"Idempotency-Key": "issue-2"})
        assert no.status_code == 409
        assert api.post(path, "zhejiang", None, **{"Idempotency-Key": "issue-2"}).json == no.json


def issue_reference(api: Api, issuer: Any) -> str:
    import json

    from certsvc.domain.licence import Licence
    from tests.conftest import REFERENCE

    issuer.issue(Licence.from_dict(json.loads(REFERENCE.read_text("utf-8"))),
                 dt.datetime(2026, 3, 15, 2, tzinfo=dt.UTC))
    return "浙XK06-001-00012"


def licence_act(api: Api, number: str, action: str, who: str, body: Any = None,
                status: int = 200, **headers: str) -> dict[str, Any]:
    response = api.post(f"/api/v1/licences/{number}/{action}", who, body, **headers)
    assert response.status_code == status, response.json
    assert response.json is not None
    return response.json


def test_licence_lifecycle_publishes_every_status_change(
    api: Api, issuer: Any, signer: Signer
) -> None:
    number = issue_reference(api, issuer)
    trust = load_trust_list(signer)
    with at("2026-06-01"):
        suspended = licence_act(api, number, "suspend", "zhejiang", {
            "order": "rectify", "reason": "抽查不合格", "deadline": "2026-07-01"})
        assert suspended["status"] == "suspended"
        assert suspended["allowed_actions"] == ["change", "lift_suspension", "revoke",
                                                "penalty_revoke", "cancel",
                                                "request_cancellation", "no_longer_required"]
        first = StatusList.load((api.publish_dir / STATUS_LIST_FILE).read_bytes(), trust)
        lifted = licence_act(api, number, "lift_suspension", "zhejiang",
                             {"reason": "整改合格"})
        assert lifted["status"] == "valid"
        no_basis = licence_act(api, number, "penalty_revoke", "zhejiang",
                               {"reason": "伪造检验报告"}, status=422)
        assert no_basis["field"] == "legal_basis"
        revoked = licence_act(api, number, "penalty_revoke", "zhejiang", {
            "reason": "伪造检验报告", "legal_basis": "《工业产品生产许可证管理条例》第五十条"})
        assert revoked["status"] == "revoked" and revoked["allowed_actions"] == []
        again = licence_act(api, number, "suspend", "zhejiang",
                            {"order": "rectify", "reason": "x", "deadline": "2026-07-01"},
                            status=409)
        assert again["current_state"] == "revoked" and again["allowed_actions"] == []
    latest = StatusList.load((api.publish_dir / STATUS_LIST_FILE).read_bytes(), trust)
    assert latest.version == first.version + 2
    from certsvc.domain.licence_number import LicenceNumber
    from certsvc.store.reader import LicenceReader

    index = LicenceReader(api.engine).by_number(LicenceNumber.parse(number)).status_index
    assert first.status_at(index) is LicenceStatus.SUSPENDED
    assert latest.status_at(index) is LicenceStatus.REVOKED
    # a verifier holding the first version catches up with one signed delta
    delta = (delta_path(api.publish_dir, first.version)).read_bytes()
    caught_up = apply_delta(first, delta, trust)
    assert caught_up.version == latest.version and caught_up.bits == latest.bits
    # served with an ETag and Cache-Control; a revalidation is a 304
    served = api.get("/api/v1/status-list", None)
    assert served.status_code == 200 and served.data == latest_bytes(api)
    assert "max-age" in served.headers["Cache-Control"]
    assert api.client.get("/api/v1/status-list", headers={
        "If-None-Match": served.headers["ETag"]}).status_code == 304
    assert api.get(f"/api/v1/status-list/delta?since={first.version}", None).data == delta
    gone = api.get("/api/v1/status-list/delta?since=999", None)
    assert gone.status_code == 404 and gone.mimetype == "application/problem+json"


def latest_bytes(api: Api) -> bytes:
    return (api.publish_dir / STATUS_LIST_FILE).read_bytes()


def test_change_reissues_and_the_old_qr_stops_verifying(
    api: Api, issuer: Any, signer: Signer
) -> None:
    from certsvc.domain.licence_number import LicenceNumber
    from certsvc.store.reader import LicenceReader

    number = issue_reference(api, issuer)
    reader = LicenceReader(api.engine)
    old = reader.by_number(LicenceNumber.parse(number))
    with at("2026-06-01"):
        changed = licence_act(api, number, "change", "zhejiang",
                              {"enterprise": {"name": "浙江华光电缆集团有限公司"}})
        assert changed["enterprise"]["name"] == "浙江华光电缆集团有限公司"
        nothing = licence_act(api, number, "change", "zhejiang", {}, status=422)
        assert nothing["field"] == "body"
    new = reader.by_number(LicenceNumber.parse(number))
    assert new.token is not None and old.token is not None and new.token != old.token
    trust = load_trust_list(signer)
    status = StatusList.load(latest_bytes(api), trust)
    now = dt.datetime(2026, 6, 2, tzinfo=dt.UTC)
    assert verify(old.token, trust, status, now=now).code is VerdictCode.CANCELLED
    fresh = verify(new.token, trust, status, now=now)
    assert fresh.code is VerdictCode.VALID
    assert fresh.claims is not None and fresh.claims.enterprise_name == "浙江华光电缆集团有限公司"


def test_withdrawn_products_are_no_longer_required_not_revoked(
    api: Api, issuer: Any, signer: Signer
) -> None:
    import json

    from certsvc.domain.licence import Licence
    from tests.conftest import REFERENCE

    data = json.loads(REFERENCE.read_text("utf-8"))
    issuer.issue(Licence.from_dict(data), dt.datetime(2026, 3, 15, 2, tzinfo=dt.UTC))
    from certsvc.domain.catalogue import catalogue

    withdrawn = catalogue().unit(32)
    assert withdrawn.withdrawn is not None
    # a paper licence from before the withdrawal, migrated (and so signed) in 2026
    membrane = dict(data, number=None, scope=[withdrawn.name],
                    issued=(withdrawn.withdrawn - dt.timedelta(days=10)).isoformat(),
                    valid_until="2027-12-31")
    roof = issuer.issue(Licence.from_dict(membrane), dt.datetime(2026, 3, 15, 2, tzinfo=dt.UTC))
    with at("2026-06-01"):
        provincial = api.post("/api/v1/catalogue/withdrawals", "zhejiang")
        assert provincial.status_code == 403
        result = api.post("/api/v1/catalogue/withdrawals", "national")
        assert result.status_code == 200, result.json
        assert result.json == {"no_longer_required": [roof.number.canonical]}
    trust = load_trust_list(signer)
    status = StatusList.load(latest_bytes(api), trust)
    verdict = verify(roof.token, trust, status, now=dt.datetime(2026, 6, 2, tzinfo=dt.UTC))
    assert verdict.code is VerdictCode.VALID  # not revoked: nothing is wrong with it
    from certsvc.store.reader import LicenceReader

    record = LicenceReader(api.engine).by_number(roof.number)
    assert record.status is LicenceStatus.NOT_REQUIRED


def test_expired_licence_allows_only_cancellation(api: Api, issuer: Any) -> None:
    number = issue_reference(api, issuer)
    with at("2031-03-20"):
        problem = licence_act(api, number, "suspend", "zhejiang",
                              {"order": "stop_production", "reason": "x"}, status=409)
        assert problem["current_state"] == "expired"
        assert problem["allowed_actions"] == ["cancel", "request_cancellation"]
        own = licence_act(api, number, "request_cancellation", "enterprise",
                          {"reason": "企业申请注销"})
        assert own["status"] == "cancelled"


def test_audit_log_records_who_what_before_after(api: Api, issuer: Any) -> None:
    number = issue_reference(api, issuer)
    with at("2026-06-01"):
        application = submit(api)
        api.post(f"/api/v1/applications/{application['id']}/accept", "zhejiang",
                 None, **{"X-Request-Id": "req-42"})
        licence_act(api, number, "revoke", "zhejiang",
                    {"reason": "以欺骗手段取得许可", "legal_basis": "《行政许可法》第六十九条"})
    log = api.get(f"/api/v1/audit?subject=application:{application['id']}", "auditor").json
    assert log is not None
    assert [e["action"] for e in log["items"]] == ["submit", "accept"]
    accept = log["items"][1]
    assert accept["actor"] == f"provincial:{api.accounts['zhejiang']} zhejiang"
    assert accept["request_id"] == "req-42"
    assert accept["before"]["state"] == "submitted"
    assert accept["after"]["state"] == "under_review"
    assert accept["at"] == "2026-06-01T02:00:00+00:00"
    revoke = api.get("/api/v1/audit?action=revoke", "auditor").json
    assert revoke is not None and revoke["items"][0]["after"]["status"] == "revoked"
    assert revoke["items"][0]["before"]["status"] == "valid"
    # bureaus see their own province only; enterprises not at all
    jiangsu = api.get("/api/v1/audit", "jiangsu").json
    assert jiangsu is not None and jiangsu["items"] == []
    assert api.get("/api/v1/audit", "enterprise").status_code == 403
    # append-only below our code, too
    with pytest.raises(Exception, match="append-only"), api.engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET actor = 'someone else'"))
    with pytest.raises(Exception, match="append-only"), api.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_events"))


def test_tokens_unknown_expired_revoked(api: Api) -> None:
    from certsvc.store import accounts

    assert api.get("/api/v1/me", None).status_code == 401
    bad = api.client.get("/api/v1/me", headers={"Authorization": "Bearer cst_nope"})
    assert bad.status_code == 401 and bad.mimetype == "application/problem+json"
    me = api.get("/api/v1/me", "zhejiang").json
    assert me is not None and me["role"] == "provincial" and me["bureau_code"] == "33"
    now = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    with api.engine.begin() as conn:
        token_id, secret = accounts.create_token(conn, api.accounts["auditor"], now,
                                                 dt.timedelta(days=1))
        stored = conn.execute(text("SELECT digest FROM api_tokens WHERE id = :i"),
                              {"i": token_id}).scalar_one()
    assert secret not in stored and len(stored) == 64  # only the hash is kept
    header = {"Authorization": f"Bearer {secret}"}
    with freeze_time("2026-06-01 12:00"):
        assert api.client.get("/api/v1/me", headers=header).status_code == 200
    with freeze_time("2026-06-02 00:00:01"):
        assert api.client.get("/api/v1/me", headers=header).status_code == 401
    with api.engine.begin() as conn:
        accounts.revoke_token(conn, token_id, now)
    with freeze_time("2026-06-01 12:00"):
        assert api.client.get("/api/v1/me", headers=header).status_code == 401


def test_openapi_documents_every_route(api: Api) -> None:
    """Every rule of the bureau service is in the part of the document it serves."""
    document = api.get("/bureau/openapi.json", None).json
    assert document is not None and document["openapi"] == "3.1.0"
    documented = set(document["paths"])
    app = api.client.application
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(("/console", "/report")):  # pages for people, not the API
            continue
        path = re.sub(r"<int[^>]*:year>", "{year}", rule.rule)  # a year, not a record's id
        path = re.sub(r"<int[^>]*:\w+>", "{id}", path)
        path = re.sub(r"<(\w+)>", r"{\1}", path)
        if "{action}" in path:
            for action in ("accept", "issue") if "applications" in path else ("revoke",):
                assert path.replace("{action}", action) in documented
        else:
            assert path in documented, path
    assert "/api/v1/verify" not in documented  # the public site's, not this app's


def test_hostile_query_filters_are_problems_not_errors(api: Api) -> None:
    for path in ("/api/v1/audit?subject=%00", "/api/v1/audit?action=" + "x" * 101,
                 "/api/v1/applications?state=%00", "/api/v1/audit?since=yesterday",
                 "/api/v1/applications?limit=-1"):
        response = api.get(path, "national")
        assert response.status_code == 422, path
        assert response.mimetype == "application/problem+json"
