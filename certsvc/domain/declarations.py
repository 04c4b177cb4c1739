"""An enterprise's standards self-declaration (标准自我声明) and public commitment (公开承诺).

For each licensed product unit the enterprise declares the standards it applies; where one of
them is its own enterprise standard (Q/…) it also declares the key performance indicators and
whether they fall below the corresponding recommended standard. The commitment is the
enterprise's public promise to keep product quality, obey the licence rules and bear primary
responsibility for safety.

    >>> content = parse_declaration({"items": [{"unit": "架空绝缘电缆",
    ...     "standards": ["GB/T 12527-2008"]}], "commitment": STANDARD_COMMITMENT})
    >>> content.items[0].standards[0].canonical
    'GB/T 12527-2008'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from certsvc.domain.catalogue import Unit, catalogue
from certsvc.domain.fields import boolean, obj, text
from certsvc.domain.standards import Standard, StandardKind, parse_standard
from certsvc.errors import ValidationError

MAX_ITEMS = 32
MAX_STANDARDS = 10
MAX_INDICATORS = 30
STANDARD_COMMITMENT = (
    "本企业承诺：严格按照所声明的标准组织生产，保证产品质量；遵守工业产品生产许可管理规定；"
    "依法承担产品质量安全主体责任，接受社会监督。")


@dataclass(frozen=True)
class Indicator:
    name: str
    value: str


@dataclass(frozen=True)
class DeclaredItem:
    unit: Unit
    standards: tuple[Standard, ...]
    indicators: tuple[Indicator, ...]  # only with an enterprise standard
    below_recommended: bool | None  # only with an enterprise standard

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "unit": {"id": self.unit.id, "name": self.unit.name},
            "standards": [{"number": s.canonical, "kind": s.kind.value,
                           "recommended": s.recommended} for s in self.standards],
        }
        if self.indicators:
            body["enterprise_standard"] = {
                "indicators": [{"name": i.name, "value": i.value} for i in self.indicators],
                "below_recommended": self.below_recommended}
        return body


@dataclass(frozen=True)
class DeclarationContent:
    items: tuple[DeclaredItem, ...]
    commitment: str

    def to_json(self) -> dict[str, Any]:
        return {"items": [item.to_json() for item in self.items],
                "commitment": self.commitment}


def parse_declaration(data: Any) -> DeclarationContent:
    body = obj(data, "declaration")
    raw_items = body.get("items")
    if not isinstance(raw_items, list) or not raw_items:
        raise ValidationError("items", "must list at least one licensed product unit")
    if len(raw_items) > MAX_ITEMS:
        raise ValidationError("items", f"has more than {MAX_ITEMS} units")
    items = [_item(raw, f"items[{i}]") for i, raw in enumerate(raw_items)]
    if len({item.unit.id for item in items}) != len(items):
        raise ValidationError("items", "declares a unit twice")
    commitment = text(body.get("commitment"), "commitment", 2000)
    return DeclarationContent(tuple(items), commitment)


def _item(raw: Any, field: str) -> DeclaredItem:
    item = obj(raw, field)
    ref = item.get("unit")
    if not isinstance(ref, str | int):
        raise ValidationError(f"{field}.unit", "must be a catalogue unit name or id")
    unit = catalogue().resolve(ref, f"{field}.unit")
    numbers = item.get("standards")
    if not isinstance(numbers, list) or not numbers or len(numbers) > MAX_STANDARDS:
        raise ValidationError(f"{field}.standards",
                              f"must list 1–{MAX_STANDARDS} standard numbers")
    standards = tuple(parse_standard(n, f"{field}.standards[{i}]")
                      for i, n in enumerate(numbers))
    if len({s.canonical for s in standards}) != len(standards):
        raise ValidationError(f"{field}.standards", "lists a standard twice")
    own = any(s.kind is StandardKind.ENTERPRISE for s in standards)
    extra = item.get("enterprise_standard")
    if not own:
        if extra is not None:
            raise ValidationError(f"{field}.enterprise_standard",
                                  "is only for an item that declares an enterprise standard")
        return DeclaredItem(unit, standards, (), None)
    details = obj(extra, f"{field}.enterprise_standard")
    raw_indicators = details.get("indicators")
    where = f"{field}.enterprise_standard.indicators"
    if not isinstance(raw_indicators, list) or not 0 < len(raw_indicators) <= MAX_INDICATORS:
        raise ValidationError(where, f"must list 1–{MAX_INDICATORS} key performance "
                                     "indicators of the enterprise standard")
    indicators = tuple(
        Indicator(text(obj(r, f"{where}[{i}]").get("name"), f"{where}[{i}].name", 100),
                  text(r.get("value"), f"{where}[{i}].value", 200))
        for i, r in enumerate(raw_indicators))
    below = boolean(details.get("below_recommended"),
                    f"{field}.enterprise_standard.below_recommended")
    return DeclaredItem(unit, standards, indicators, below)
