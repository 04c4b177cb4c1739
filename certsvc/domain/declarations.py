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

from certsvc.domain.catalogue import Unit
from certsvc.domain.specs import Field, Kind, Spec, Values
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


INDICATOR_SPEC = Spec((
    Field("name", Kind.TEXT, "指标", "Indicator", max_length=100, example="导体电阻"),
    Field("value", Kind.TEXT, "指标值", "Value", max_length=200, example="≤0.125 Ω/km"),
))
ENTERPRISE_STANDARD_SPEC = Spec((
    Field("indicators", Kind.LIST, "关键性能指标", "Key performance indicators",
          sub=INDICATOR_SPEC, max_items=MAX_INDICATORS),
    Field("below_recommended", Kind.BOOL, "低于推荐性标准", "Below the recommended standard",
          example=False),
))
ITEM_SPEC = Spec((
    Field("unit", Kind.UNIT, "产品单元", "Product unit", example="架空绝缘电缆",
          help_en="a unit of a licence of yours in force"),
    Field("standards", Kind.TEXT_LIST, "执行标准", "Standards applied", max_length=64,
          max_items=MAX_STANDARDS, example=["GB/T 12527-2008"],
          help_zh="如 GB/T 12527-2008；企业标准 Q/…", help_en="e.g. GB/T 12527-2008; an "
          "enterprise standard Q/…"),
    Field("enterprise_standard", Kind.OBJECT, "企业标准", "Enterprise standard",
          required=False, sub=ENTERPRISE_STANDARD_SPEC,
          help_en="only, and then required, with an enterprise standard (Q/…)"),
))
DECLARATION_SPEC = Spec((
    Field("items", Kind.LIST, "声明的产品", "Declared products", sub=ITEM_SPEC,
          max_items=MAX_ITEMS),
    Field("commitment", Kind.TEXT, "公开承诺", "Public commitment", max_length=2000,
          example=STANDARD_COMMITMENT),
))


def parse_declaration(data: Any) -> DeclarationContent:
    """The declaration's spec, then its rules across fields: each unit once, each standard
    once, and the indicators exactly when an enterprise standard is declared."""
    values = DECLARATION_SPEC.parse(data)
    items = [_item(raw, f"items[{i}]") for i, raw in enumerate(values["items"])]
    if len({item.unit.id for item in items}) != len(items):
        raise ValidationError("items", "declares a unit twice")
    return DeclarationContent(tuple(items), values.commitment)


def _item(values: Values, field: str) -> DeclaredItem:
    standards = tuple(parse_standard(n, f"{field}.standards[{i}]")
                      for i, n in enumerate(values.standards))
    if len({s.canonical for s in standards}) != len(standards):
        raise ValidationError(f"{field}.standards", "lists a standard twice")
    own = any(s.kind is StandardKind.ENTERPRISE for s in standards)
    extra = values.enterprise_standard
    if not own:
        if extra is not None:
            raise ValidationError(f"{field}.enterprise_standard",
                                  "is only for an item that declares an enterprise standard")
        return DeclaredItem(values.unit, standards, (), None)
    if extra is None:
        raise ValidationError(f"{field}.enterprise_standard",
                              "is required with an enterprise standard (Q/…): its key "
                              "performance indicators")
    indicators = tuple(Indicator(i.name, i.value) for i in extra.indicators)
    return DeclaredItem(values.unit, standards, indicators, extra.below_recommended)
