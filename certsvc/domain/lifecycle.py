"""Which action may follow which state: an application's review, and a licence after issue.

Pure tables, no I/O. A refused transition raises :class:`InvalidTransition` (409) naming the
current state and the actions it allows, so a client can always tell what to do next.

    >>> application_transition(ApplicationState.SUBMITTED, "accept")
    <ApplicationState.UNDER_REVIEW: 'under_review'>
    >>> allowed_application_actions(ApplicationState.TESTING)
    ['record_test', 'refuse']
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from certsvc.domain.documents import EXAMPLE_REFERENCE
from certsvc.domain.licence import ENTERPRISE_SPEC, LicenceStatus
from certsvc.domain.review_bodies import ASSIGNMENT_FIELDS, FEWEST_REVIEWERS, MOST_REVIEWERS
from certsvc.domain.specs import NO_BODY, Field, Kind, Spec
from certsvc.errors import Conflict


class Actor(enum.Enum):
    """Which side of the procedure performs an action (roles map onto these)."""

    BUREAU = "bureau"  # a licensing bureau: the province's, or the national authority
    # the provincial bureau only: it approves, and since the 2019 delegation the national
    # authority no longer does (国发〔2024〕11号: provincial approval, not delegated further)
    PROVINCE = "provincial bureau"
    ENTERPRISE = "enterprise"
    INSTITUTION = "institution"
    REVIEW_BODY = "review body"  # the review body assigned the on-site visit
    # supervision of an enterprise: the national authority anywhere, the provincial bureau in
    # its province, a city or county bureau in its area
    SUPERVISION = "supervising bureau"
    NATIONAL = "national"  # the national authority only


class ApplicationState(enum.Enum):
    SUBMITTED = "submitted"                       # 申请
    AWAITING_CORRECTION = "awaiting_correction"   # 补正告知 sent
    NOT_ACCEPTED = "not_accepted"                 # 不予受理
    UNDER_REVIEW = "under_review"                 # 受理 → review (the 30-day clock runs)
    TESTING = "testing"                           # 产品检验 (the clock pauses)
    APPROVED = "approved"                         # 准予许可
    REFUSED = "refused"                           # 不予许可
    ISSUED = "issued"                             # 发证

    @property
    def clock_running(self) -> bool:
        return self is ApplicationState.UNDER_REVIEW

    @property
    def term(self) -> str:
        """The procedure's word for the state, as the console shows it."""
        return _STATE_TERMS[self]


_STATE_TERMS = {
    ApplicationState.SUBMITTED: "已申请", ApplicationState.AWAITING_CORRECTION: "待补正",
    ApplicationState.NOT_ACCEPTED: "不予受理", ApplicationState.UNDER_REVIEW: "审查中",
    ApplicationState.TESTING: "产品检验中", ApplicationState.APPROVED: "准予许可",
    ApplicationState.REFUSED: "不予许可", ApplicationState.ISSUED: "已发证",
}


@dataclass(frozen=True)
class Transition:
    actor: Actor
    sources: frozenset[ApplicationState] | frozenset[LicenceStatus]
    target: ApplicationState | LicenceStatus | None  # None: the state stays
    term: str  # the regulation's term, for the API documentation
    spec: Spec = NO_BODY  # the request: validated by it, documented from it


# --- the fields of the actions' requests ------------------------------------------------------
def _reason(name: str = "reason", zh: str = "理由", en: str = "Reason") -> Field:
    return Field(name, Kind.TEXT, zh, en, max_length=2000, example="抽查不合格")


_LEGAL_BASIS = Field("legal_basis", Kind.TEXT, "法律依据", "Legal basis", max_length=500,
                     example="《工业产品生产许可证管理条例》第四十五条")
# 行政许可法第七十八条: an application that hid facts or gave false information is refused,
# and the enterprise may not apply again for a year (certsvc.domain.bars)
_FALSE_INFORMATION = Field(
    "false_information", Kind.BOOL, "隐瞒有关情况或者提供虚假材料", "False information",
    required=False, example=False,
    help_en="the application hid facts or gave false information: no new application "
            "for the same products for a year (行政许可法第七十八条)")
_REPORT_NUMBER = Field("report_number", Kind.TEXT, "检验报告编号", "Test report number",
                       max_length=64, example="ZJ-2026-0518")
_INSTITUTION = Field("institution_id", Kind.INT, "检验机构", "Inspection institution",
                     minimum=1, example=1,
                     help_en="a filed institution of level II or above")
def _onsite(step: str) -> tuple[Field, ...]:
    """An on-site visit's record (核查 before the decision, 审查 after issue on commitment), by
    the review body assigned it: its conclusion, the reviewers who took part (two to four of
    the assignment's, by qualification number), its date."""
    return (Field("passed", Kind.BOOL, f"{step}结论：合格", "Passed", example=True),
            Field("reviewers", Kind.TEXT_LIST, f"{step}人员（审查员注册号）",
                  "Reviewers (qualification numbers)", max_length=64,
                  min_items=FEWEST_REVIEWERS, max_items=MOST_REVIEWERS,
                  example=["SC-33-2021-0012", "SC-33-2022-0031"],
                  help_en=f"{FEWEST_REVIEWERS} to {MOST_REVIEWERS} of the reviewers assigned "
                          "(条例第十五条)"),
            Field("date", Kind.DATE, f"{step}日期", "Date", required=False,
                  help_en="default today; not in the future"))


_UPLOAD = "上传 PDF、OFD、JPEG 或 PNG（每个 ≤ 10 MB）"
_UPLOAD_EN = "upload a PDF, OFD, JPEG or PNG (10 MB at most each)"
MATERIALS_SPEC = Spec((
    Field("business_licence", Kind.DOCUMENT, "营业执照复印件", "Business licence",
          example=EXAMPLE_REFERENCE, help_zh=_UPLOAD, help_en=_UPLOAD_EN),
    Field("application_form", Kind.DOCUMENT, "申请书", "Application form",
          example=EXAMPLE_REFERENCE, help_zh=_UPLOAD, help_en=_UPLOAD_EN),
    Field("commitment", Kind.DOCUMENT, "承诺书", "Commitment", example=EXAMPLE_REFERENCE,
          help_zh=_UPLOAD, help_en=_UPLOAD_EN),
    Field("renewal_commitment", Kind.TEXT, "生产条件未变的书面承诺",
          "Renewal: production conditions unchanged", required=False, max_length=2000),
))
SUPPLIED_MATERIALS_SPEC = Spec(tuple(
    Field(f.name, f.kind, f.label_zh, f.label_en, required=False, max_length=f.max_length,
          example=f.example, help_zh=f.help_zh, help_en=f.help_en)
    for f in MATERIALS_SPEC.fields))
ENTERPRISE_CHANGE_SPEC = Spec(tuple(
    Field(f.name, f.kind, f.label_zh, f.label_en, required=False, max_length=f.max_length,
          example=f.example) for f in ENTERPRISE_SPEC.fields if f.name != "uscc"))
SUSPENSION_ORDERS = ("stop_production", "rectify")
# 先核后证 (verify first: on-site verification and testing, then the licence) or 告知承诺 (the
# licence after a formal review on the enterprise's commitment, the on-site review after):
# 国发〔2018〕33号; which products may take the second path, and since when, is catalogue data.
PROCEDURES = ("verify_first", "commitment")
POST_REVIEW_LISTS = ("due", "overdue", "failed")  # the bureau's lists of those reviews
# "due within N working days" looks at most a year ahead: no clock of the procedure runs
# longer, and the working-day calendar is known only for the years the State Council has
# announced (a larger N was a 503 for a year with no calendar, found by schemathesis)
DUE_WITHIN_MAX = 250
POST_REVIEW_FINDINGS = {"false_commitment": "虚假承诺", "onsite_failed": "现场审查不合格"}
TEST_REPORT_SPEC = Spec((
    _INSTITUTION, _REPORT_NUMBER,
    Field("report", Kind.DOCUMENT, "检验合格报告", "Passing test report",
          example=EXAMPLE_REFERENCE, help_zh=_UPLOAD, help_en=_UPLOAD_EN),
))
APPLICATION_SPEC = Spec((
    Field("kind", Kind.CHOICE, "申请类型", "Kind", required=False, choices=("new", "renewal"),
          example="new", help_en="new (default), or renewal (延续)"),
    Field("bureau", Kind.TEXT, "发证机关", "Licensing bureau", required=False, max_length=100,
          example="浙江省市场监督管理局", help_en="name or code; required for a new licence"),
    Field("licence_number", Kind.LICENCE_NUMBER, "许可证编号", "Licence number",
          required=False, help_en="the licence to renew (renewal)"),
    Field("enterprise", Kind.OBJECT, "企业", "Enterprise", sub=ENTERPRISE_SPEC),
    Field("scope", Kind.UNITS, "产品单元", "Products", required=False,
          example=["架空绝缘电缆"], help_en="required for a new licence"),
    Field("materials", Kind.OBJECT, "申请材料", "Materials", sub=MATERIALS_SPEC),
    Field("procedure", Kind.CHOICE, "审批方式", "Procedure", required=False,
          choices=PROCEDURES, example="verify_first",
          help_zh="先核后证（默认），或告知承诺：形式审查合格即发证，之后现场审查",
          help_en="verify_first (先核后证, the default) or commitment (告知承诺: the licence "
                  "after a formal review, the on-site review after; needs the test report "
                  "and the public commitment)"),
    Field("test_report", Kind.OBJECT, "产品检验合格报告", "Product test report",
          required=False, sub=TEST_REPORT_SPEC,
          help_en="a passing report of a filed institution of level II or above, submitted "
                  "with the application (国发〔2018〕33号); required for commitment"),
    Field("commitment_statement", Kind.TEXT, "保证产品质量安全的承诺（公示）",
          "Public commitment to product quality and safety", required=False,
          max_length=2000, example="本企业承诺具备生产许可条件，产品符合相关标准，承诺内容真实",
          help_en="required for commitment; public on the licence page until the on-site "
                  "review"),
))


_A = ApplicationState
APPLICATION_ACTIONS: dict[str, Transition] = {
    "accept": Transition(Actor.PROVINCE, frozenset({_A.SUBMITTED}), _A.UNDER_REVIEW, "受理"),
    "refuse_acceptance": Transition(
        Actor.PROVINCE, frozenset({_A.SUBMITTED}), _A.NOT_ACCEPTED, "不予受理",
        Spec((_reason("reasons", "不予受理的理由", "Reasons"), _FALSE_INFORMATION))),
    "request_correction": Transition(
        Actor.PROVINCE, frozenset({_A.SUBMITTED}), _A.AWAITING_CORRECTION, "补正告知",
        Spec((Field("missing", Kind.TEXT_LIST, "需补正的材料", "Missing material",
                    max_length=200, example=["营业执照复印件（清晰）"]),))),
    "resubmit": Transition(
        Actor.ENTERPRISE, frozenset({_A.AWAITING_CORRECTION}), _A.SUBMITTED, "补正材料",
        Spec((Field("materials", Kind.OBJECT, "补正的材料", "Supplied material",
                    sub=SUPPLIED_MATERIALS_SPEC),))),
    "assign_review": Transition(
        Actor.PROVINCE, frozenset({_A.UNDER_REVIEW, _A.ISSUED}), None, "指派审查机构",
        Spec(ASSIGNMENT_FIELDS)),
    "record_onsite": Transition(
        Actor.REVIEW_BODY, frozenset({_A.UNDER_REVIEW}), None, "实地核查", Spec((
            *_onsite("核查"), Field("notes", Kind.TEXT, "备注", "Notes", required=False)))),
    "accept_commitment": Transition(
        Actor.PROVINCE, frozenset({_A.UNDER_REVIEW}), None, "延续承诺"),
    "choose_institution": Transition(
        Actor.ENTERPRISE, frozenset({_A.UNDER_REVIEW}), _A.TESTING, "产品检验（委托）",
        Spec((_INSTITUTION,))),
    "record_test": Transition(
        Actor.INSTITUTION, frozenset({_A.TESTING}), _A.UNDER_REVIEW, "产品检验（结论）",
        Spec((Field("passed", Kind.BOOL, "检验结论：合格", "Passed", example=True),
              _REPORT_NUMBER,
              Field("report", Kind.DOCUMENT, "检验报告", "Test report",
                    example=EXAMPLE_REFERENCE, help_zh="PDF、OFD、JPEG 或 PNG，10 MB 以内",
                    help_en="the signed report: PDF, OFD, JPEG or PNG, 10 MB at most")))),
    "exempt_testing": Transition(
        Actor.PROVINCE, frozenset({_A.UNDER_REVIEW}), None, "免于产品检验",
        Spec((Field("spot_check_id", Kind.INT, "监督抽查", "Spot check", minimum=1,
                    example=1, help_en="a passed provincial or national spot check of the "
                                       "register, within six months, covering the scope"),))),
    "accept_prior_report": Transition(
        Actor.PROVINCE, frozenset({_A.UNDER_REVIEW}), None, "核查前委托检验报告", Spec((
            _INSTITUTION,
            Field("commissioned", Kind.DATE, "委托日期", "Commissioned on",
                  example="2026-05-20", help_en="before the on-site verification"),
            Field("passed", Kind.BOOL, "检验结论：合格", "Passed", example=True),
            _REPORT_NUMBER))),
    "approve": Transition(Actor.PROVINCE, frozenset({_A.UNDER_REVIEW}), _A.APPROVED, "准予许可"),
    "refuse": Transition(
        Actor.PROVINCE, frozenset({_A.UNDER_REVIEW, _A.TESTING}), _A.REFUSED, "不予许可",
        Spec((_reason("reasons", "不予许可的理由", "Reasons"), _FALSE_INFORMATION))),
    "issue": Transition(Actor.PROVINCE, frozenset({_A.APPROVED}), _A.ISSUED, "发证"),
    "record_post_review": Transition(
        Actor.REVIEW_BODY, frozenset({_A.ISSUED}), None, "后置现场审查", Spec((
            *_onsite("审查"),
            Field("finding", Kind.CHOICE, "不合格情形", "Finding", required=False,
                  choices=tuple(POST_REVIEW_FINDINGS),
                  help_en="when failed: false_commitment (虚假承诺) or onsite_failed "
                          "(现场审查不合格); the licence is revoked"),
            Field("notes", Kind.TEXT, "说明", "Notes", required=False)))),
}

_L = LicenceStatus
_IN_FORCE = frozenset({_L.VALID, _L.SUSPENDED})
_REASON = Spec((_reason(),))
_WITH_BASIS = Spec((_reason(), _LEGAL_BASIS))
REVOCATION_GROUNDS = {"deceit": "以欺骗、贿赂等不正当手段取得", "other": "其他依法撤销的情形"}
_REVOCATION = Spec((_reason(), _LEGAL_BASIS, Field(
    "ground", Kind.CHOICE, "撤销情形", "Ground", required=False,
    choices=tuple(REVOCATION_GROUNDS), example="other",
    help_en="deceit (以欺骗、贿赂等不正当手段取得, a false commitment included): no new "
            "application for the same products for 3 years (行政许可法第七十九条); "
            "default other")))
LICENCE_ACTIONS: dict[str, Transition] = {
    "change": Transition(Actor.PROVINCE, _IN_FORCE, None, "变更", Spec((
        Field("enterprise", Kind.OBJECT, "企业信息", "Enterprise", required=False,
              sub=ENTERPRISE_CHANGE_SPEC),
        Field("scope", Kind.UNITS, "产品单元", "Products", required=False,
              example=["架空绝缘电缆"])))),
    "suspend": Transition(Actor.BUREAU, frozenset({_L.VALID}), _L.SUSPENDED,
                          "责令停产 / 限期整改", Spec((
                              Field("order", Kind.CHOICE, "措施", "Order",
                                    choices=SUSPENSION_ORDERS, example="stop_production",
                                    help_en="stop_production (责令停产) or rectify (限期整改)"),
                              _reason(),
                              Field("deadline", Kind.DATE, "整改期限", "Deadline",
                                    required=False, help_en="required for rectify")))),
    "lift_suspension": Transition(Actor.BUREAU, frozenset({_L.SUSPENDED}), _L.VALID,
                                  "恢复生产（整改合格）", _REASON),
    "revoke": Transition(Actor.BUREAU, _IN_FORCE, _L.REVOKED, "撤销", _REVOCATION),
    "penalty_revoke": Transition(Actor.BUREAU, _IN_FORCE, _L.REVOKED, "吊销", _WITH_BASIS),
    "cancel": Transition(Actor.BUREAU, _IN_FORCE, _L.CANCELLED, "注销（依职权）", _REASON),
    "request_cancellation": Transition(Actor.ENTERPRISE, _IN_FORCE, _L.CANCELLED,
                                       "注销（企业申请）", _REASON),
    "no_longer_required": Transition(Actor.NATIONAL, _IN_FORCE, _L.NOT_REQUIRED,
                                     "目录调整，不再实行许可", _REASON),
}
# An expired licence is no longer in force; the only thing left to do is to cancel it.
EXPIRED_ACTIONS = ("cancel", "request_cancellation")


class InvalidTransition(Conflict):
    type = "invalid-transition"
    title = "Not allowed in the current state"

    def __init__(self, detail: str, current: str, allowed: list[str]) -> None:
        super().__init__(detail, current_state=current, allowed_actions=allowed)


def allowed_application_actions(state: ApplicationState) -> list[str]:
    return [name for name, t in APPLICATION_ACTIONS.items() if state in t.sources]


def allowed_licence_actions(status: LicenceStatus, expired: bool) -> list[str]:
    if expired and status in _IN_FORCE:
        return list(EXPIRED_ACTIONS)
    return [name for name, t in LICENCE_ACTIONS.items() if status in t.sources]


def application_transition(state: ApplicationState, action: str) -> ApplicationState:
    """The state after ``action``; raises InvalidTransition when ``state`` does not allow it."""
    transition = APPLICATION_ACTIONS.get(action)
    allowed = allowed_application_actions(state)
    if transition is None or state not in transition.sources:
        raise InvalidTransition(
            f"an application that is {state.value} does not allow {action!r}",
            state.value, allowed)
    target = transition.target
    assert target is None or isinstance(target, ApplicationState)
    return target or state


def licence_transition(status: LicenceStatus, expired: bool, action: str) -> LicenceStatus:
    """The status after ``action``; raises InvalidTransition when it is not allowed."""
    transition = LICENCE_ACTIONS.get(action)
    allowed = allowed_licence_actions(status, expired)
    current = "expired" if expired and status in _IN_FORCE else status.value
    if transition is None or action not in allowed:
        raise InvalidTransition(
            f"a licence that is {current} does not allow {action!r}", current, allowed)
    target = transition.target
    assert target is None or isinstance(target, LicenceStatus)
    return target or status
