"""The product catalogue: products under licence and their units (产品单元).

Tokens carry unit ids (small integers) rather than names; the catalogue — a versioned data
file shipped with certsvc — turns them back into names. Ids are stable: a unit withdrawn
from the catalogue keeps its id, stays resolvable and is marked withdrawn.

    >>> unit_by_name("架空绝缘电缆").product.name
    '电线电缆'
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


@dataclass(frozen=True)
class Product:
    code: str  # "06-001": the category and product parts of a licence number
    name: str
    name_en: str
    category: str
    withdrawn: dt.date | None

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

    def is_withdrawn(self, on: dt.date) -> bool:
        return self.withdrawn is not None and self.withdrawn <= on


@dataclass(frozen=True)
class Catalogue:
    version: str
    products: tuple[Product, ...]
    units: dict[int, Unit]

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


def _load(raw: dict[str, Any]) -> Catalogue:
    products = []
    units: dict[int, Unit] = {}
    for entry in raw["products"]:
        product = Product(
            entry["code"], entry["name"], entry["name_en"], entry["category"],
            _date(entry.get("withdrawn")),
        )
        products.append(product)
        for u in entry["units"]:
            if u["id"] in units:
                raise ValueError(f"catalogue: duplicate unit id {u['id']}")
            withdrawn = _date(u.get("withdrawn")) or product.withdrawn
            units[u["id"]] = Unit(u["id"], u["name"], u["name_en"], product, withdrawn)
    return Catalogue(raw["version"], tuple(products), units)


@cache
def catalogue() -> Catalogue:
    """The catalogue shipped with this version of certsvc."""
    text = resources.files("certsvc.domain").joinpath("data/catalogue.json").read_text("utf-8")
    return _load(json.loads(text))


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
