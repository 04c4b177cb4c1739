"""The product catalogue: products under licence and their units (产品单元).

Tokens carry unit ids (small integers) rather than names; the catalogue — a versioned data
file shipped with certsvc — turns them back into names. Ids are stable: a unit withdrawn
from the catalogue keeps its id, stays resolvable and is marked withdrawn.

The procedure changed over the years (who approves, whether a licence may be issued on the
enterprise's commitment), so each product carries its rules with the date each holds from
and its source; an application follows the rule of the day it was submitted.

    >>> unit_by_name("架空绝缘电缆").product.name
    '电线电缆'
    >>> fertiliser = unit_by_name("复混肥料").product
    >>> [fertiliser.rule_on(dt.date(2024, 9, d)).commitment for d in (24, 25)]
    [True, False]
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from certsvc.domain.fields import digits
from certsvc.domain.text import normalise
from certsvc.errors import ValidationError

APPROVERS = ("national", "provincial")


@dataclass(frozen=True)
class Rule:
    """How a product is licensed from a date on (until the next rule's date)."""

    since: dt.date
    approver: str  # "national" | "provincial": which bureau decides
    commitment: bool  # the 告知承诺 path is open: issue on commitment, on-site review after
    renewal_commitment: bool  # a renewal may rest on a written commitment, no on-site visit
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Product:
    code: str  # "06-001": the category and product parts of a licence number
    name: str
    name_en: str
    category: str
    withdrawn: dt.date | None
    rules: tuple[Rule, ...] = ()  # oldest first

    def rule_on(self, day: dt.date) -> Rule | None:
        """The rule in force on ``day``; None before the product came under licence."""
        found = None
        for rule in self.rules:
            if rule.since <= day:
                found = rule
        return found

    @property
    def category_number(self) -> int:
        return int(self.code[:2])

    @property
    def product_number(self) -> int:
        return int(self.code[3:])


@dataclass(frozen=True)
class Unit:
    id: int
    name: str
    name_en: str
    product: Product
    withdrawn: dt.date | None
    listed: dt.date | None = None  # came under licence after its product did

    def is_withdrawn(self, on: dt.date) -> bool:
        return self.withdrawn is not None and self.withdrawn <= on

    def is_listed(self, on: dt.date) -> bool:
        """Under licence on ``on``: its product's rules have begun, it is not withdrawn."""
        return (self.product.rule_on(on) is not None and not self.is_withdrawn(on)
                and (self.listed is None or self.listed <= on))


@dataclass(frozen=True)
class ProcedureRules:
    """The catalogue-wide numbers of the procedure, each with its source in the data file."""

    onsite_review_working_days: int
    commitment_bar_months: int
    testing_exemption_months: int
    max_testing_level: int
    renewal_deadline_months: int
    renewal_window_months: int
    onsite_reviewers: tuple[int, int]  # the fewest and the most per on-site visit
    bar_after_penalty_revocation_years: int
    bar_after_deceit_years: int
    bar_after_false_information_years: int
    certificate_working_days: int
    correction_notice_working_days: int


@dataclass(frozen=True)
class Catalogue:
    version: str
    products: tuple[Product, ...]
    units: dict[int, Unit]
    procedure: ProcedureRules

    def unit(self, unit_id: int) -> Unit:
        try:
            return self.units[unit_id]
        except KeyError:
            raise ValidationError("scope", f"unit id {unit_id} is not in the catalogue") from None

    def unit_by_name(self, name: str, field: str = "scope") -> Unit:
        key = normalise(name)
        for unit in self.units.values():
            if unit.name == key or unit.name_en.lower() == key.lower():
                return unit
        raise ValidationError(field, f"{name!r} is not a product unit in the catalogue")

    def resolve(self, ref: str | int, field: str = "scope") -> Unit:
        """A unit by id (int or digits) or by Chinese or English name."""
        if isinstance(ref, int) and not isinstance(ref, bool):
            return self.unit(ref)
        if isinstance(ref, str):
            unit_id = digits(normalise(ref))
            if unit_id is not None:
                return self.unit(unit_id)
            return self.unit_by_name(ref, field)
        raise ValidationError(field, "a unit is a name or an id")


def _date(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _rules(entry: dict[str, Any], sources: dict[str, str]) -> tuple[Rule, ...]:
    rules = tuple(Rule(dt.date.fromisoformat(r["from"]), r["approver"], r["commitment"],
                       r["renewal_commitment"], tuple(r["source"])) for r in entry["rules"])
    for rule in rules:
        if rule.approver not in APPROVERS or not rule.sources:
            raise ValueError(f"catalogue: {entry['code']}: a rule needs an approver and a source")
        unknown = [s for s in rule.sources if s not in sources]
        if unknown:
            raise ValueError(f"catalogue: {entry['code']}: unknown sources {unknown}")
    if not rules or list(rules) != sorted(rules, key=lambda r: r.since):
        raise ValueError(f"catalogue: {entry['code']}: rules must be given, oldest first")
    return rules


def _load(raw: dict[str, Any]) -> Catalogue:
    products = []
    units: dict[int, Unit] = {}
    for entry in raw["products"]:
        product = Product(
            entry["code"], entry["name"], entry["name_en"], entry["category"],
            _date(entry.get("withdrawn")), _rules(entry, raw["sources"]),
        )
        products.append(product)
        for u in entry["units"]:
            if u["id"] in units:
                raise ValueError(f"catalogue: duplicate unit id {u['id']}")
            withdrawn = _date(u.get("withdrawn")) or product.withdrawn
            units[u["id"]] = Unit(u["id"], u["name"], u["name_en"], product, withdrawn,
                                  _date(u.get("listed")))
    numbers: dict[str, Any] = {k: tuple(v["value"]) if isinstance(v["value"], list)
                               else v["value"] for k, v in raw["procedure"].items()}
    procedure = ProcedureRules(**numbers)
    return Catalogue(raw["version"], tuple(products), units, procedure)


@cache
def catalogue() -> Catalogue:
    """The catalogue shipped with this version of certsvc."""
    text = resources.files("certsvc.domain").joinpath("data/catalogue.json").read_text("utf-8")
    return _load(json.loads(text))


@cache
def product_codes() -> frozenset[str]:
    """Every product code of the catalogue, withdrawn ones included (a licence number's
    category and product parts name one of them)."""
    return frozenset(p.code for p in catalogue().products)


def procedure_rules() -> ProcedureRules:
    return catalogue().procedure


def unit_by_name(name: str) -> Unit:
    return catalogue().unit_by_name(name)


def scope_of(value: Any) -> tuple[Unit, ...]:
    """Catalogue units from a list of names or ids: sorted, without repeats."""
    if not isinstance(value, list) or not value:
        raise ValidationError("scope", "must be a non-empty list of product units")
    units = tuple(catalogue().resolve(ref, f"scope[{i}]") for i, ref in enumerate(value))
    if len({u.id for u in units}) != len(units):
        raise ValidationError("scope", "lists a unit twice")
    return tuple(sorted(units, key=lambda u: u.id))
