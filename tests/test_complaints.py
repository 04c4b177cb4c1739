"""举报: reports from the public through the form at /report (no account), the receipt and its
status, the spam guard (a sealed one-time form, a minimum fill time, a trap field, a limit per
client), the routing to the competent bureau, what each account sees of a report, and the
bureau's decision — through HTTP."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

from flask.testing import FlaskClient
from freezegun import freeze_time
from freezegun.api import FrozenDateTimeFactory
from hypothesis import given, settings
from hypothesis import strategies as st

from certsvc.domain.documents import EXAMPLE_PDF
from tests.conftest import Api
from tests.test_console_workflow import HTTPS, signed_in

PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)
START = "2026-06-01 02:00:00"
FORGED = {"kind": "forged_licence", "description": "扫码显示无法验证", "licence_number":
          "浙XK06-001-00012", "qr_text": "https://certsvc.example/V/123", "contact": "13800000000"}


def form_token(client: FlaskClient, query: str = "") -> str:
    page = client.get(f"/report{query}")
    assert page.status_code == 200
    found = re.search(r'name="token" value="([^"]+)"', page.get_data(as_text=True))
    assert found is not None
    return found.group(1)


CLIENTS = iter(range(10**6))


def send(client: FlaskClient, frozen: FrozenDateTimeFactory, fields: dict[str, Any],
         photo: tuple[bytes, str] | None = None, *, wait: float = 5, token: str | None = None,
         trap: str = "", address: str | None = None) -> Any:
    """The form sent ``wait`` seconds after it was opened, from a new client address unless
    ``address`` names one (the limit per client is tested on its own)."""
    address = address or f"198.51.{next(CLIENTS) // 250 % 250}.{next(CLIENTS) % 250}"
    token = token or form_token(client)
    frozen.tick(dt.timedelta(seconds=wait))
    data: dict[str, Any] = {**fields, "token": token, "website": trap}
    if photo is not None:
        data["photo"] = (io.BytesIO(photo[0]), photo[1])
    return client.post("/report", data=data, content_type="multipart/form-data",
                       environ_base={"REMOTE_ADDR": address})


def receipt_of(response: Any) -> str:
    found = re.search(r'id="receipt">([^<]+)<', response.get_data(as_text=True))
    assert found is not None, response.get_data(as_text=True)[:1500]
    return found.group(1)


def status_page(client: FlaskClient, code: str) -> Any:
    return client.post("/report/status", data={"receipt": code})


def listed(api: Api, who: str, query: str = "") -> list[dict[str, Any]]:
    answer = api.get(f"/api/v1/complaints{query}", who)
    assert answer.status_code == 200, answer.json
    assert answer.json is not None
    return list(answer.json["items"])


def test_a_report_reaches_the_bureau_and_the_receipt_follows_it(api: Api) -> None:
    client = api.client
    with freeze_time(START) as frozen:
        form = client.get("/report?kind=forged_licence&number=%E6%B5%99XK06-001-00012"
                          "&qr=https%3A%2F%2Fcertsvc.example%2FV%2F123")
        html = form.get_data(as_text=True)
        assert ">https://certsvc.example/V/123</textarea>" in html and "浙XK06-001-00012" in html
        assert ">疑似伪造许可证 Suspected forged licence forged_licence<" in html
        assert form.headers["Content-Security-Policy"].startswith("default-src 'none'")
        sent = send(client, frozen, FORGED, (PNG, "label.png"))
        assert sent.status_code == 201
        code = receipt_of(sent)
        assert re.fullmatch(r"JB(-[A-Z2-7]{4}){4}", code)
        page = sent.get_data(as_text=True)
        # 15 working days (19 June: 端午)
        assert "浙江省市场监督管理局" in page and "2026-06-23" in page
        # the bureau of the licence's province has it, with the contact and the QR text
        (report,) = listed(api, "zhejiang", "?state=open")
        assert report["qr_text"] == FORGED["qr_text"] and report["contact"] == "13800000000"
        assert report["due_on"] == "2026-06-23" and report["photo"] is True
        photo = api.get(f"/api/v1/complaints/{report['id']}/photo", "zhejiang")
        assert photo.status_code == 200 and photo.data == PNG
        in_console = signed_in(api, "zhejiang").get(
            f"/console/complaints/{report['id']}/photo", base_url=HTTPS)
        assert in_console.status_code == 200 and in_console.data == PNG
        for who in ("jiangsu", "auditor", "enterprise"):
            assert signed_in(api, who).get(f"/console/complaints/{report['id']}/photo",
                                           base_url=HTTPS).status_code == 403, who
        # an auditor reads it without the reporter's contact; others see nothing of it
        (audited,) = listed(api, "auditor")
        assert "contact" not in audited
        assert listed(api, "jiangsu") == []
        for who in ("enterprise", "institution", "department", "review_body"):
            assert api.get("/api/v1/complaints", who).status_code == 403, who
        assert api.get(f"/api/v1/complaints/{report['id']}/photo", "jiangsu").status_code == 403
        # the receipt: its status, and nothing personal
        shown = status_page(client, code.lower().replace("-", " "))
        text = shown.get_data(as_text=True)
        assert shown.status_code == 200 and "已受理，核查中" in text
        assert "13800000000" not in text and "扫码显示无法验证" not in text
        assert status_page(client, "JB-AAAA-AAAA-AAAA-AAAA").status_code == 404
    with freeze_time("2026-06-24 02:00:00"):
        (late,) = listed(api, "zhejiang", "?state=overdue")
        assert late["overdue"] is True
        decided = api.post(f"/api/v1/complaints/{report['id']}/decision", "zhejiang",
                           {"decision": "filed_case", "note": "经核查已立案调查"})
        assert decided.status_code == 200 and decided.json is not None
        assert decided.json["state"] == "filed_case"
        again = api.post(f"/api/v1/complaints/{report['id']}/decision", "zhejiang",
                         {"decision": "not_filed", "note": "x"})
        assert again.status_code == 409
        text = status_page(client, code).get_data(as_text=True)
        assert "已立案" in text and "经核查已立案调查" in text and "2026-06-24" in text
        assert listed(api, "zhejiang", "?state=overdue") == []
        assert [r["id"] for r in listed(api, "zhejiang", "?state=decided")] == [report["id"]]


def test_reports_go_to_the_competent_bureau(api: Api) -> None:
    """The licence's province; else where the enterprise was registered (and its county);
    else the national authority."""
    client = api.client
    with freeze_time(START) as frozen:
        for fields in ({"licence_number": "苏XK06-001-00001"},
                       {"uscc": "91330106MA2H7K3LXA", "licence_number": "假的编号"},
                       {}):
            sent = send(client, frozen, {"kind": "unlicensed", "description": "无证生产",
                                         **fields})
            assert sent.status_code == 201, sent.get_data(as_text=True)[:800]
        assert [r["licence_number"] for r in listed(api, "jiangsu")] == ["苏XK06-001-00001"]
        assert [r["uscc"] for r in listed(api, "zhejiang")] == ["91330106MA2H7K3LXA"]
        assert [r["uscc"] for r in listed(api, "county")] == ["91330106MA2H7K3LXA"]
        assert listed(api, "other_county") == []
        assert [r["bureau_code"] for r in listed(api, "national")] == ["00", "33", "32"]
        # the national authority passes on what it could not route
        unrouted = next(r for r in listed(api, "national") if r["bureau_code"] == "00")["id"]
        path = f"/api/v1/complaints/{unrouted}/decision"
        for bad in ({"decision": "transfer", "note": "x"},
                    {"decision": "transfer", "note": "x", "bureau": "火星"},
                    {"decision": "transfer", "note": "x", "bureau": "national"},
                    {"decision": "not_filed", "note": "x", "bureau": "浙"}):
            refused = api.post(path, "national", bad)
            assert refused.status_code == 422 and refused.json is not None, bad
            assert refused.json["field"] == "bureau"
        assert api.post(path, "zhejiang", {"decision": "transfer", "note": "x",
                                           "bureau": "浙"}).status_code == 403
        moved = api.post(path, "national", {"decision": "transfer", "note": "已移送浙江省局",
                                            "bureau": "浙"})
        assert moved.status_code == 200 and moved.json is not None
        assert moved.json["bureau_code"] == "33" and moved.json["state"] == "received"
        assert unrouted in [r["id"] for r in listed(api, "zhejiang")]
        county_case = next(r for r in listed(api, "county") if r["uscc"])["id"]
        extended = api.post(f"/api/v1/complaints/{county_case}/decision", "county",
                            {"decision": "extend", "note": "需检验"})
        assert extended.status_code == 200 and extended.json is not None
        assert extended.json["state"] == "extended" and extended.json["due_on"] == "2026-07-14"
        twice = api.post(f"/api/v1/complaints/{county_case}/decision", "county",
                         {"decision": "extend", "note": "x"})
        assert twice.status_code == 409
        stranger = api.post(f"/api/v1/complaints/{county_case}/decision", "other_county",
                            {"decision": "not_filed", "note": "x"})
        none = api.post("/api/v1/complaints/987654/decision", "other_county",
                        {"decision": "not_filed", "note": "x"})
        assert stranger.status_code == none.status_code == 403
        assert stranger.json is not None and none.json is not None
        assert stranger.json["detail"].replace(str(county_case), "N") == \
            none.json["detail"].replace("987654", "N")


def test_the_spam_guard(api: Api) -> None:
    client = api.client
    with freeze_time(START) as frozen:
        fast = send(client, frozen, FORGED, wait=1)
        assert fast.status_code == 400 and "too quickly" in fast.get_data(as_text=True)
        trapped = send(client, frozen, FORGED, trap="http://spam.example")
        assert trapped.status_code == 400
        forged = send(client, frozen, FORGED, token="v1:" + "A" * 60)
        assert forged.status_code == 400 and "not issued here" in forged.get_data(as_text=True)
        token = form_token(client)
        frozen.tick(dt.timedelta(hours=2, seconds=1))
        old = send(client, frozen, FORGED, token=token, wait=0)
        assert old.status_code == 400 and "two hours" in old.get_data(as_text=True)
        used = form_token(client)
        assert send(client, frozen, FORGED, token=used).status_code == 201
        replay = send(client, frozen, FORGED, token=used)
        assert replay.status_code == 400 and "sent already" in replay.get_data(as_text=True)
        assert len(listed(api, "zhejiang")) == 1


def test_the_limit_per_client_answers_429(api: Api) -> None:
    client = api.client
    with freeze_time(START) as frozen:
        answers = [send(client, frozen, FORGED, address="203.0.113.5").status_code
                   for _ in range(6)]
        assert answers == [201] * 5 + [429]
        limited = send(client, frozen, FORGED, address="203.0.113.5")
        assert limited.status_code == 429 and limited.headers["Retry-After"] == "3600"
        assert send(client, frozen, FORGED, address="203.0.113.6").status_code == 201


def test_bad_input_is_a_clear_error_and_nothing_is_kept(api: Api) -> None:
    client = api.client
    with freeze_time(START) as frozen:
        exe = send(client, frozen, FORGED, (b"MZ\x90\x00" + bytes(60), "label.png"))
        assert exe.status_code == 422 and 'id="f-photo-error"' in exe.get_data(as_text=True)
        pdf = send(client, frozen, FORGED, (EXAMPLE_PDF, "label.pdf"))
        assert pdf.status_code == 422
        big = send(client, frozen, FORGED, (PNG + bytes(5 * 1024 * 1024), "big.png"))
        assert big.status_code == 413
        no_text = send(client, frozen, {**FORGED, "description": " "})
        assert no_text.status_code == 422
        assert 'id="f-description-error"' in no_text.get_data(as_text=True)
        bad_uscc = send(client, frozen, {**FORGED, "uscc": "91330106MA2H7K3LX0"})
        assert bad_uscc.status_code == 422
        kind = send(client, frozen, {**FORGED, "kind": "<script>"})
        assert kind.status_code == 422
        assert listed(api, "national") == []


def test_html_in_a_report_is_inert_where_the_bureau_reads_it(api: Api) -> None:
    client = api.client
    hostile = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    with freeze_time(START) as frozen:
        sent = send(client, frozen, {**FORGED, "description": hostile, "place": hostile,
                                     "qr_text": hostile, "contact": hostile})
        assert sent.status_code == 201
        clerk = signed_in(api, "zhejiang")
        page = clerk.get("/console/supervision", base_url=HTTPS).get_data(as_text=True)
        section = page[page.index('id="complaints"'):page.index('id="recall-orders"')]
        assert "<script>alert(1)" not in section and "<img src=x" not in section
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in section
        (report,) = listed(api, "zhejiang")
        decided = clerk.get(f"/console/duties/complaint-decision/{report['id']}",
                            base_url=HTTPS)
        assert decided.status_code == 200


def test_any_form_is_answered_without_a_server_error(api: Api) -> None:
    sent = iter(range(10**6))

    @settings(max_examples=40, deadline=None)
    @given(st.dictionaries(
        st.sampled_from(["kind", "description", "licence_number", "uscc", "enterprise_name",
                         "place", "qr_text", "contact", "token", "website"]),
        st.text(st.characters(blacklist_categories=("Cs",)), max_size=80)))
    def check(form: dict[str, str]) -> None:
        address = f"192.0.2.{next(sent) % 250}"  # another client each time: no 429
        answer = api.client.post("/report", environ_base={"REMOTE_ADDR": address},
                                 data={k: v.replace("\x00", "") for k, v in form.items()})
        assert answer.status_code in (400, 422), answer.status_code

    check()
