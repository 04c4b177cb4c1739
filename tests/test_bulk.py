"""批量撤销、注销: a preview that changes nothing, then every licence in one transaction and
one status-list publication, or none."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from freezegun import freeze_time
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from certsvc.domain.bulk import MAX_BULK, numbers_in
from certsvc.domain.licence import Licence
from certsvc.errors import ValidationError
from certsvc.store.models import AuditEvent, LicenceRow, StatusListVersion
from tests.conftest import REFERENCE, Api

NOW = "2026-06-01 02:00:00"


def _issue(signing: Any, count: int, **changes: Any) -> list[str]:
    data = json.loads(REFERENCE.read_text("utf-8")) | {"number": None} | changes
    return [signing.issue(Licence.from_dict(data), dt.datetime(2026, 3, 15, 2, tzinfo=dt.UTC)
                         ).number.canonical for _ in range(count)]


def _statuses(api: Api, numbers: list[str]) -> list[str]:
    with api.engine.connect() as conn:
        found = dict(conn.execute(select(LicenceRow.number, LicenceRow.status).where(
            LicenceRow.number.in_(numbers))).all())
    return [found[n] for n in numbers]


def _publications(api: Api) -> int:
    with api.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(StatusListVersion)).scalar_one())


@freeze_time(NOW)
def test_preview_says_what_would_happen_and_writes_nothing(api: Api, issuer: Any) -> None:
    mine = _issue(issuer, 2)
    api.post(f"/api/v1/licences/{mine[1]}/cancel", "zhejiang", {"reason": "停产"})
    other = _issue(issuer, 1, issuer="江苏省市场监督管理局")
    body = {"action": "revoke", "numbers": [mine[0], mine[1], other[0], "浙XK06-001-09999",
                                            mine[0]],
            "reason": "以欺骗手段取得许可", "legal_basis": "《行政许可法》第六十九条"}
    with api.engine.connect() as conn:
        audited = conn.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
    preview = api.post("/api/v1/bulk-status-changes/preview", "zhejiang", body)
    assert preview.status_code == 200 and preview.json is not None
    assert [r["number"] for r in preview.json["ready"]] == [mine[0]]  # each number once
    refused = {r["number"]: r["reason"] for r in preview.json["refused"]}
    assert set(refused) == {mine[1], other[0], "浙XK06-001-09999"}
    assert "cancelled" in refused[mine[1]] and "own province" in refused[other[0]]
    assert _statuses(api, mine) == ["valid", "cancelled"]
    with api.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(AuditEvent)).scalar_one() == audited


@freeze_time(NOW)
def test_one_refused_licence_changes_none(api: Api, issuer: Any) -> None:
    mine = _issue(issuer, 3)
    other = _issue(issuer, 1, issuer="江苏省市场监督管理局")
    before = _publications(api)
    answer = api.post("/api/v1/bulk-status-changes", "zhejiang", {
        "action": "cancel", "numbers": [*mine, *other], "reason": "营业执照已注销"})
    assert answer.status_code == 422 and answer.json is not None
    assert answer.json["field"] == "numbers" and other[0] in answer.json["detail"]
    assert _statuses(api, mine) == ["valid"] * 3
    assert _publications(api) == before


@freeze_time(NOW)
def test_all_in_one_transaction_and_one_publication(api: Api, issuer: Any) -> None:
    mine = _issue(issuer, 4)
    before = _publications(api)
    answer = api.post("/api/v1/bulk-status-changes", "zhejiang", {
        "action": "cancel", "numbers": mine, "reason": "营业执照已注销"},
        **{"Idempotency-Key": "bulk-1"})
    assert answer.status_code == 200 and answer.json is not None
    assert answer.json["changed"] == mine
    assert _statuses(api, mine) == ["cancelled"] * 4
    assert _publications(api) == before + 1
    with api.engine.connect() as conn:
        events = conn.execute(select(AuditEvent.subject, AuditEvent.request_id).where(
            AuditEvent.action == "cancel")).all()
    assert sorted(s for s, _ in events) == sorted(f"licence:{n}" for n in mine)
    assert len({r for _, r in events}) == 1  # one request


@pytest.mark.parametrize(("body", "field"), [
    ({"action": "revoke", "numbers": ["浙XK06-001-00012"], "reason": "x"}, "legal_basis"),
    ({"action": "suspend", "numbers": ["浙XK06-001-00012"], "reason": "x"}, "action"),
    ({"action": "cancel", "numbers": ["浙XK06-001-00012", "not a number"], "reason": "x"},
     "numbers[1]"),
    ({"action": "cancel", "numbers": [], "reason": "x"}, "numbers"),
    ({"action": "cancel", "numbers": [f"浙XK06-001-{i:05d}" for i in range(1, MAX_BULK + 2)],
      "reason": "x"}, "numbers"),
    ({"action": "cancel", "numbers": ["浙XK06-001-00012"]}, "reason"),
])
@freeze_time(NOW)
def test_bad_batches_name_the_field(api: Api, body: dict[str, Any], field: str) -> None:
    for path in ("/api/v1/bulk-status-changes/preview", "/api/v1/bulk-status-changes"):
        answer = api.post(path, "zhejiang", body)
        assert answer.status_code == 422 and answer.json is not None, answer.json
        assert answer.json["field"] == field


@pytest.mark.parametrize("who", ["enterprise", "institution", "auditor", "department"])
def test_only_bureaus_change_licences_in_bulk(api: Api, who: str) -> None:
    for path in ("/api/v1/bulk-status-changes/preview", "/api/v1/bulk-status-changes"):
        answer = api.post(path, who, {"nonsense": True})  # the role before the body
        assert answer.status_code == 403, (who, path)


@given(st.text(max_size=300))
def test_numbers_in_any_text_are_numbers_or_a_named_refusal(text: str) -> None:
    try:
        numbers = numbers_in(text)
    except ValidationError as refusal:
        assert refusal.field.startswith("numbers")
    else:
        assert 0 < len(numbers) <= MAX_BULK
        assert len({n.canonical for n in numbers}) == len(numbers)
