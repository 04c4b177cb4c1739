"""Who is signed in, and what the console offers them: the checks every page starts with.
(The workflow checks again when an action is taken; these only decide what is shown.)"""

from __future__ import annotations

from typing import Any

from flask import g, redirect
from werkzeug.wrappers import Response as BaseResponse

from certsvc.domain.accounts import Principal
from certsvc.domain.catalogue import Unit, catalogue
from certsvc.domain.lifecycle import Transition
from certsvc.domain.time import china_date, utcnow
from certsvc.errors import Forbidden
from certsvc.workflow.authz import require
from certsvc.workflow.signin import Session


def may(principal: Principal, transition: Transition, item: dict[str, Any]) -> bool:
    """Whether the account may take this action on the application (the workflow checks
    again when it does): only those forms are shown."""
    try:
        require(principal, transition.actor, bureau_code=item["bureau_code"],
                uscc=item["enterprise"]["uscc"], institution_id=item["institution_id"],
                review_body_id=item.get("review_body_id"))
    except Forbidden:
        return False
    return True


def units() -> list[Unit]:
    """The catalogue's units under licence today (the ones that may be applied for), in
    catalogue order."""
    today = china_date(utcnow())
    return [u for u in catalogue().units.values() if u.is_listed(today)]


def signed_in() -> Session | BaseResponse:
    """The session of a fully signed-in account, or where to go instead."""
    session: Session | None = g.session
    if session is None:
        return redirect("/console/sign-in", 303)
    if not session.second_factor_done:
        return redirect("/console/second-factor", 303)
    return session
