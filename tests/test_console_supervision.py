"""The console's supervision pages through HTTP: every duty done from its form, the lists,
bulk revocation from an uploaded list, the audit log's filters and a bureau's staff."""

from __future__ import annotations

import io
import re
from typing import Any
from urllib.parse import quote

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from certsvc.domain.time import utcnow
from certsvc.errors import Forbidden
from certsvc.store.models import LicenceRow
from tests.conftest import Api, signin_of
from tests.test_authorisation import NUMBER, _licence
from tests.test_bulk import _issue
from tests.test_console_signin import START
from tests.test_console_workflow import HTTPS, post_form, signed_in


def _status(api: Api, number: str) -> str:
    with api.engine.connect() as conn:
        return str(conn.execute(select(LicenceRow.status).where(
            LicenceRow.number == number)).scalar_one())


@freeze_time(START)
def test_an_enterprise_declares_reports_and_recalls_in_the_console(api: Api,
                                                                  issuer: Any) -> None:
    _licence(api, issuer)
    enterprise = signed_in(api, "enterprise")
    home = enterprise.get("/console/", base_url=HTTPS).get_data(as_text=True)
    assert f'href="/console/licences/{quote(NUMBER)}"' in home  # its licences, to download
    assert re.search(r"<title>待办 Queue · [^<]*</title>", home)
    assert "我的许可证" not in signed_in(api, "other_enterprise").get(
        "/console/", base_url=HTTPS).get_data(as_text=True)
    form = "/console/duties/declaration"
    page = enterprise.get(form, base_url=HTTPS).get_data(as_text=True)
    assert "架空绝缘电缆" in page and "安全帽" not in page  # only units of its licences
    own = post_form(enterprise, form, form, {
        "items.0.unit": "6", "items.0.standards": "GB/T 12527-2008\nQ/HGDL 001-2024",
        "commitment": "本企业承诺按声明的标准组织生产"})
    assert own.status_code == 422  # a Q/ standard needs its indicators
    assert "items.0.enterprise_standard" in own.get_data(as_text=True)
    declared = post_form(enterprise, form, form, {
        "items.0.unit": "6", "items.0.standards": "GB/T 12527-2008\nQ/HGDL 001-2024",
        "items.0.enterprise_standard.indicators.0.name": "导体电阻",
        "items.0.enterprise_standard.indicators.0.value": "≤0.125 Ω/km",
        "items.0.enterprise_standard.below_recommended": "no",
        "commitment": "本企业承诺按声明的标准组织生产<script>alert(1)</script>"})
    assert declared.status_code == 303, declared.get_data(as_text=True)[:3000]
    public = api.client.application.extensions["certsvc"].declarations.history(
        "91330106MA2H7K3LXA")[0]
    assert public["content"]["items"][0]["enterprise_standard"]["indicators"] == [
        {"name": "导体电阻", "value": "≤0.125 Ω/km"}]
    listing = enterprise.get("/console/supervision", base_url=HTTPS).get_data(as_text=True)
    assert "Q/HGDL 001-2024" in listing
    assert "<script>alert(1)" not in listing and "&lt;script&gt;" in listing

    accident = post_form(enterprise, "/console/duties/accident", "/console/duties/accident", {
        "product": "6", "occurred_at": "2026-05-31T20:00", "learned_at": "2026-05-31T21:00",
        "description": "绝缘层开裂", "measures": "暂停发货"})
    assert accident.status_code == 303
    listing = enterprise.get("/console/supervision", base_url=HTTPS).get_data(as_text=True)
    assert "2026-06-01 21:00 (北京时间)" in listing  # learned 21:00 the day before: due 24 h on
    accident_id = re.search(r'/console/duties/accident-follow-up/(\d+)', listing)
    assert accident_id is not None
    follow = f"/console/duties/accident-follow-up/{accident_id.group(1)}"
    assert post_form(enterprise, follow, follow, {"cause": "原材料批次缺陷",
                                                  "measures": "更换供应商"}).status_code == 303
    recall = post_form(enterprise, "/console/duties/recall", "/console/duties/recall", {
        "products": "6", "defect": "绝缘层开裂", "batches": "20260501", "sold": "120",
        "unsold": "30", "remedy": "免费更换", "contact": "0571-88888888"})
    assert recall.status_code == 303
    listing = enterprise.get("/console/supervision", base_url=HTTPS).get_data(as_text=True)
    recall_id = re.search(r'/console/duties/recall-close/(\d+)', listing)
    assert recall_id is not None
    clerk = signed_in(api, "zhejiang").get("/console/supervision", base_url=HTTPS)
    assert "绝缘层开裂" in clerk.get_data(as_text=True)  # the bureau sees the open recall
    close = f"/console/duties/recall-close/{recall_id.group(1)}"
    assert post_form(enterprise, close, close, {"note": "已全部更换"}).status_code == 303
    again = post_form(enterprise, close, close, {"note": "再次"})
    assert again.status_code == 409
    withdraw = "/console/duties/declaration-withdrawal"
    assert post_form(enterprise, withdraw, withdraw, {}).status_code == 303
    assert "尚未发布" in enterprise.get("/console/supervision", base_url=HTTPS).get_data(
        as_text=True)


@freeze_time(START)
def test_a_bureau_records_a_spot_check_and_a_failed_rectification_revokes(
        api: Api, issuer: Any) -> None:
    _licence(api, issuer)
    clerk = signed_in(api, "zhejiang")
    form = "/console/duties/spot-check"
    bad = post_form(clerk, form, form, {
        "uscc": "91330106MA2H7K3LXA", "products": "6", "level": "provincial",
        "checked_on": "2026-06-30", "institution_id": str(api.institutions["level1"]),
        "passed": "no", "reference": "浙市监抽〔2026〕3号"})
    assert bad.status_code == 422 and "in the future" in bad.get_data(as_text=True)
    recorded = post_form(clerk, form, form, {
        "uscc": "91330106MA2H7K3LXA", "products": "6", "level": "provincial",
        "checked_on": "2026-05-20", "institution_id": str(api.institutions["level1"]),
        "passed": "no", "reference": "浙市监抽〔2026〕3号"})
    assert recorded.status_code == 303
    ordered = post_form(clerk, "/console/duties/measure", "/console/duties/measure", {
        "licence_number": NUMBER, "kind": "rectify", "reason": "抽查不合格",
        "deadline": "2026-07-01"})
    assert ordered.status_code == 303
    listing = clerk.get("/console/supervision", base_url=HTTPS).get_data(as_text=True)
    measure = re.search(r'/console/duties/measure-outcome/(\d+)', listing)
    assert measure is not None and "浙市监抽〔2026〕3号" not in listing  # shown as level, date
    outcome = f"/console/duties/measure-outcome/{measure.group(1)}"
    unconfirmed = post_form(clerk, outcome, outcome, {"passed": "no", "note": "整改不合格",
                                                      "legal_basis": "《条例》第四十五条"})
    assert unconfirmed.status_code == 422 and _status(api, NUMBER) == "valid"
    revoked = post_form(clerk, outcome, outcome, {"passed": "no", "note": "整改不合格",
                                                  "legal_basis": "《条例》第四十五条",
                                                  "confirm": "yes"})
    assert revoked.status_code == 303 and _status(api, NUMBER) == "revoked"
    assert signed_in(api, "jiangsu").get(outcome, base_url=HTTPS).status_code == 200
    assert post_form(signed_in(api, "jiangsu"), outcome, outcome, {
        "passed": "yes", "note": "x", "confirm": "yes"}).status_code == 403  # not its own


@freeze_time(START)
def test_the_national_authority_keeps_the_institution_register(api: Api) -> None:
    national = signed_in(api, "national")
    form = "/console/duties/institution"
    assert post_form(national, form, form, {
        "name": "新检测机构", "accreditation": "CMA 2026110009", "level": "2",
        "filed": "no"}).status_code == 303
    page = national.get("/console/supervision", base_url=HTTPS).get_data(as_text=True)
    row = re.search(r'<td>(\d+)</td><td>新检测机构</td>', page)
    assert row is not None
    filing = f"/console/duties/institution-filing/{row.group(1)}"
    assert post_form(national, filing, filing, {"filed": "yes"}).status_code == 303
    assert post_form(national, form, form, {
        "name": "新检测机构", "accreditation": "CMA 1", "level": "2",
        "filed": "no"}).status_code == 409
    for who in ("zhejiang", "enterprise", "auditor"):
        assert signed_in(api, who).get(form, base_url=HTTPS).status_code == 403


@freeze_time(START)
def test_bulk_cancellation_from_an_uploaded_list(api: Api, issuer: Any) -> None:
    numbers = _issue(issuer, 3)
    clerk = signed_in(api, "zhejiang")
    listed = "\ufeff" + "\r\n".join(numbers[:2]).encode("utf-8").decode("utf-8")
    preview = post_form(clerk, "/console/bulk/preview", "/console/bulk", {
        "action": "cancel", "reason": "营业执照已注销", "numbers": numbers[2],
        "numbers_file": (io.BytesIO(listed.encode("utf-8")), "清单.csv")})
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200 and 'id="ready-count">3<' in page, page[:3000]
    assert 'id="refused-count">0<' in page
    assert all(_status(api, n) == "valid" for n in numbers)  # a preview writes nothing
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    assert csrf is not None
    unconfirmed = clerk.post("/console/bulk", base_url=HTTPS, data={
        "csrf": csrf.group(1), "action": "cancel", "reason": "营业执照已注销",
        "numbers": "\n".join(numbers)})
    assert unconfirmed.status_code == 422
    done = clerk.post("/console/bulk", base_url=HTTPS, data={
        "csrf": csrf.group(1), "action": "cancel", "reason": "营业执照已注销",
        "numbers": "\n".join(numbers), "confirm": "yes"})
    assert done.status_code == 200 and 'id="changed-count">3<' in done.get_data(as_text=True)
    assert all(_status(api, n) == "cancelled" for n in numbers)
    refused = post_form(clerk, "/console/bulk/preview", "/console/bulk", {
        "action": "revoke", "reason": "x", "numbers": numbers[0]})
    assert refused.status_code == 422 and "legal_basis" in refused.get_data(as_text=True)
    binary = post_form(clerk, "/console/bulk/preview", "/console/bulk", {
        "action": "cancel", "reason": "x", "numbers": "",
        "numbers_file": (io.BytesIO(b"\xff\xfe\x00bad"), "清单.csv")})
    assert binary.status_code == 422 and "UTF-8" in binary.get_data(as_text=True)
    for who in ("enterprise", "auditor", "institution"):
        assert signed_in(api, who).get("/console/bulk", base_url=HTTPS).status_code == 403


@freeze_time(START)
def test_the_audit_log_filters_and_pages(api: Api, issuer: Any) -> None:
    _licence(api, issuer)
    api.post(f"/api/v1/licences/{NUMBER}/suspend", "zhejiang",
             {"order": "stop_production", "reason": "事故"})
    auditor = signed_in(api, "auditor")
    page = auditor.get("/console/audit?action=suspend", base_url=HTTPS)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and f"<td>licence:{NUMBER}</td>" in text
    assert "(北京时间)" in text
    assert "sign_in" not in text.split("<tbody>")[1]  # filtered to suspensions
    first = auditor.get("/console/audit?limit=1", base_url=HTTPS).get_data(as_text=True)
    assert "下一页" in first
    bad = auditor.get("/console/audit?since=yesterday", base_url=HTTPS)
    assert bad.status_code == 422 and "ISO 8601" in bad.get_data(as_text=True)
    jiangsu = signed_in(api, "jiangsu").get("/console/audit?action=suspend", base_url=HTTPS)
    assert f"<td>licence:{NUMBER}</td>" not in jiangsu.get_data(as_text=True)  # not its own
    assert signed_in(api, "enterprise").get("/console/audit", base_url=HTTPS
                                            ).status_code == 403


@freeze_time(START)
def test_a_bureau_adds_staff_with_a_one_time_link(api: Api) -> None:
    clerk = signed_in(api, "zhejiang")
    added = post_form(clerk, "/console/staff", "/console/staff", {"name": "王芳"})
    page = added.get_data(as_text=True)
    link = re.search(r'id="invite-link">https?://[^/]+(/console/invite/[^<]+)<', page)
    assert added.status_code == 200 and link is not None
    assert "王芳" in page
    invite = api.client.application.test_client().get(link.group(1), base_url=HTTPS)
    assert invite.status_code == 200 and "王芳" in invite.get_data(as_text=True)
    staff = signed_in(api, "jiangsu").get("/console/staff", base_url=HTTPS)
    assert "王芳" not in staff.get_data(as_text=True)  # another province's staff
    blank = post_form(clerk, "/console/staff", "/console/staff", {"name": "  "})
    assert blank.status_code == 422


@freeze_time(START)
def test_only_the_staff_administrator_makes_set_up_links(api: Api) -> None:
    """A set-up link sets a new password: a clerk who could make one for a colleague could
    take the colleague's account over. Only the bureau's staff administrator can."""
    clerk = signed_in(api, "zhejiang_clerk")
    assert clerk.get("/console/staff", base_url=HTTPS).status_code == 403
    assert "/console/staff" not in clerk.get("/console/", base_url=HTTPS).get_data(
        as_text=True)
    page = clerk.get("/console/", base_url=HTTPS).get_data(as_text=True)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    assert csrf is not None
    takeover = clerk.post(f"/console/staff/{api.accounts['zhejiang']}/invite",
                          base_url=HTTPS, data={"csrf": csrf.group(1)})
    assert takeover.status_code == 403
    added = clerk.post("/console/staff", base_url=HTTPS,
                       data={"csrf": csrf.group(1), "name": "王芳"})
    assert added.status_code == 403
    signin = signin_of(api)
    with api.engine.connect() as conn:
        from certsvc.store.accounts import principal_for_account

        as_clerk = principal_for_account(conn, api.accounts["zhejiang_clerk"])
        as_admin = principal_for_account(conn, api.accounts["zhejiang"])
    with pytest.raises(Forbidden):
        signin.invite(as_clerk, api.accounts["zhejiang"], utcnow(), "t")
    with pytest.raises(Forbidden):
        signin.unlock(as_clerk, api.accounts["zhejiang"], utcnow(), "t")
    assert signin.invite(as_admin, api.accounts["zhejiang_clerk"], utcnow(), "t")
