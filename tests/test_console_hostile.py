"""Every console form under hostile input: whatever is typed or forged into any of its inputs
(or inputs it does not have), the answer is a page with the error beside the field, a
refusal, or the action done — never a server error, and nothing stored half-way."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from freezegun import freeze_time
from hypothesis import given, settings
from hypothesis import strategies as st

from certsvc.console.supervision import DUTIES
from certsvc.domain.accounts import Role
from certsvc.domain.bulk import BULK_SPEC
from certsvc.domain.specs import Kind, Spec
from certsvc.workflow.audit_log import AUDIT_QUERY
from tests.conftest import Api
from tests.test_authorisation import _licence
from tests.test_console_signin import START, csrf_of
from tests.test_console_workflow import HTTPS, signed_in

WHO = {Role.ENTERPRISE: "enterprise", Role.PROVINCIAL: "zhejiang", Role.NATIONAL: "national",
       Role.LOCAL: "county", Role.REVIEW_BODY: "review_body"}
HOSTILE = st.one_of(  # what a browser can send: UTF-8, so no lone surrogates
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=60),
    st.sampled_from(["", " ", "0", "-1", "2147483648", "99999999999999999999", "yes", "no",
                     "1e9", "NaN", "2026-02-30", "2026-06-01T25:00", "\u0000", "\ufffdx",
                     "<script>alert(1)</script>", "浙XK06-001-00012", "sha256:" + "0" * 64,
                     "9" * 5000]))


def input_names(spec: Spec, prefix: str = "") -> list[str]:
    """The names a spec's form posts (list rows: the first two)."""
    names: list[str] = []
    for field in spec.fields:
        if field.kind is Kind.OBJECT and field.sub is not None:
            names += input_names(field.sub, f"{prefix}{field.name}.")
        elif field.kind is Kind.LIST and field.sub is not None:
            for row in range(2):
                names += input_names(field.sub, f"{prefix}{field.name}.{row}.")
        else:
            names.append(prefix + field.name)
    return names


def forms(spec: Spec) -> st.SearchStrategy[dict[str, str]]:
    names = [*input_names(spec), "confirm", "unknown_field", "items.31.unit"]
    return st.dictionaries(st.sampled_from(names), HOSTILE, max_size=len(names))


def signed_in_with_csrf(api: Api, who: str) -> tuple[FlaskClient, str]:
    client = signed_in(api, who)
    return client, csrf_of(client.get("/console/account", base_url=HTTPS).get_data(as_text=True))


def _post(client: FlaskClient, path: str, csrf: str, form: dict[str, str]) -> Any:
    clean = {k: v.replace("\u0000", "") for k, v in form.items()}  # a browser sends no NUL
    return client.post(path, base_url=HTTPS, data={**clean, "csrf": csrf})


@pytest.mark.parametrize("name", sorted(DUTIES))
def test_every_duty_form_survives_anything(api: Api, issuer: Any, name: str) -> None:
    _licence(api, issuer)
    duty = DUTIES[name]
    client, csrf = signed_in_with_csrf(api, WHO[min(duty.roles, key=lambda r: r.value)])
    path = f"/console/duties/{name}" + ("/1" if duty.subject else "")

    @given(forms(duty.spec))
    @settings(max_examples=25, deadline=None)
    def check(form: dict[str, str]) -> None:
        answer = _post(client, path, csrf, form)
        assert answer.status_code < 500, (name, form, answer.get_data(as_text=True)[:500])

    check()


def test_bulk_and_audit_survive_anything(api: Api) -> None:
    client, csrf = signed_in_with_csrf(api, "zhejiang")

    @given(forms(BULK_SPEC), forms(AUDIT_QUERY))
    @settings(max_examples=40, deadline=None)
    def check(bulk: dict[str, str], query: dict[str, str]) -> None:
        for path in ("/console/bulk/preview", "/console/bulk"):
            answer = _post(client, path, csrf, bulk)
            assert answer.status_code < 500, (path, bulk)
        answer = client.get("/console/audit", base_url=HTTPS, query_string=query)
        assert answer.status_code < 500, query

    check()


@freeze_time(START)
def test_a_post_from_another_origin_is_refused_even_with_the_token(api: Api) -> None:
    """Issue 24: Origin was not checked (the CSRF token alone stood)."""
    client, csrf = signed_in_with_csrf(api, "enterprise")
    form = {"csrf": csrf}
    for headers in ({"Origin": "https://evil.example"}, {"Origin": "null"},
                    {"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"}):
        answer = client.post("/console/sign-out", base_url=HTTPS, data=form, headers=headers)
        assert answer.status_code == 403, headers
    assert client.get("/console/account", base_url=HTTPS).status_code == 200  # still in
    own = client.post("/console/sign-out", base_url=HTTPS, data=form,
                      headers={"Origin": "https://localhost", "Sec-Fetch-Site": "same-origin"})
    assert own.status_code == 303


def test_no_redirect_leaves_for_the_host_a_request_names(api: Api, site: Any) -> None:
    """Issue 24: ``GET /console`` with ``Host: evil.example`` redirected there. Every route
    of both apps that werkzeug redirects to its slash, with a hostile Host."""
    tried = 0
    for client, app in ((api.client, api.client.application), (site, site.application)):
        for rule in app.url_map.iter_rules():
            if not rule.rule.endswith("/") or "<" in rule.rule or rule.rule == "/":
                continue
            answer = client.get(rule.rule.rstrip("/"), headers={"Host": "evil.example"})
            assert answer.status_code in (301, 302, 303, 307, 308), rule.rule
            assert answer.headers["Location"].startswith("/"), answer.headers["Location"]
            assert "evil" not in answer.headers["Location"]
            tried += 1
    assert tried >= 1  # /console/ at least
