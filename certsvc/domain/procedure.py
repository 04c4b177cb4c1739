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
from dataclasses import dataclass
from typing import Any

from certsvc.domain.bureaus import Bureau
from certsvc.domain.catalogue import Rule, Unit, procedure_rules
from certsvc.domain.time import months_before
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


@dataclass(frozen=True)
class RenewalWindow:
    """The days a renewal (延续) of a licence valid until ``valid_until`` may be filed on,
    both included: from ``opens`` (certsvc's setting) to ``closes``, 6 months before expiry
    (条例第二十五条); the numbers and their sources are in the catalogue data file."""

    opens: dt.date
    closes: dt.date

    @classmethod
    def of(cls, valid_until: dt.date) -> RenewalWindow:
        rules = procedure_rules()
        return cls(months_before(valid_until, rules.renewal_window_months),
                   months_before(valid_until, rules.renewal_deadline_months))


def check_renewable(valid_until: dt.date, today: dt.date) -> RenewalWindow:
    """A renewal filed ``today`` of a licence valid until ``valid_until`` is in its window;
    ProcedureClosed says which limit it is outside of, and what to do instead.

    >>> check_renewable(dt.date(2027, 3, 14), dt.date(2026, 9, 14)).closes
    datetime.date(2026, 9, 14)
    >>> check_renewable(dt.date(2027, 3, 14), dt.date(2026, 9, 15))
    Traceback (most recent call last):
    ...
    certsvc.domain.procedure.ProcedureClosed: a renewal is filed by 2026-09-14, 6 months ...
    """
    window = RenewalWindow.of(valid_until)
    rules = procedure_rules()
    if today > valid_until:
        raise ProcedureClosed(
            f"the licence expired on {valid_until}: an expired licence is not renewed but "
            "cancelled (行政许可法第七十条); apply for a new licence, which gets a new number")
    if today > window.closes:
        raise ProcedureClosed(
            f"a renewal is filed by {window.closes}, {rules.renewal_deadline_months} months "
            f"before the licence expires on {valid_until} (条例第二十五条); apply for a new "
            "licence instead")
    if today < window.opens:
        raise ProcedureClosed(
            f"a renewal may be filed from {window.opens}, {rules.renewal_window_months} months "
            f"before the licence expires on {valid_until} (certsvc's setting: see the "
            "catalogue data file), not earlier: its new term runs from that expiry")
    return window
