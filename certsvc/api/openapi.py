"""The OpenAPI 3.1 document of ``/api/v1/``, built from the same tables the code runs on.

The action lists come from :mod:`certsvc.domain.lifecycle`, the problem types from the error
classes (each registers itself, ``certsvc.errors.PROBLEM_TYPES``) and from werkzeug's HTTP
errors, the verdicts from ``VerdictCode``: the document cannot drift from what the service
sends; a test checks every route is documented. :func:`document_for` cuts out the part one
app implements, which that app serves (``/bureau/openapi.json``, ``/public/openapi.json``).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from werkzeug.exceptions import HTTPException, default_exceptions
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.routing import Map, RequestRedirect

from certsvc.credential.verifier import VerdictCode
from certsvc.domain.accidents import ACCIDENT_SPEC, FOLLOW_UP_SPEC
from certsvc.domain.bulk import BULK_SPEC
from certsvc.domain.calendar import UnknownYear
from certsvc.domain.complaints import DECISION_SPEC, LISTS
from certsvc.domain.declarations import DECLARATION_SPEC
from certsvc.domain.duties import (
    FILING_SPEC,
    INSTITUTION_SPEC,
    MEASURE_SPEC,
    OUTCOME_SPEC,
    RECALL_CLOSE_SPEC,
    RECALL_ORDER_SPEC,
    RECALL_ORDER_STATES,
    RECALL_SPEC,
    SPOT_CHECK_SPEC,
)
from certsvc.domain.evaluations import EVALUATION_SPEC
from certsvc.domain.grading import GRADES, OVERRIDE_SPEC
from certsvc.domain.holiday_notice import NOTICE_SPEC
from certsvc.domain.lifecycle import (
    APPLICATION_ACTIONS,
    APPLICATION_SPEC,
    DUE_WITHIN_MAX,
    LICENCE_ACTIONS,
    POST_REVIEW_LISTS,
    InvalidTransition,
    Transition,
)
from certsvc.domain.metadata import ITEMS as METADATA_ITEMS
from certsvc.domain.metadata import STANDARD as METADATA_STANDARD
from certsvc.domain.review_bodies import (
    ANNUAL_REPORT_SPEC,
    BODY_STATUS_SPEC,
    CONFLICT_SPEC,
    INSPECTION_SPEC,
    INSTITUTION_STATUS_SPEC,
    REPORT_STATES,
    REPORTING_SPEC,
    REVIEW_BODY_SPEC,
    REVIEWER_SPEC,
)
from certsvc.domain.sharing import POLICY_SPEC, PURPOSE
from certsvc.domain.specs import Spec
from certsvc.errors import PROBLEM_TYPES
from certsvc.workflow.audit_log import AUDIT_QUERY
from certsvc.workflow.licence_sharing import FILE_FORMATS, HOLDER_TYPES

# The error classes outside certsvc.errors, imported so that they have registered their types
_REGISTERED_ELSEWHERE = (UnknownYear, InvalidTransition)

METHODS = ("get", "post", "put", "patch", "delete")


def problem_types() -> dict[str, str]:
    """Every problem type the apps send, with its status and what it means."""
    ours = {kind: f"{cls.status}: {(cls.__doc__ or cls.title).strip().splitlines()[0]}"
            for kind, cls in sorted(PROBLEM_TYPES.items())}
    http = {f"http-{code}": f"{code}: {HTTP_STATUS_CODES[code]}"
            for code in sorted(default_exceptions) if code >= 400}
    return ours | http

def _body(spec: Spec) -> dict[str, Any]:
    """A request body described by the spec that validates it."""
    schema = spec.json_schema()
    return {"required": bool(schema["required"]),
            "content": {"application/json": {"schema": schema}}}


def _problems() -> dict[str, Any]:
    return {"description": "RFC 9457 problem", "content": {"application/problem+json": {
        "schema": {"$ref": "#/components/schemas/Problem"}}}}


def _cose() -> dict[str, Any]:
    return {"200": {"description": "COSE_Sign1 bytes", "content": {"application/cose": {}}},
            "304": {"description": "not modified"}, "default": _problems()}


def _ok(description: str, schema: str = "Object", status: str = "200") -> dict[str, Any]:
    return {status: {"description": description, "content": {"application/json": {
        "schema": {"$ref": f"#/components/schemas/{schema}"}}}}, "default": _problems()}


_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
_PURPOSE = {"name": "purpose", "in": "query", "schema": PURPOSE.json_schema(),
            "description": "用证事由: why a department or insurer reads it (required of them; "
                           "kept in the audit log)"}
_USCC = {"name": "uscc", "in": "path", "required": True, "schema": {"type": "string"}}
_IDENTIFIER = {"name": "identifier", "in": "path", "required": True,
               "schema": {"type": "string", "maxLength": 100},
               "description": "电子证照标识 (GB/T 36904), e.g. 1.2.156.3005.2.…"}
_YEAR = {"name": "year", "in": "path", "required": True,
         "schema": {"type": "integer", "minimum": 1, "maximum": 9999}}
_IDEMPOTENCY = {"name": "Idempotency-Key", "in": "header", "required": False,
                "schema": {"type": "string", "maxLength": 128},
                "description": "Retries with the same key replay the first answer "
                               "(header Idempotent-Replayed: true) instead of acting twice."}


def _list_op(summary: str, operation: str, *flags: str, states: tuple[str, ...] = ()
             ) -> dict[str, Any]:
    """A newest-first list, paged back with ``before`` (the last id of a page); ``states``:
    the values of its ``state`` filter."""
    return {"summary": summary, "operationId": operation, "parameters": [
        *({"name": f, "in": "query", "schema": {"type": "boolean"}} for f in flags),
        *([{"name": "state", "in": "query", "schema": {"type": "string",
                                                       "enum": list(states)}}]
          if states else []),
        {"name": "before", "in": "query", "schema": {"type": "integer", "minimum": 1}},
        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1,
                                                    "maximum": 500}}],
        "responses": _ok("a page: items, next_before")}


def _action_op(kind: str, name: str, transition: Transition) -> dict[str, Any]:
    """An action's operation; its request body is the action's spec, the one that validates
    it (``certsvc.domain.lifecycle``)."""
    spec = transition.spec.json_schema()
    return {
        "summary": f"{transition.term} ({name})",
        "description": f"Performed by: {transition.actor.value}.",
        "operationId": f"{kind}_{name}",
        "parameters": [_IDEMPOTENCY],
        "requestBody": {"required": bool(spec["required"]),
                        "content": {"application/json": {"schema": spec}}},
        "responses": _ok("the application or licence after the action",
                         "Application" if kind == "application" else "Licence"),
    }


@cache
def openapi_document() -> dict[str, Any]:
    paths: dict[str, Any] = {
        "/api/v1/me": {"get": {"summary": "The account behind the token", "operationId": "me",
                               "responses": _ok("the account")}},
        "/api/v1/applications": {
            "post": {"summary": "申请: an enterprise applies (营业执照, 申请书, 承诺书)",
                     "operationId": "submit_application", "parameters": [_IDEMPOTENCY],
                     "requestBody": _body(APPLICATION_SPEC),
                     "responses": _ok("the application", "Application", "201")},
            "get": {"summary": "Applications this account may read; overdue or due soon",
                    "operationId": "list_applications",
                    "parameters": [
                        {"name": "state", "in": "query", "schema": {"type": "string"}},
                        {"name": "overdue", "in": "query", "schema": {"type": "boolean"}},
                        {"name": "due_within", "in": "query",
                         "schema": {"type": "integer", "minimum": 0,
                                    "maximum": DUE_WITHIN_MAX},
                         "description": "working days left at most"},
                        {"name": "post_review", "in": "query",
                         "schema": {"type": "string", "enum": list(POST_REVIEW_LISTS)},
                         "description": "licences issued on commitment (告知承诺) whose "
                                        "on-site review is due, overdue or failed"},
                        {"name": "after", "in": "query", "schema": {"type": "integer"}},
                        {"name": "limit", "in": "query", "schema": {"type": "integer",
                                                                    "maximum": 500}}],
                    "responses": _ok("a page of applications")}},
        "/api/v1/applications/{id}": {"get": {
            "summary": "One application with its review, allowed actions and deadline",
            "operationId": "get_application",
            "parameters": [_ID],
            "responses": _ok("the application", "Application")}},
        "/api/v1/documents": {"post": {
            "summary": "Upload a document (营业执照, 申请书, 承诺书, a test report): PDF, "
                       "OFD, JPEG or PNG, judged by content, 10 MB at most; its reference "
                       "(sha256:…) for an application's materials",
            "operationId": "upload_document", "parameters": [_IDEMPOTENCY],
            "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                "type": "object", "required": ["file"], "properties": {
                    "file": {"type": "string", "format": "binary"}}}}}},
            "responses": _ok("the document's reference, type, size and name", "Object",
                             "201")}},
        "/api/v1/applications/{id}/documents/{material}": {"get": {
            "summary": "One of an application's documents (bureaus and the enterprise "
                       "only)", "operationId": "application_document",
            "parameters": [_ID, {"name": "material", "in": "path", "required": True,
                                 "schema": {"type": "string", "enum": [
                                     "business_licence", "application_form",
                                     "commitment", "test_report"]}}],
            "responses": {"200": {"description": "the document as uploaded", "content": {
                "application/pdf": {}, "application/ofd": {}, "image/jpeg": {},
                "image/png": {}}}, "default": _problems()}}},
        "/api/v1/bulk-status-changes/preview": {"post": {
            "summary": "批量撤销、吊销、注销 (preview): for each licence, whether the action "
                       "can be done, or why not; nothing is written",
            "operationId": "preview_bulk_status_change", "requestBody": _body(BULK_SPEC),
            "responses": _ok("ready and refused licences")}},
        "/api/v1/bulk-status-changes": {"post": {
            "summary": "批量撤销、吊销、注销: every licence in one transaction and one status-list "
                       "publication, or none (422 naming those that cannot be done)",
            "operationId": "bulk_status_change", "parameters": [_IDEMPOTENCY],
            "requestBody": _body(BULK_SPEC), "responses": _ok("the licences changed")}},
        "/api/v1/calendar/notices": {"post": {
            "summary": "放假安排: the national authority loads a year's State Council holiday "
                       "notice (checked, versioned, audited); running deadlines are counted "
                       "again and the moved ones get a timeline event",
            "operationId": "load_holiday_notice", "parameters": [_IDEMPOTENCY],
            "requestBody": _body(NOTICE_SPEC),
            "responses": _ok("the notice and the applications whose deadline moved", "Object",
                             "201")}},
        "/api/v1/calendar/{year}": {"get": {
            "summary": "A year's calendar as deadlines count it: from its notice (and which "
                       "version) or provisional (the statutory holidays only)",
            "operationId": "calendar_year",
            "parameters": [{"name": "year", "in": "path", "required": True,
                            "schema": {"type": "integer", "minimum": 1, "maximum": 9999}}],
            "responses": _ok("holidays and make-up working days")}},
        "/api/v1/catalogue/withdrawals": {"post": {
            "summary": "目录调整: mark licences of withdrawn products 'no longer required'",
            "operationId": "apply_withdrawals", "parameters": [_IDEMPOTENCY],
            "responses": _ok("licence numbers marked")}},
        "/api/v1/declarations": {"post": {
            "summary": "标准自我声明与公开承诺: an enterprise publishes or changes its standards "
                       "declaration (a new version each time)", "operationId": "declare",
            "parameters": [_IDEMPOTENCY],
            "requestBody": _body(DECLARATION_SPEC),
            "responses": _ok("the new version", "Object", "201")}},
        "/api/v1/declarations/withdraw": {"post": {
            "summary": "Withdraw the declaration (the history is kept)",
            "operationId": "withdraw_declaration", "parameters": [_IDEMPOTENCY],
            "responses": _ok("the withdrawal version")}},
        "/api/v1/accidents": {
            "post": {"summary": "产品质量安全事故报告: the enterprise reports within 24 hours of "
                                "learning of an accident (later reports are flagged late)",
                     "operationId": "report_accident", "parameters": [_IDEMPOTENCY],
                     "requestBody": _body(ACCIDENT_SPEC),
                     "responses": _ok("the report", "Object", "201")},
            "get": _list_op("Accident reports (bureaus: own province; an enterprise: its "
                            "own), newest first; ?late=true, ?missing_follow_up=true",
                            "list_accidents", "late", "missing_follow_up")},
        "/api/v1/accidents/{id}/follow_up": {"post": {
            "summary": "The established cause and the measures taken",
            "operationId": "accident_follow_up",
            "parameters": [_ID, _IDEMPOTENCY], "requestBody": _body(FOLLOW_UP_SPEC),
            "responses": _ok("the report")}},
        "/api/v1/spot-checks": {"get": _list_op(
            "Spot checks (bureaus: own province; an enterprise: its own), newest first",
            "list_spot_checks"), "post": {
            "summary": "监督抽查: a bureau records a spot-check result (uscc, products, level, "
                       "checked_on, institution_id, passed, reference)",
            "operationId": "record_spot_check", "parameters": [_IDEMPOTENCY],
            "requestBody": _body(SPOT_CHECK_SPEC),
            "responses": _ok("the result", "Object", "201")}},
        "/api/v1/recalls": {"get": _list_op(
            "Recalls (bureaus: of enterprises licensed in the province; an enterprise: its "
            "own), newest first; ?open=true for those not closed", "list_recalls", "open"),
            "post": {
            "summary": "召回: an enterprise announces a recall (products, defect, batches, sold, "
                       "unsold, remedy, contact); public until closed",
            "operationId": "announce_recall", "parameters": [_IDEMPOTENCY],
            "requestBody": _body(RECALL_SPEC),
            "responses": _ok("the recall", "Object", "201")}},
        "/api/v1/evaluations": {"post": {
            "summary": "质量安全评价: a review body records its evaluation of an enterprise's "
                       "necessary conditions (a score 0–10 for each condition of 条例第九条; "
                       "the rating follows from them), shared through the feed",
            "operationId": "record_evaluation", "parameters": [_IDEMPOTENCY],
            "requestBody": _body(EVALUATION_SPEC),
            "responses": _ok("the evaluation", "Object", "201")},
            "get": _list_op("Evaluations (bureaus: of enterprises registered in their "
                            "province or area; an enterprise or a review body: its own), "
                            "newest first; ?uscc=", "list_evaluations")},
        "/api/v1/grades": {"get": {
            "summary": "分类监管: the spot-check frequency list — the enterprises a bureau "
                       "supervises (licensed, or whose product left the catalogue) by USCC, "
                       "each with its grade A–D, the reasons, any override and the spot "
                       "checks a year it asks for; ?grade=A|B|C|D, ?after=<uscc>",
            "operationId": "list_grades", "parameters": [
                {"name": "grade", "in": "query", "schema": {"type": "string",
                                                            "enum": list(GRADES)}},
                {"name": "after", "in": "query", "schema": {"type": "string"}},
                {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1,
                                                            "maximum": 500}}],
            "responses": _ok("a page: items, next_after")}},
        "/api/v1/grades/{uscc}": {"get": {
            "summary": "One enterprise's grade: computed by the versioned rule with its "
                       "reasons, and the bureau's override if any", "operationId": "grade",
            "parameters": [_USCC], "responses": _ok("the grade")}},
        "/api/v1/grades/{uscc}/override": {"post": {
            "summary": "A bureau overrides a grade (grade, reason); audited, shown beside the "
                       "computed grade", "operationId": "override_grade",
            "parameters": [_USCC, _IDEMPOTENCY], "requestBody": _body(OVERRIDE_SPEC),
            "responses": _ok("the grade")}},
        "/api/v1/complaints": {"get": _list_op(
            "举报: reports from the public (sent with the form at /report, no account) that "
            "this bureau handles — a province's, a city or county bureau's on enterprises of "
            "its area — newest first, each with the day the decision whether to open a case "
            "is due (15 working days); the reporter's contact only for bureaus, never "
            "auditors; ?state=open|overdue|decided", "list_complaints", states=LISTS)},
        "/api/v1/complaints/{id}/decision": {"post": {
            "summary": "The bureau's decision on a report: filed_case (立案), not_filed "
                       "(不予立案), extend (15 more working days, once) or transfer (bureau: "
                       "the competent province), with the answer the reporter reads by the "
                       "receipt code", "operationId": "decide_complaint",
            "parameters": [_ID, _IDEMPOTENCY], "requestBody": _body(DECISION_SPEC),
            "responses": _ok("the report")}},
        "/api/v1/complaints/{id}/photo": {"get": {
            "summary": "A report's photo (the bureau handling it)",
            "operationId": "complaint_photo", "parameters": [_ID],
            "responses": {"200": {"description": "the photo as sent", "content": {
                "image/jpeg": {}, "image/png": {}}}, "default": _problems()}}},
        "/api/v1/recall-orders": {"post": {
            "summary": "责令召回: a bureau (a city or county bureau in its area) orders an "
                       "enterprise to recall, on an accident report or a failed spot check "
                       "(cause, cause_id, reason, deadline); the enterprise answers with a "
                       "recall naming the order (order_id)", "operationId": "order_recall",
            "parameters": [_IDEMPOTENCY], "requestBody": _body(RECALL_ORDER_SPEC),
            "responses": _ok("the order", "Object", "201")},
            "get": _list_op("Recall orders (bureaus: own province; a city or county bureau: "
                            "its area; an enterprise: its own), newest first; "
                            "?state=open|overdue|answered", "list_recall_orders",
                            states=RECALL_ORDER_STATES)},
        "/api/v1/recalls/{id}/close": {"post": {
            "summary": "Close a recall (note)", "operationId": "close_recall",
            "parameters": [_ID, _IDEMPOTENCY], "requestBody": _body(RECALL_CLOSE_SPEC),
            "responses": _ok("the recall")}},
        "/api/v1/institutions/{id}/filing": {"post": {
            "summary": "The national authority records or withdraws an institution's filing "
                       "(filed: true/false)", "operationId": "institution_filing",
            "parameters": [_ID, _IDEMPOTENCY], "requestBody": _body(FILING_SPEC),
            "responses": _ok("the institution")}},
        "/api/v1/institutions/{id}/status": {"post": {
            "summary": "不得承担检验任务: the national authority bars an institution from testing "
                       "(status barred, reason) or lifts the bar (active); a barred "
                       "institution's open tests return to review for the enterprise to "
                       "choose another", "operationId": "institution_status",
            "parameters": [_ID, _IDEMPOTENCY], "requestBody": _body(INSTITUTION_STATUS_SPEC),
            "responses": _ok("the institution and the applications returned")}},
        "/api/v1/review-bodies": {"post": {
            "summary": "审查机构: the national authority or a province registers a review body "
                       "(an independent legal person, not for profit in this work) and the "
                       "products it may review", "operationId": "register_review_body",
            "parameters": [_IDEMPOTENCY], "requestBody": _body(REVIEW_BODY_SPEC),
            "responses": _ok("the body", "Object", "201")},
            "get": _list_op("Review bodies with their reviewers, status and declared "
                            "conflicts (a province: its own and the national authority's; a "
                            "body: itself), newest first", "list_review_bodies")},
        "/api/v1/review-bodies/{id}/reviewers": {"post": {
            "summary": "The keeper registers a reviewer (name, qualification number)",
            "operationId": "add_reviewer", "parameters": [_ID, _IDEMPOTENCY],
            "requestBody": _body(REVIEWER_SPEC), "responses": _ok("the body", "Object", "201")}},
        "/api/v1/review-bodies/{id}/conflicts": {"post": {
            "summary": "利益冲突: the body or its keeper declares that the body, or one reviewer, "
                       "may not review an enterprise (an assignment is then refused, 409)",
            "operationId": "declare_conflict", "parameters": [_ID, _IDEMPOTENCY],
            "requestBody": _body(CONFLICT_SPEC),
            "responses": _ok("the declaration", "Object", "201")}},
        "/api/v1/review-bodies/{id}/status": {"post": {
            "summary": "The keeper suspends or bars a body (reason; the day is recorded) or "
                       "reinstates it; a body no longer active gives its open assignments "
                       "back to their bureaus", "operationId": "review_body_status",
            "parameters": [_ID, _IDEMPOTENCY], "requestBody": _body(BODY_STATUS_SPEC),
            "responses": _ok("the body and the applications returned")}},
        "/api/v1/review-bodies/annual-reports": {"post": {
            "summary": "年度报告: a bureau sets the day its bodies' annual reports for a year are "
                       "due", "operationId": "set_report_deadline",
            "parameters": [_IDEMPOTENCY], "requestBody": _body(REPORTING_SPEC),
            "responses": _ok("the bodies concerned")},
            "get": _list_op("Annual reports (a province: its bodies'; a body: its own), "
                            "newest first; ?state=due|overdue|filed|inspected",
                            "list_annual_reports", states=REPORT_STATES)},
        "/api/v1/review-bodies/{id}/annual-reports/{year}": {"post": {
            "summary": "The body files its annual report and its head's 述职报告 (uploaded "
                       "documents)", "operationId": "file_annual_report",
            "parameters": [_ID, _YEAR, _IDEMPOTENCY], "requestBody": _body(ANNUAL_REPORT_SPEC),
            "responses": _ok("the report")}},
        "/api/v1/review-bodies/{id}/annual-reports/{year}/inspection": {"post": {
            "summary": "年度检查: the keeper's conclusion on a filed report",
            "operationId": "inspect_annual_report",
            "parameters": [_ID, _YEAR, _IDEMPOTENCY], "requestBody": _body(INSPECTION_SPEC),
            "responses": _ok("the report")}},
        "/api/v1/review-bodies/{id}/annual-reports/{year}/documents/{material}": {"get": {
            "summary": "A filed report's document (the keeper and the body only)",
            "operationId": "annual_report_document",
            "parameters": [_ID, _YEAR, {"name": "material", "in": "path", "required": True,
                                        "schema": {"type": "string", "enum": [
                                            "report", "head_report"]}}],
            "responses": {"200": {"description": "the document as uploaded", "content": {
                "application/pdf": {}, "application/ofd": {}, "image/jpeg": {},
                "image/png": {}}}, "default": _problems()}}},
        "/api/v1/institutions": {"post": {
            "summary": "The national authority adds an inspection institution (name, "
                       "accreditation, level 1–3, filed)", "operationId": "add_institution",
            "parameters": [_IDEMPOTENCY], "requestBody": _body(INSTITUTION_SPEC),
            "responses": _ok("the institution", "Object", "201")},
            "get": {
            "summary": "Inspection institutions: accreditation, level, filing, and whether they "
                       "may test for licences (filed, level II or above) (public)",
            "security": [], "operationId": "institutions",
            "responses": _ok("the register")}},
        "/api/v1/measures": {"get": _list_op(
            "Supervision measures (bureaus: own province; an enterprise: its own), newest "
            "first; ?open=true for those not closed", "list_measures", "open"), "post": {
            "summary": "监管措施: a bureau orders an interview (约谈), a written report (责令报告) "
                       "or rectification within a time limit (限期整改): licence_number, kind, "
                       "reason, deadline", "operationId": "order_measure",
            "parameters": [_IDEMPOTENCY], "requestBody": _body(MEASURE_SPEC),
            "responses": _ok("the measure", "Object", "201")}},
        "/api/v1/measures/{id}/outcome": {"post": {
            "summary": "Close a measure (passed, note); a failed rectification revokes the "
                       "licence (legal_basis)", "operationId": "measure_outcome",
            "parameters": [_ID, _IDEMPOTENCY], "requestBody": _body(OUTCOME_SPEC),
            "responses": _ok("the measure")}},
        "/api/v1/sharing/enterprises/{uscc}": {"get": {
            "summary": "For departments and insurers: is the enterprise licensed, and which "
                       "measures stand against it (purpose: 用证事由, required of them and "
                       "audited)", "operationId": "standing",
            "parameters": [{"name": "uscc", "in": "path", "required": True,
                            "schema": {"type": "string"}}, _PURPOSE],
            "responses": _ok("the standing")}},
        "/api/v1/licences/{number}/ofd": {"get": {
            "summary": "The licence as an OFD file (GB/T 33190) sealed with the bureau's "
                       "electronic seal (GB/T 38540, SM2/SM3), named by its identifier: for "
                       "the enterprise holding it, the issuing province, the national "
                       "authority; 409 seal-unavailable while the bureau signs with Ed25519",
            "operationId": "licence_ofd",
            "parameters": [{"name": "number", "in": "path", "required": True,
                            "schema": {"type": "string"}, "example": "浙XK06-001-00012"}],
            "responses": {"200": {"description": "the sealed OFD",
                                  "content": {"application/ofd": {}}},
                          "default": _problems()}}},
        "/api/v1/sharing/licences": {"get": {
            "summary": "电子证照共享 (GB/T 36906): the licences of a holder by holder code and "
                       "holder code type, as GB/T 36903 metadata (departments granted the "
                       "licence type, the national authority, auditors; purpose required of "
                       "departments and audited)", "operationId": "shared_by_holder",
            "parameters": [{"name": "holder_code", "in": "query", "required": True,
                            "schema": {"type": "string", "maxLength": 40}},
                           {"name": "holder_type", "in": "query",
                            "schema": {"enum": list(HOLDER_TYPES), "default": "001"},
                            "description": "001 统一社会信用代码, 111 公民身份号码"},
                           _PURPOSE],
            "responses": _ok("items: each licence's metadata")}},
        "/api/v1/sharing/licences/{identifier}": {"get": {
            "summary": "电子证照共享: a licence by its identifier (GB/T 36904; an earlier "
                       "version's identifier answers the current licence), as metadata",
            "operationId": "shared_licence", "parameters": [_IDENTIFIER, _PURPOSE],
            "responses": _ok("the metadata and the requested version")}},
        "/api/v1/sharing/licences/{identifier}/status": {"get": {
            "summary": "电子证照共享: the licence's status, and whether the version asked for "
                       "is its current one", "operationId": "shared_status",
            "parameters": [_IDENTIFIER, _PURPOSE], "responses": _ok("the status")}},
        "/api/v1/sharing/licences/{identifier}/file": {"get": {
            "summary": "电子证照共享: the licence's file, the sealed OFD or the printable PDF, "
                       "named by its identifier", "operationId": "shared_file",
            "parameters": [_IDENTIFIER, _PURPOSE,
                           {"name": "format", "in": "query",
                            "schema": {"enum": list(FILE_FORMATS), "default": "pdf"}}],
            "responses": {"200": {"description": "the file",
                                  "content": {"application/pdf": {}, "application/ofd": {}}},
                          "default": _problems()}}},
        "/api/v1/insurance-policies": {"post": {
            "summary": "产品质量安全责任保险: an insurer files a liability policy (uscc, "
                       "policy_number, cover_yuan, starts_on, ends_on); the enterprise page "
                       "says whether one is in force", "operationId": "file_policy",
            "parameters": [_IDEMPOTENCY], "requestBody": _body(POLICY_SPEC),
            "responses": _ok("the policy", "Object", "201")},
            "get": _list_op("Liability policies (an insurer: its own; bureaus: of enterprises "
                            "they supervise; an enterprise: its own), newest first",
                            "list_policies")},
        "/api/v1/feed": {"get": {
            "summary": "The data-sharing feed: signed JSON Lines of every change after the "
                       "cursor (departments: of the event families granted them, stating "
                       "their purpose; auditors and the national authority: all)",
            "operationId": "feed",
            "parameters": [_PURPOSE,
                           {"name": "after", "in": "query", "schema": {"type": "integer"}},
                           {"name": "limit", "in": "query", "schema": {"type": "integer",
                                                                       "maximum": 500}}],
            "responses": {"200": {"description": "events, then a signature line",
                                  "content": {"application/jsonl": {}}},
                          "default": _problems()}}},
        "/api/v1/exports/events.csv": {"get": {
            "summary": "The feed's events after a cursor as CSV (spot checks, measures, licence "
                       "changes …)", "operationId": "events_csv",
            "parameters": [_PURPOSE,
                           {"name": "after", "in": "query", "schema": {"type": "integer"}}],
            "responses": {"200": {"description": "CSV", "content": {"text/csv": {}}},
                          "default": _problems()}}},
        "/api/v1/exports/licences.csv": {"get": {
            "summary": "Every licence as CSV (UTF-8 with BOM; a department needs the licence "
                       "events granted)", "operationId": "licences_csv",
            "parameters": [_PURPOSE],
            "responses": {"200": {"description": "CSV", "content": {"text/csv": {}}},
                          "default": _problems()}}},
        "/api/v1/audit": {"get": {
            "summary": "The audit log (auditors, the national authority; bureaus: own "
                       "province)", "operationId": "audit_log",
            "parameters": [{"name": f.name, "in": "query", "schema": f.json_schema()}
                           for f in AUDIT_QUERY.fields],
            "responses": _ok("a page of audit events")}},
        "/api/v1/status-list": {"get": {
            "summary": "The signed status list (COSE_Sign1), with ETag", "security": [],
            "operationId": "status_list",
            "responses": _cose()}},
        "/api/v1/status-list/delta": {"get": {
            "summary": "Signed changes from version `since` to the newest", "security": [],
            "operationId": "status_list_delta",
            "parameters": [{"name": "since", "in": "query", "required": True,
                            "schema": {"type": "integer"}}],
            "responses": _cose()}},
        "/api/v1/licences/{number}": {"get": {
            "summary": "A licence: holder, products, validity, issuer, current status and "
                       "verdict (public; ETag, Cache-Control: no-cache)", "security": [],
            "operationId": "get_licence",
            "parameters": [{"name": "number", "in": "path", "required": True,
                            "schema": {"type": "string"}, "example": "浙XK06-001-00012"}],
            "responses": _ok("the licence", "PublicLicence")}},
        "/api/v1/licences/{number}/metadata": {"get": {
            "summary": f"A licence as the metadata items of {METADATA_STANDARD} (public): its "
                       "identifier (GB/T 36904), type, holder and holder code type, issuer "
                       "and issuer code, dates, jurisdiction, status, version",
            "security": [], "operationId": "get_licence_metadata",
            "parameters": [{"name": "number", "in": "path", "required": True,
                            "schema": {"type": "string"}, "example": "浙XK06-001-00012"}],
            "responses": _ok("the metadata, with each item's name in the standard",
                             "LicenceMetadata")}},
        "/api/v1/verify": {"post": {
            "summary": "Verify a QR text, a token (hex or base64url) or a licence number, "
                       "optionally for one product unit (public)", "security": [],
            "operationId": "verify",
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "properties": {
                    "qr_text": {"type": "string"}, "token": {"type": "string"},
                    "number": {"type": "string"},
                    "product": {"type": ["string", "integer"]}},
                "description": "exactly one of qr_text, token, number"}}}},
            "responses": _ok("the verdict, with the signed licence when authentic",
                             "Verdict")}},
        "/api/v1/enterprises/{uscc}": {"get": {
            "summary": "An enterprise's licences (public)", "security": [],
            "operationId": "get_enterprise",
            "parameters": [{"name": "uscc", "in": "path", "required": True,
                            "schema": {"type": "string", "pattern": "^[0-9A-Z]{18}$"}}],
            "responses": _ok("the enterprise and its licences")}},
        "/api/v1/search": {"get": {
            "summary": "Search by licence number (any written form), electronic-licence "
                       "identifier (GB/T 36904, any version issued), USCC or part of an "
                       "enterprise name (public; 20 per page)", "security": [],
            "operationId": "search",
            "parameters": [{"name": "q", "in": "query", "required": True,
                            "schema": {"type": "string", "maxLength": 100}},
                           {"name": "page", "in": "query", "schema": {"type": "integer"}}],
            "responses": _ok("a page of licences")}},
        "/.well-known/certsvc/trust-list": {"get": {
            "summary": "The root-signed trust list (COSE_Sign1), with ETag", "security": [],
            "operationId": "well_known_trust_list",
            "responses": _cose()}},
        "/.well-known/certsvc/status-list": {"get": {
            "summary": "The signed status list (COSE_Sign1), with ETag", "security": [],
            "operationId": "well_known_status_list",
            "responses": _cose()}},
        "/log/checkpoint": {"get": {
            "summary": "The transparency log's latest checkpoint (c2sp.org/tlog-checkpoint): "
                       "origin, size and root hash, signed by the log key the trust list "
                       "names, with the witnesses' cosignatures (c2sp.org/tlog-cosignature)",
            "security": [], "operationId": "log_checkpoint",
            "responses": {"200": {"description": "a signed note",
                                  "content": {"text/plain": {}}},
                          "404": {"description": "nothing published yet"}}}},
        "/log/tile/{tile}": {"get": {
            "summary": "A tile of the log's hashes or a bundle of its entries "
                       "(c2sp.org/tlog-tiles: tile/<L>/<N>[.p/<W>], tile/entries/<N>[.p/<W>])",
            "security": [], "operationId": "log_tile",
            "parameters": [{"name": "tile", "in": "path", "required": True,
                            "schema": {"type": "string"}, "example": "0/x001/234"}],
            "responses": {"200": {"description": "the tile's bytes",
                                  "content": {"application/octet-stream": {}}},
                          "404": {"description": "no such tile"}}}},
        "/api/v1/log/proof/inclusion": {"get": {
            "summary": "An inclusion proof (RFC 9162) of the leaf about a token (its SHA-256 "
                       "in hex) or at an index, in a published checkpoint (default: the "
                       "latest), with that checkpoint's note and the leaf's entry (base64)",
            "security": [], "operationId": "log_inclusion_proof",
            "parameters": [
                {"name": "token_sha256", "in": "query", "schema": {
                    "type": "string", "pattern": "^[0-9a-fA-F]{64}$"}},
                {"name": "index", "in": "query", "schema": {"type": "integer", "minimum": 0}},
                {"name": "size", "in": "query", "schema": {"type": "integer", "minimum": 0}}],
            "responses": _ok("index, size, checkpoint, entry, proof (base64 hashes)")}},
        "/api/v1/log/proof/consistency": {"get": {
            "summary": "A consistency proof (RFC 9162) from the tree of ``old`` leaves to a "
                       "published checkpoint (default: the latest), with its note",
            "security": [], "operationId": "log_consistency_proof",
            "parameters": [
                {"name": "old", "in": "query", "required": True,
                 "schema": {"type": "integer", "minimum": 0}},
                {"name": "new", "in": "query", "schema": {"type": "integer", "minimum": 0}}],
            "responses": _ok("old, new, checkpoint, proof (base64 hashes)")}},
        "/api/v1/register/tokens": {"get": {
            "summary": "The register's current token digests by licence number, of one "
                       "bureau or one enterprise: what a monitor holds against the log",
            "security": [], "operationId": "register_tokens",
            "parameters": [
                {"name": "bureau", "in": "query", "schema": {"type": "string"},
                 "example": "33"},
                {"name": "uscc", "in": "query", "schema": {"type": "string"}},
                {"name": "after", "in": "query", "schema": {"type": "string"}},
                {"name": "limit", "in": "query", "schema": {
                    "type": "integer", "minimum": 1, "maximum": 1000}}],
            "responses": _ok("items (number, uscc, token_sha256, token: the COSE token in "
                             "unpadded base64url) and the next cursor")}},
        "/api/v1/openapi.json": {"get": {"summary": "This document", "security": [],
                                         "operationId": "openapi",
                                         "responses": _ok("OpenAPI 3.1")}},
        "/bureau/openapi.json": {"get": {
            "summary": "The part of this document the bureau service implements",
            "security": [], "operationId": "openapi_bureau", "responses": _ok("OpenAPI 3.1")}},
        "/public/openapi.json": {"get": {
            "summary": "The part of this document the public site implements",
            "security": [], "operationId": "openapi_public", "responses": _ok("OpenAPI 3.1")}},
        "/healthz": {"get": {"summary": "Liveness of the public site", "security": [],
                             "operationId": "healthz", "responses": _ok("ok")}},
        "/readyz": {"get": {"summary": "Readiness of the public site: database and trust "
                                       "list (503 with Retry-After if not)", "security": [],
                            "operationId": "readyz", "responses": _ok("ready")}},
        "/bureau/healthz": {"get": {"summary": "Liveness of the bureau service",
                                    "security": [], "operationId": "bureau_healthz",
                                    "responses": _ok("ok")}},
        "/bureau/readyz": {"get": {"summary": "Readiness of the bureau service: database and "
                                              "keys (503 with Retry-After if not)",
                                   "security": [], "operationId": "bureau_readyz",
                                   "responses": _ok("ready")}},
    }
    for name, t in APPLICATION_ACTIONS.items():
        paths[f"/api/v1/applications/{{id}}/{name}"] = {"post": dict(
            _action_op("application", name, t), parameters=[_ID, _IDEMPOTENCY])}
    for name, t in LICENCE_ACTIONS.items():
        paths[f"/api/v1/licences/{{number}}/{name}"] = {"post": dict(
            _action_op("licence", name, t),
            parameters=[{"name": "number", "in": "path", "required": True,
                         "schema": {"type": "string"}, "example": "浙XK06-001-00012"},
                        _IDEMPOTENCY])}
    return {
        "openapi": "3.1.0",
        "info": {"title": "certsvc API", "version": "1",
                 "description": "Electronic industrial product production licences "
                                "(工业产品生产许可证). Writes need a bearer token made with "
                                "`certsvc token create`. Problem types: " + "; ".join(
                                    f"urn:certsvc:problem:{k} — {v}"
                                    for k, v in problem_types().items())},
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Object": {"type": "object"},
                "Problem": {"type": "object", "required": ["type", "title", "status"],
                            "properties": {
                                "type": {"type": "string", "enum": [
                                    f"urn:certsvc:problem:{k}" for k in problem_types()]},
                                "title": {"type": "string"}, "status": {"type": "integer"},
                                "detail": {"type": "string"}, "instance": {"type": "string"},
                                "field": {"type": "string"}, "current_state": {"type": "string"},
                                "allowed_actions": {"type": "array",
                                                    "items": {"type": "string"}}}},
                "Application": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "state": {"type": "string"},
                    "allowed_actions": {"type": "array", "items": {"type": "string"}},
                    "deadline": {"type": ["object", "null"]}, "review": {"type": "object"},
                    "procedure": {"enum": ["verify_first", "commitment"]},
                    "post_review": {"type": ["object", "null"], "description":
                                    "告知承诺: the on-site review after issue (state pending, "
                                    "passed or failed; due date, working days left)"},
                    "correction_notice_due": {"type": ["string", "null"], "description":
                                              "submitted: the last day for a correction "
                                              "notice; after it the application is deemed "
                                              "accepted from receipt (行政许可法第三十二条)"},
                    "certificate_due": {"type": ["object", "null"], "description":
                                        "approved: the certificate is due within 10 working "
                                        "days of the decision (行政许可法第四十四条): due "
                                        "date, working days left, overdue"}}},
                "Verdict": {"type": "object", "properties": {
                    "verdict": {"enum": [code.value for code in VerdictCode]},
                    "valid": {"type": "boolean"}, "authentic": {"type": "boolean"},
                    "message": {"type": "object"}, "detail": {"type": "string"},
                    "status_as_of": {"type": ["string", "null"]},
                    "licence": {"type": ["object", "null"]}}},
                "LicenceMetadata": {"type": "object", "properties": {
                    "standard": {"const": METADATA_STANDARD},
                    "labels": {"type": "object", "description": "each item's name"},
                    "metadata": {"type": "object", "properties": {
                        key: {"description": name} for key, name in METADATA_ITEMS},
                        "required": [key for key, _ in METADATA_ITEMS]}}},
                "PublicLicence": {"type": "object", "properties": {
                    "number": {"type": "string"}, "status": {"type": "string"},
                    "identifier": {"type": "string", "description": "电子证照标识 of the "
                                   "current version (GB/T 36904)"},
                    "verdict": {"type": "string"}, "expired": {"type": "boolean"},
                    "status_detail": {"type": ["object", "null"]},
                    "commitment_review_pending": {
                        "type": ["object", "null"],
                        "description": "承诺公示: a licence issued on commitment whose on-site "
                                       "review is pending: the statement and the due date"},
                    "enterprise": {"type": "object"}, "scope": {"type": "array"},
                    "issued": {"type": "string", "format": "date"},
                    "valid_until": {"type": "string", "format": "date"},
                    "issuer": {"type": "object"}, "qr_text": {"type": ["string", "null"]}}},
                "Licence": {"type": "object", "properties": {
                    "number": {"type": "string"}, "status": {"type": "string"},
                    "expired": {"type": "boolean"},
                    "allowed_actions": {"type": "array", "items": {"type": "string"}}}},
            },
        },
    }


def document_for(url_map: Map) -> dict[str, Any]:
    """The document cut to the operations an app's URL map routes: what that app serves.
    A path parameter is tried as ``1`` (ids, and any text)."""
    whole = openapi_document()
    adapter = url_map.bind("localhost")
    paths: dict[str, Any] = {}
    for path, item in whole["paths"].items():
        concrete = _concrete(path)
        kept = {method: op for method, op in item.items()
                if method in METHODS and _routes(adapter, concrete, method.upper())}
        if kept:
            paths[path] = kept
    return dict(whole, paths=paths)


def _concrete(path: str) -> str:
    parts = path.split("/")
    return "/".join("1" if p.startswith("{") and p.endswith("}") else p for p in parts)


def _routes(adapter: Any, path: str, method: str) -> bool:
    try:
        adapter.match(path, method=method)
    except RequestRedirect:
        return True
    except HTTPException:
        return False
    return True
