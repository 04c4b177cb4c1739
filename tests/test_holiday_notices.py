"""A year's holiday notice loaded by the national authority: checked, versioned, audited, put in
force; the deadlines it moves are counted again and say so in their timelines."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from freezegun import freeze_time

from certsvc.domain.holidays import statutory_days
from tests.conftest import Api, application_body, init_keys, run
from tests.test_cli_workflow import account
from tests.test_procedure_rules import commitment_body

# the statutory days and a bridge day after 元旦 (Monday 4 January)
HOLIDAYS_2027 = sorted(d.isoformat() for d in statutory_days(2027) | {dt.date(2027, 1, 4)})


def notice(**changes: Any) -> dict[str, Any]:
    return {"year": 2027, "notice": "国务院办公厅关于2027年部分节假日安排的通知",
            "holidays": HOLIDAYS_2027, "workdays": ["2027-01-09"], **changes}


@freeze_time("2026-11-27 02:00:00")
def test_a_loaded_notice_makes_a_provisional_deadline_final(api: Api) -> None:
    created = api.post("/api/v1/applications", "enterprise", application_body()).json
    assert created is not None
    path = f"/api/v1/applications/{created['id']}"
    accepted = api.post(f"{path}/accept", "zhejiang").json
    assert accepted is not None and accepted["deadline"]["provisional"] is True
    assert accepted["deadline"]["due"] == "2027-01-11"
    year = api.get("/api/v1/calendar/2027", "zhejiang").json
    assert year is not None and year["source"] == "provisional"

    loaded = api.post("/api/v1/calendar/notices", "national", notice())
    assert loaded.status_code == 201 and loaded.json is not None
    assert loaded.json["version"] == 1 and loaded.json["recomputed"] == [created["id"]]
    after = api.get(path, "zhejiang").json
    assert after is not None and after["deadline"]["provisional"] is False
    # 4 January off and Saturday 9 January worked: one day later, then one earlier
    assert after["deadline"]["due"] == "2027-01-11"
    year = api.get("/api/v1/calendar/2027", "auditor").json
    assert year is not None and year["source"] == "notice" and year["version"] == 1
    assert "2027-01-04" in year["holidays"] and year["workdays"] == ["2027-01-09"]
    log = api.get(f"/api/v1/audit?subject=application:{created['id']}"
                  "&action=deadline.recomputed", "auditor").json
    assert log is not None
    (event,) = log["items"]
    assert event["before"] == {"due": "2027-01-11", "provisional": True}
    assert event["after"] == {"due": "2027-01-11", "provisional": False}

    again = api.post("/api/v1/calendar/notices", "national", notice(workdays=[]))
    assert again.status_code == 201 and again.json is not None
    assert again.json["version"] == 2
    moved = api.get(path, "zhejiang").json
    assert moved is not None and moved["deadline"]["due"] == "2027-01-12"


@pytest.mark.parametrize("moment", ["2026-12-10 02:00:00", "2026-12-09 16:30:00"])
def test_a_loaded_notice_moves_a_pending_onsite_review(api: Api, moment: str) -> None:
    """告知承诺: the on-site review due 30 working days after issue reaches into 2027; a
    notice with a bridge day on 4 January moves it a working day later, in its timeline.
    Issued at 00:30 in Beijing (16:30 UTC the day before), it counts from the Beijing day
    both times (the recount once took the UTC day: a day early)."""
    with freeze_time(moment):
        _moved_by_the_notice(api)


def _moved_by_the_notice(api: Api) -> None:
    created = api.post("/api/v1/applications", "enterprise", commitment_body(api)).json
    assert created is not None, created
    path = f"/api/v1/applications/{created['id']}"
    for action in ("accept", "approve", "issue"):
        issued = api.post(f"{path}/{action}", "zhejiang").json
    assert issued is not None and issued["post_review"]["provisional"] is True
    before = issued["post_review"]["due"]
    loaded = api.post("/api/v1/calendar/notices", "national", notice(workdays=[])).json
    assert loaded is not None and loaded["recomputed"] == [created["id"]]
    after = api.get(path, "zhejiang").json
    assert after is not None and after["post_review"]["provisional"] is False
    # Friday 22 January becomes Monday 25 January: one working day later
    assert (before, after["post_review"]["due"]) == ("2027-01-22", "2027-01-25")
    log = api.get(f"/api/v1/audit?subject=application:{created['id']}"
                  "&action=deadline.recomputed", "auditor").json
    assert log is not None and log["items"][0]["after"] == {
        "post_review_due": after["post_review"]["due"]}


@pytest.mark.parametrize(("change", "field"), [
    ({"workdays": ["2027-01-06"]}, "workdays[0]"),  # a Wednesday
    ({"workdays": ["2027-02-06"]}, "workdays[0]"),  # a Saturday that is also a holiday
    ({"holidays": [*HOLIDAYS_2027, "2026-12-31"]}, f"holidays[{len(HOLIDAYS_2027)}]"),
    ({"holidays": HOLIDAYS_2027[1:]}, "holidays"),  # 元旦 left out
    ({"holidays": ["2027-13-01"]}, "holidays[0]"),
    ({"year": 2023}, "year"),
    ({"notice": ""}, "notice"),
])
@freeze_time("2026-11-27 02:00:00")
def test_a_bad_notice_is_refused_naming_the_field(api: Api, change: dict[str, Any],
                                                 field: str) -> None:
    answer = api.post("/api/v1/calendar/notices", "national", notice(**change))
    assert answer.status_code == 422 and answer.json is not None, answer.json
    assert answer.json["field"] == field
    assert api.get("/api/v1/calendar/2027", "national").json["source"] == "provisional"  # type: ignore[index]


@pytest.mark.parametrize("who", ["zhejiang", "enterprise", "auditor", "department"])
def test_only_the_national_authority_loads_a_notice(api: Api, who: str) -> None:
    assert api.post("/api/v1/calendar/notices", who, notice()).status_code == 403


def test_a_year_with_no_calendar_at_all_is_not_found(api: Api) -> None:
    assert api.get("/api/v1/calendar/2023", "national").status_code == 404


def test_the_cli_loads_and_shows_a_notice(env: dict[str, str], tmp_path: Path) -> None:
    init_keys(env)
    national = account(env, "--role", "national")
    clerk = account(env, "--role", "provincial", "--bureau", "33")
    file = tmp_path / "2027.json"
    file.write_text(json.dumps(notice(), ensure_ascii=False), "utf-8")
    refused = run(env, "calendar", "load", str(file), "--as", str(clerk))
    assert refused.exit_code == 2
    loaded = run(env, "calendar", "load", str(file), "--as", str(national))
    assert loaded.exit_code == 0, loaded.output
    shown = json.loads(run(env, "calendar", "show", "2027").output)
    assert shown["source"] == "notice" and shown["workdays"] == ["2027-01-09"]
