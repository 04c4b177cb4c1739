"""Which procedure an application follows: the catalogue's rules on the day it was submitted.

Who decides (the national authority or the province) and whether the 告知承诺 path is open
changed over the years (国发〔2018〕33号, the 2019 delegation, 国发〔2024〕11号); the catalogue
data file holds each rule with its date and source. An application takes the rules of its
submission day and keeps them in its review, so the licence it ends in keeps the rules it was
issued under whatever the catalogue says later.

    >>> import datetime as dt
    >>> from certsvc.domain.bureaus import find_bureau
    >>> from certsvc.domain.catalogue import scope_of
    >>> fertiliser = scope_of(["复混肥料"])
    >>> choose(fertiliser, find_bureau("浙"), dt.date(2024, 9, 1), "commitment")["path"]
    'commitment'
    >>> choose(fertiliser, find_bureau("浙"), dt.date(2024, 9, 25), "commitment")
    Traceback (most recent call last):
    ...
    certsvc.domain.procedure.ProcedureClosed: 告知承诺 is not open for 化肥 on 2024-09-25 ...
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from certsvc.domain.bureaus import Bureau
from certsvc.domain.catalogue import Rule, Unit
from certsvc.errors import Conflict, ValidationError


class ProcedureClosed(Conflict):
    """The rules of the day do not allow what the application asks (409: the request is
    well formed; the law says no, and the detail says which rule)."""

    type = "procedure-closed"
    title = "Not allowed by the rules in force"


def rules_of(scope: tuple[Unit, ...], day: dt.date) -> dict[str, Rule]:
    """The rule of each product of the scope on ``day``, by product code; a unit not under
    licence that day is the caller's error."""
    rules: dict[str, Rule] = {}
    for unit in scope:
        rule = unit.product.rule_on(day)
        if rule is None or not unit.is_listed(day):
            raise ValidationError("scope", f"{unit.name} is not under licence on {day} "
                                           "(see the catalogue's dates)")
        rules[unit.product.code] = rule
    return rules


def choose(scope: tuple[Unit, ...], bureau: Bureau, day: dt.date,
           requested: str | None) -> dict[str, Any]:
    """The procedure of an application submitted on ``day`` to ``bureau``: checked against
    the rules of that day, returned as the record the application keeps."""
    rules = rules_of(scope, day)
    names = {u.product.code: u.product.name for u in scope}
    approver = "national" if bureau.is_national else "provincial"
    for code, rule in rules.items():
        if rule.approver != approver:
            who = ("the national authority" if rule.approver == "national"
                   else "the provincial bureau; the national authority no longer approves")
            raise ProcedureClosed(
                f"{names[code]} is approved by {who} on {day} "
                f"(rule of {rule.since}: {', '.join(rule.sources)})")
    path = requested or "verify_first"
    if path == "commitment":
        for code, rule in rules.items():
            if not rule.commitment:
                raise ProcedureClosed(
                    f"告知承诺 is not open for {names[code]} on {day} (rule of {rule.since}: "
                    f"{', '.join(rule.sources)}); apply with procedure verify_first")
    return {"path": path, "on": day.isoformat(), "rules": {
        code: {"since": rule.since.isoformat(), "approver": rule.approver,
               "commitment": rule.commitment, "renewal_commitment": rule.renewal_commitment,
               "sources": list(rule.sources)} for code, rule in sorted(rules.items())}}


def renewal_commitment_open(procedure: dict[str, Any]) -> str | None:
    """None when every product's rule kept by the application lets a renewal rest on a
    written commitment; else the product code whose rule does not (化肥 since 2024)."""
    for code, rule in procedure["rules"].items():
        if not rule["renewal_commitment"]:
            return str(code)
    return None
