"""One spec per action: the body its OpenAPI schema describes (the spec's example) is
accepted, and a body without any one required field is a 422 naming that field — for every
application and licence action and for the application itself."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from freezegun import freeze_time

from certsvc.api.openapi import openapi_document
from certsvc.domain.accidents import ACCIDENT_SPEC, FOLLOW_UP_SPEC
from certsvc.domain.complaints import DECISION_SPEC
from certsvc.domain.declarations import DECLARATION_SPEC
from certsvc.domain.duties import (
    FILING_SPEC,
    INSTITUTION_SPEC,
    MEASURE_SPEC,
    OUTCOME_SPEC,
    RECALL_CLOSE_SPEC,
    RECALL_ORDER_SPEC,
    RECALL_SPEC,
    SPOT_CHECK_SPEC,
)
from certsvc.domain.evaluations import EVALUATION_SPEC
from certsvc.domain.grading import OVERRIDE_SPEC
from certsvc.domain.holiday_notice import NOTICE_SPEC
from certsvc.domain.lifecycle import APPLICATION_ACTIONS, APPLICATION_SPEC, LICENCE_ACTIONS
from certsvc.domain.review_bodies import (
    BODY_STATUS_SPEC,
    CONFLICT_SPEC,
    INSPECTION_SPEC,
    INSTITUTION_STATUS_SPEC,
    REPORTING_SPEC,
    REVIEW_BODY_SPEC,
    REVIEWER_SPEC,
)
from certsvc.domain.specs import Spec
from tests.conftest import Api
from tests.test_authorisation import (
    _assigned,
    _awaiting_correction,
    _body_path,
    _complaint,
    _filed,
    _in_testing,
    _issued_on_commitment,
    _licence,
    _measure,
    _moved,
    _ready,
    _recall,
    _renewal,
    _reported,
    _review_assigned,
    _spot_check,
    _submitted,
    _suspended,
    _under_review,
    _withdrawn_licence,
)

Setup = Callable[[Api, Any], str]  # → the subject's path, in a state that allows the action
SUBJECTS: dict[str, tuple[Setup, str]] = {  # action: (set-up, who acts)
    "accept": (lambda api, _: _submitted(api), "zhejiang"),
    "refuse_acceptance": (lambda api, _: _submitted(api), "zhejiang"),
    "request_correction": (lambda api, _: _submitted(api), "zhejiang"),
    "resubmit": (lambda api, _: _awaiting_correction(api), "enterprise"),
    "assign_review": (lambda api, _: _under_review(api), "zhejiang"),
    "record_onsite": (lambda api, _: _assigned(api, _under_review(api)), "review_body"),
    "accept_commitment": (_renewal, "zhejiang"),
    "choose_institution": (lambda api, _: _under_review(api), "enterprise"),
    "record_test": (lambda api, _: _in_testing(api), "institution"),
    "exempt_testing": (lambda api, issuer: (_spot_check(api, issuer), _under_review(api))[1],
                       "zhejiang"),
    "accept_prior_report": (lambda api, _: _under_review(api), "zhejiang"),
    "approve": (lambda api, _: _ready(api), "zhejiang"),
    "refuse": (lambda api, _: _under_review(api), "zhejiang"),
    "issue": (lambda api, _: _moved(api, _ready(api), ("approve", "zhejiang", None)),
              "zhejiang"),
    "record_post_review": (lambda api, _: _assigned(api, _issued_on_commitment(api)),
                           "review_body"),
    "change": (_licence, "zhejiang"),
    "suspend": (_licence, "zhejiang"),
    "lift_suspension": (_suspended, "zhejiang"),
    "revoke": (_licence, "zhejiang"),
    "penalty_revoke": (_licence, "zhejiang"),
    "cancel": (_licence, "zhejiang"),
    "request_cancellation": (_licence, "enterprise"),
    "no_longer_required": (_withdrawn_licence, "national"),
}
ACTIONS = {**APPLICATION_ACTIONS, **LICENCE_ACTIONS}


def test_every_action_has_a_subject_here() -> None:
    assert set(SUBJECTS) == set(ACTIONS)


@pytest.mark.parametrize("action", sorted(ACTIONS))
@freeze_time("2026-06-01 02:00:00")
def test_the_documented_example_is_accepted(api: Api, issuer: Any, action: str) -> None:
    setup, who = SUBJECTS[action]
    spec = ACTIONS[action].spec
    answer = api.post(f"{setup(api, issuer)}/{action}", who, spec.example())
    assert answer.status_code == 200, (action, answer.json)


@pytest.mark.parametrize(("action", "field"), [
    (action, f.name) for action, t in sorted(ACTIONS.items()) for f in t.spec.fields
    if f.required])
@freeze_time("2026-06-01 02:00:00")
def test_a_missing_required_field_is_named(api: Api, issuer: Any, action: str,
                                          field: str) -> None:
    setup, who = SUBJECTS[action]
    body = ACTIONS[action].spec.example()
    del body[field]
    answer = api.post(f"{setup(api, issuer)}/{action}", who, body)
    assert answer.status_code == 422 and answer.json is not None, (action, answer.json)
    assert answer.json["field"] == field


def required_paths(spec: Spec, prefix: str = "") -> list[str]:
    """Every required field, nested objects' included, as a dotted path."""
    found = []
    for f in spec.fields:
        if f.required:
            found.append(prefix + f.name)
            if f.sub is not None:
                found += required_paths(f.sub, f"{prefix}{f.name}.")
    return found


@pytest.mark.parametrize("path", required_paths(APPLICATION_SPEC))
@freeze_time("2026-06-01 02:00:00")
def test_the_application_without_a_required_field(api: Api, path: str) -> None:
    assert api.post("/api/v1/applications", "enterprise",
                    APPLICATION_SPEC.example()).status_code == 201
    body = APPLICATION_SPEC.example()
    *parents, last = path.split(".")
    holder = body
    for name in parents:
        holder = holder[name]
    del holder[last]
    answer = api.post("/api/v1/applications", "enterprise", body)
    assert answer.status_code == 422 and answer.json is not None
    assert answer.json["field"] == path


def test_the_document_carries_each_spec() -> None:
    paths = openapi_document()["paths"]
    for name, transition in APPLICATION_ACTIONS.items():
        schema = paths[f"/api/v1/applications/{{id}}/{name}"]["post"]["requestBody"]
        assert schema["content"]["application/json"]["schema"] == transition.spec.json_schema()
    submit = paths["/api/v1/applications"]["post"]["requestBody"]
    document = submit["content"]["application/json"]["schema"]
    assert document == APPLICATION_SPEC.json_schema()
    assert document["required"] == ["enterprise", "materials"]


@freeze_time("2026-06-01 02:00:00")
def test_an_unknown_field_is_named(api: Api, issuer: Any) -> None:
    answer = api.post(f"{_licence(api, issuer)}/revoke", "zhejiang",
                      {"reason": "x", "legal_basis": "y", "legal_bassis": "typo"})
    assert answer.status_code == 422 and answer.json is not None
    assert answer.json["field"] == "legal_bassis"


DUTIES: dict[str, tuple[Spec, Callable[[Api, Any], str], str, int]] = {
    # the duty: (its spec, set-up returning the path, who, the status of a success)
    "spot check": (SPOT_CHECK_SPEC, lambda api, issuer: (_licence(api, issuer),
                                                        "/api/v1/spot-checks")[1],
                   "zhejiang", 201),
    "recall": (RECALL_SPEC, lambda api, issuer: (_licence(api, issuer), "/api/v1/recalls")[1],
               "enterprise", 201),
    "close recall": (RECALL_CLOSE_SPEC, lambda api, issuer: f"/api/v1/recalls/"
                     f"{_recall(api, issuer)}/close", "enterprise", 200),
    "institution": (INSTITUTION_SPEC, lambda api, _: "/api/v1/institutions", "national", 201),
    "filing": (FILING_SPEC, lambda api, _: f"/api/v1/institutions/{api.institutions['level3']}"
               "/filing", "national", 200),
    "measure": (MEASURE_SPEC, lambda api, issuer: (_licence(api, issuer),
                                                  "/api/v1/measures")[1], "zhejiang", 201),
    "outcome": (OUTCOME_SPEC, lambda api, issuer: f"/api/v1/measures/{_measure(api, issuer)}"
                "/outcome", "zhejiang", 200),
    "accident": (ACCIDENT_SPEC, lambda api, issuer: (_licence(api, issuer),
                                                    "/api/v1/accidents")[1], "enterprise", 201),
    "holiday notice": (NOTICE_SPEC, lambda api, _: "/api/v1/calendar/notices", "national", 201),
    "declaration": (DECLARATION_SPEC, lambda api, issuer: (_licence(api, issuer),
                                                          "/api/v1/declarations")[1],
                    "enterprise", 201),
    "follow-up": (FOLLOW_UP_SPEC, lambda api, issuer: f"/api/v1/accidents/"
                  f"{_reported(api, issuer)}/follow_up", "enterprise", 200),
    "complaint decision": (DECISION_SPEC, lambda api, _: (
        f"/api/v1/complaints/{_complaint(api)}/decision"), "zhejiang", 200),
    # the example's application is 1: the first one made, assigned to the review body
    "evaluation": (EVALUATION_SPEC, lambda api, _: (
        _review_assigned(api), "/api/v1/evaluations")[1], "review_body", 201),
    "grade override": (OVERRIDE_SPEC, lambda api, issuer: (
        _licence(api, issuer), "/api/v1/grades/91330106MA2H7K3LXA/override")[1], "zhejiang",
                       200),
    "recall order": (RECALL_ORDER_SPEC, lambda api, issuer: (
        _reported(api, issuer), "/api/v1/recall-orders")[1], "zhejiang", 201),
    "review body": (REVIEW_BODY_SPEC, lambda api, _: "/api/v1/review-bodies", "zhejiang", 201),
    "reviewer": (REVIEWER_SPEC, lambda api, _: _body_path(api) + "/reviewers", "zhejiang",
                 201),
    "conflict": (CONFLICT_SPEC, lambda api, _: _body_path(api) + "/conflicts", "review_body",
                 201),
    "body status": (BODY_STATUS_SPEC, lambda api, _: _body_path(api) + "/status", "zhejiang",
                    200),
    "reporting": (REPORTING_SPEC, lambda api, _: "/api/v1/review-bodies/annual-reports",
                  "zhejiang", 200),
    "inspection": (INSPECTION_SPEC, lambda api, _: _filed(api) + "/inspection", "zhejiang",
                   200),
    "institution status": (INSTITUTION_STATUS_SPEC, lambda api, _: (
        f"/api/v1/institutions/{api.institutions['level3']}/status"), "national", 200),
}


@pytest.mark.parametrize("duty", sorted(DUTIES))
@freeze_time("2026-06-01 02:00:00")
def test_each_duty_accepts_its_example_and_names_a_missing_field(
    api: Api, issuer: Any, duty: str
) -> None:
    spec, setup, who, status = DUTIES[duty]
    path = setup(api, issuer)
    for field in [f.name for f in spec.fields if f.required]:
        body = spec.example()
        del body[field]
        answer = api.post(path, who, body)
        assert answer.status_code == 422 and answer.json is not None, (duty, field)
        assert answer.json["field"] == field
    answer = api.post(path, who, spec.example())
    assert answer.status_code == status, (duty, answer.json)
