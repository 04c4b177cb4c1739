"""The console's authorisation is the API's: every console route × every role, and each
application action posted through the console is allowed or refused exactly as the same
request through the API (both call the same workflow)."""

from __future__ import annotations

from typing import Any

import pytest
from freezegun import freeze_time

from certsvc.domain.lifecycle import APPLICATION_ACTIONS
from tests.conftest import Api, application_body
from tests.test_authorisation import ROLES, _moved, _under_review
from tests.test_console_signin import START, csrf_of
from tests.test_console_workflow import HTTPS, signed_in
from tests.test_specs import SUBJECTS

READERS = {"national", "zhejiang", "enterprise", "auditor"}  # of a submitted application
PAGES: dict[str, tuple[str, set[str]]] = {  # page: (path, who may open it)
    "queue": ("/console/", set(ROLES)),
    "account": ("/console/account", set(ROLES)),
    "apply": ("/console/apply", {"enterprise", "other_enterprise"}),
    "application": ("/console/applications/{id}", READERS),
    "licence": ("/console/licences/浙XK06-001-00012", set(ROLES)),  # a public register
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", sorted(PAGES))
@freeze_time(START)
def test_every_console_page_for_every_role(api: Api, issuer: Any, page: str,
                                           role: str) -> None:
    from tests.test_authorisation import _licence

    _licence(api, issuer)
    created = api.post("/api/v1/applications", "enterprise", application_body())
    assert created.json is not None
    path, allowed = PAGES[page]
    answer = signed_in(api, role).get(path.format(id=created.json["id"]), base_url=HTTPS)
    assert answer.status_code == (200 if role in allowed else 403), (page, role)


# Each action is tried on two subjects in the same state, one through each door; the set-ups
# of these two issue a licence, which cannot be issued twice in one test, so for them the
# second subject is made from the first one's state.
SECOND_SUBJECT = {
    "exempt_testing": lambda api, _: _under_review(api),
    "accept_commitment": lambda api, _: _moved(api, _renewal_application(api),
                                               ("accept", "zhejiang", None)),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", sorted(APPLICATION_ACTIONS))
@freeze_time(START)
def test_console_actions_are_allowed_exactly_as_the_api_allows_them(
    api: Api, issuer: Any, action: str, role: str
) -> None:
    setup, _ = SUBJECTS[action]
    spec = APPLICATION_ACTIONS[action].spec
    through_api = api.post(f"{setup(api, issuer)}/{action}", role, spec.example())
    second = SECOND_SUBJECT.get(action, setup)
    path = second(api, issuer).replace("/api/v1/", "/console/")
    client = signed_in(api, role)
    page = client.get(path, base_url=HTTPS)
    csrf = csrf_of(page.get_data(as_text=True)) if page.status_code == 200 else _any_csrf(client)
    form = {"csrf": csrf, "confirm": "yes", **_as_form(spec.example())}
    through_console = client.post(f"{path}/{action}", base_url=HTTPS, data=form)
    refused_by_api = through_api.status_code in (403, 404)
    refused_by_console = through_console.status_code in (403, 404)
    assert refused_by_api == refused_by_console, (action, role, through_api.status_code,
                                                  through_console.status_code)


def _renewal_application(api: Api) -> str:
    body = application_body(kind="renewal", licence_number="浙XK06-001-00012")
    body["materials"] = dict(body["materials"], renewal_commitment="生产条件未变")
    response = api.post("/api/v1/applications", "enterprise", body)
    assert response.status_code == 201 and response.json is not None
    return f"/api/v1/applications/{response.json['id']}"


def _any_csrf(client: Any) -> str:
    return csrf_of(client.get("/console/account", base_url=HTTPS).get_data(as_text=True))


def _as_form(body: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """The form fields a spec's example body is typed in as."""
    form: dict[str, str] = {}
    for name, value in body.items():
        if isinstance(value, dict):
            form.update(_as_form(value, f"{prefix}{name}."))
        elif isinstance(value, bool):
            form[prefix + name] = "yes" if value else "no"
        elif isinstance(value, list):
            form[prefix + name] = "\n".join(map(str, value))
        else:
            form[prefix + name] = str(value)
    return form
