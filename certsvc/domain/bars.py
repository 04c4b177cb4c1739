"""Statutory bars: the years in which the law forbids an enterprise to apply again.

Three decisions bring one, each for the products it concerned (the numbers and their sources
are in the catalogue data file, key ``procedure``):

- 吊销 (``penalty_revoke``): the same products, 3 years (条例);
- 撤销 of a licence obtained by deceit, bribery or a false commitment: 3 years
  (行政许可法第七十九条);
- 不予受理 or 不予许可 of an application that hid facts or gave false information: 1 year
  (行政许可法第七十八条).

A bar runs from the decision's day (China time) to the same day ``years`` later, which is
the first day an application is taken again; a 29 February ends on 28 February.

    >>> import datetime as dt
    >>> bar_until("deceit", dt.date(2024, 2, 29))
    datetime.date(2027, 2, 28)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from certsvc.domain.catalogue import procedure_rules
from certsvc.errors import Conflict


@dataclass(frozen=True)
class BarRule:
    kind: str
    decision: str  # the decision that brings it, in the law's words
    source: str


BAR_RULES = {rule.kind: rule for rule in (
    BarRule("penalty_revocation", "吊销生产许可证", "条例第五十五条"),
    BarRule("deceit", "以欺骗、贿赂等不正当手段取得（含虚假承诺）而撤销", "行政许可法第七十九条"),
    BarRule("false_information", "隐瞒有关情况或者提供虚假材料而不予受理或者不予许可",
            "行政许可法第七十八条"),
)}


class StatutoryBar(Conflict):
    """An application the law bars for a time (409): the detail names the rule, its
    source, the decision that brought it and the day applications are taken again."""

    type = "statutory-bar"
    title = "The law bars this application for a time"


def bar_years(kind: str) -> int:
    rules = procedure_rules()
    return {"penalty_revocation": rules.bar_after_penalty_revocation_years,
            "deceit": rules.bar_after_deceit_years,
            "false_information": rules.bar_after_false_information_years}[kind]


def bar_until(kind: str, since: dt.date) -> dt.date:
    """The first day after the bar: ``since`` plus the rule's years."""
    years = bar_years(kind)
    try:
        return since.replace(year=since.year + years)
    except ValueError:  # 29 February
        return since.replace(year=since.year + years, day=28)


def refusal(kind: str, subject: str, since: dt.date, until: dt.date,
            products: list[str]) -> StatutoryBar:
    rule = BAR_RULES[kind]
    return StatutoryBar(
        f"{rule.source}: after {rule.decision} ({subject}, {since}), the enterprise may not "
        f"apply for {'、'.join(products)} for {bar_years(kind)} year(s): applications are "
        f"taken again from {until}")
