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

from certsvc.domain.licence import LicenceStatus
from certsvc.errors import Conflict


class Actor(enum.Enum):
    """Which side of the procedure performs an action (roles map onto these)."""

    BUREAU = "bureau"
    ENTERPRISE = "enterprise"
    INSTITUTION = "institution"
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


@dataclass(frozen=True)
class Transition:
    actor: Actor
    sources: frozenset[ApplicationState] | frozenset[LicenceStatus]
    target: ApplicationState | LicenceStatus | None  # None: the state stays
    term: str  # the regulation's term, for the API documentation


_A = ApplicationState
APPLICATION_ACTIONS: dict[str, Transition] = {
    "accept": Transition(Actor.BUREAU, frozenset({_A.SUBMITTED}), _A.UNDER_REVIEW, "受理"),
    "refuse_acceptance": Transition(
        Actor.BUREAU, frozenset({_A.SUBMITTED}), _A.NOT_ACCEPTED, "不予受理"),
    "request_correction": Transition(
        Actor.BUREAU, frozenset({_A.SUBMITTED}), _A.AWAITING_CORRECTION, "补正告知"),
    "resubmit": Transition(
        Actor.ENTERPRISE, frozenset({_A.AWAITING_CORRECTION}), _A.SUBMITTED, "补正材料"),
    "record_onsite": Transition(
        Actor.BUREAU, frozenset({_A.UNDER_REVIEW}), None, "实地核查"),
    "accept_commitment": Transition(
        Actor.BUREAU, frozenset({_A.UNDER_REVIEW}), None, "延续承诺"),
    "choose_institution": Transition(
        Actor.ENTERPRISE, frozenset({_A.UNDER_REVIEW}), _A.TESTING, "产品检验（委托）"),
    "record_test": Transition(
        Actor.INSTITUTION, frozenset({_A.TESTING}), _A.UNDER_REVIEW, "产品检验（结论）"),
    "exempt_testing": Transition(
        Actor.BUREAU, frozenset({_A.UNDER_REVIEW}), None, "免于产品检验"),
    "accept_prior_report": Transition(
        Actor.BUREAU, frozenset({_A.UNDER_REVIEW}), None, "核查前委托检验报告"),
    "approve": Transition(Actor.BUREAU, frozenset({_A.UNDER_REVIEW}), _A.APPROVED, "准予许可"),
    "refuse": Transition(
        Actor.BUREAU, frozenset({_A.UNDER_REVIEW, _A.TESTING}), _A.REFUSED, "不予许可"),
    "issue": Transition(Actor.BUREAU, frozenset({_A.APPROVED}), _A.ISSUED, "发证"),
}

_L = LicenceStatus
_IN_FORCE = frozenset({_L.VALID, _L.SUSPENDED})
LICENCE_ACTIONS: dict[str, Transition] = {
    "change": Transition(Actor.BUREAU, _IN_FORCE, None, "变更"),
    "suspend": Transition(Actor.BUREAU, frozenset({_L.VALID}), _L.SUSPENDED,
                          "责令停产 / 限期整改"),
    "lift_suspension": Transition(Actor.BUREAU, frozenset({_L.SUSPENDED}), _L.VALID,
                                  "恢复生产（整改合格）"),
    "revoke": Transition(Actor.BUREAU, _IN_FORCE, _L.REVOKED, "撤销"),
    "penalty_revoke": Transition(Actor.BUREAU, _IN_FORCE, _L.REVOKED, "吊销"),
    "cancel": Transition(Actor.BUREAU, _IN_FORCE, _L.CANCELLED, "注销（依职权）"),
    "request_cancellation": Transition(Actor.ENTERPRISE, _IN_FORCE, _L.CANCELLED,
                                       "注销（企业申请）"),
    "no_longer_required": Transition(Actor.NATIONAL, _IN_FORCE, _L.NOT_REQUIRED,
                                     "目录调整，不再实行许可"),
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
