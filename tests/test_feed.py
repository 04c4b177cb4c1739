"""The data-sharing feed: a consumer that follows the cursor from the start sees every change
exactly once, in order, on pages whose signatures verify — while changes keep arriving."""

from __future__ import annotations

import csv
import io
import json
import threading
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import text

from certsvc.credential.feed import verify_feed_page
from certsvc.domain.licence import Licence
from certsvc.errors import TrustListError
from certsvc.signer.signer import Signer
from certsvc.workflow.issuance import Issuer
from tests.conftest import ISSUE_TIME, REFERENCE, Api, load_trust_list

PRODUCED = 24


def new_licence() -> Licence:
    data = json.loads(REFERENCE.read_text("utf-8"))
    data["number"] = None
    return Licence.from_dict(data)


def test_following_the_cursor_sees_every_change_once(api: Api, issuer: Issuer,
                                                      signer: Signer) -> None:
    trust = load_trust_list(signer)
    done = threading.Event()
    issued: list[str] = []

    def produce() -> None:  # changes keep arriving while the consumer reads
        try:
            for i in range(PRODUCED):
                licence = issuer.issue(new_licence(), ISSUE_TIME)
                issued.append(licence.number.canonical)
                if i % 3 == 0:
                    response = api.client.post(
                        f"/api/v1/licences/{licence.number}/suspend",
                        json={"order": "stop_production", "reason": f"事故 {i}"},
                        headers={"Authorization": f"Bearer {api.tokens['zhejiang']}"})
                    assert response.status_code == 200, response.json
        finally:
            done.set()

    producer = threading.Thread(target=produce)
    producer.start()
    seen: list[dict[str, Any]] = []
    cursor, pages = 0, 0
    while True:
        finished = done.is_set()  # read before the page: then an empty page means the end
        response = api.get(f"/api/v1/feed?after={cursor}&limit=5&purpose=核验", "department")
        assert response.status_code == 200 and response.mimetype == "application/jsonl"
        events = verify_feed_page(response.data, trust)
        pages += 1
        if events:
            assert [e["id"] for e in events] == list(range(cursor + 1, cursor + 1 + len(events)))
            cursor = events[-1]["id"]
            assert response.headers["Certsvc-Next-After"] == str(cursor)
            seen.extend(events)
        elif finished:
            break
    producer.join()
    ids = [e["id"] for e in seen]
    assert ids == list(range(1, len(ids) + 1))  # every id, once, in order
    with api.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM feed_events")).scalar_one() == len(ids)
    issued_events = [e["data"]["number"] for e in seen if e["kind"] == "licence.issued"]
    assert issued_events == issued
    suspended = [e for e in seen if e["kind"] == "licence.status"]
    assert len(suspended) == PRODUCED // 3
    assert all(e["data"]["status"] == "suspended" for e in suspended)
    assert pages > 2


def test_a_tampered_page_fails(api: Api, issuer: Issuer, signer: Signer) -> None:
    issuer.issue(new_licence(), ISSUE_TIME)
    page = api.get("/api/v1/feed?purpose=核验", "department").data
    trust = load_trust_list(signer)
    assert len(verify_feed_page(page, trust)) == 1
    for forged in (page.replace("浙江".encode(), "江苏".encode(), 1),
                   page.split(b"\n", 1)[1], b"{}\n" + page):
        with pytest.raises(TrustListError):
            verify_feed_page(forged, trust)


def test_licences_csv_export(api: Api, issuer: Issuer) -> None:
    issuer.issue(new_licence(), ISSUE_TIME)
    response = api.get("/api/v1/exports/licences.csv?purpose=核验", "department")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][0] == "number" and rows[1][0] == "浙XK06-001-00001"
    assert rows[1][1] == "浙江杭州市西湖区华光电线电缆制造有限公司"


def test_events_csv_export(api: Api, issuer: Issuer) -> None:
    issued = issuer.issue(new_licence(), ISSUE_TIME)
    api.post(f"/api/v1/licences/{issued.number}/suspend", "zhejiang",
             {"order": "stop_production", "reason": "事故"})
    response = api.get("/api/v1/exports/events.csv?after=0&purpose=核验", "department")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0] == ["id", "at", "kind", "uscc", "subject", "details"]
    assert [r[2] for r in rows[1:]] == ["licence.issued", "licence.status"]
    assert json.loads(rows[2][5])["reason"] == "事故"
    assert api.get("/api/v1/exports/events.csv", "enterprise").status_code == 403


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_exports_defuse_formulas_in_enterprise_text(api: Api, issuer: Issuer,
                                                    start: str) -> None:
    """OWASP CSV injection: a cell that starts like a formula is prefixed with '."""
    formula = start + 'HYPERLINK("http://evil.example","点击")'
    licence = new_licence()
    licence = replace(licence, enterprise=replace(licence.enterprise,
                                                  residence=formula.strip() or formula))
    issuer.issue(licence, ISSUE_TIME)
    api.post("/api/v1/recalls", "enterprise", {
        "products": ["架空绝缘电缆"], "defect": formula, "batches": "1", "sold": 1, "unsold": 0,
        "remedy": "-1+1", "contact": "@cmd"})
    for path in ("/api/v1/exports/licences.csv?purpose=核验",
                 "/api/v1/exports/events.csv?after=0&purpose=核验"):
        response = api.get(path, "department")
        assert response.is_streamed
        rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
        cells = [cell for row in rows[1:] for cell in row]
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in cells)
        for cell in cells:  # the JSON details column holds the text inside a JSON object
            if cell.startswith("'"):
                assert cell[1:].startswith(("=", "+", "-", "@", "\t", "\r"))


def test_departments_read_only_the_feed(api: Api) -> None:
    assert api.get("/api/v1/audit", "department").status_code == 403
    assert api.post("/api/v1/applications", "department", {}).status_code == 403
