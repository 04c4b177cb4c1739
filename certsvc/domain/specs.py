"""One declared request spec per action: fields, types, required, limits, choices, help.

The same spec validates a request (:meth:`Spec.parse` gives the step typed values, every
failure a ValidationError naming its field), describes it in the OpenAPI document
(:meth:`Spec.json_schema`), and will lay out the console's forms (labels and help in Chinese
and English). Rules that tie fields together, or that need the database, stay in the step.

    >>> REASON = Spec((Field("reason", Kind.TEXT, "理由", "Reason", max_length=20),))
    >>> REASON.parse({"reason": " 抽查不合格 "}).reason
    '抽查不合格'
    >>> REASON.parse({})
    Traceback (most recent call last):
    ...
    certsvc.errors.ValidationError: reason: is required
    >>> REASON.json_schema()["required"]
    ['reason']
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from certsvc.domain.catalogue import catalogue, scope_of
from certsvc.domain.documents import digest_of
from certsvc.domain.fields import boolean, choice, date, integer, moment, obj, text, text_list
from certsvc.domain.licence_number import LicenceNumber
from certsvc.domain.uscc import validate_uscc
from certsvc.errors import ValidationError

_PRINTABLE = "^[^\\u0000-\\u001f]*[^\\s\\u0000-\\u001f][^\\u0000-\\u001f]*$"


class Kind(enum.Enum):
    TEXT = "text"
    TEXT_LIST = "text_list"
    DATE_LIST = "date_list"  # dates YYYY-MM-DD, min_items to max_items
    DATE = "date"
    MOMENT = "moment"  # a time: ISO 8601, Beijing time without an offset
    BOOL = "bool"
    INT = "int"
    CHOICE = "choice"
    UNITS = "units"  # catalogue units by name or id: a scope
    UNIT = "unit"
    USCC = "uscc"
    LICENCE_NUMBER = "licence_number"
    OBJECT = "object"  # a nested spec (``sub``)
    LIST = "list"  # a list of nested specs (``sub``), min_items to max_items
    DOCUMENT = "document"  # an uploaded document's reference, sha256:<hex>


@dataclass(frozen=True)
class Field:
    name: str
    kind: Kind
    label_zh: str
    label_en: str
    required: bool = True
    max_length: int = 2000
    choices: tuple[str, ...] = ()
    minimum: int = 0
    maximum: int = 2**31 - 1
    min_items: int = 1
    max_items: int = 50
    help_zh: str = ""
    help_en: str = ""
    example: Any = None  # a value that passes, for the documentation and the tests
    sub: Spec | None = None  # the fields of an OBJECT, or of each entry of a LIST
    form_rows: int = 3  # a LIST's empty rows in the console's form (no script adds more)

    def parse(self, value: Any, path: str) -> Any:
        return _PARSERS[self.kind](self, value, path)

    def json_schema(self) -> dict[str, Any]:
        schema = _SCHEMAS[self.kind](self)
        description = " / ".join(filter(None, (self.label_zh, self.label_en, self.help_zh,
                                               self.help_en)))
        schema["description"] = description
        if self.example is not None:
            schema["examples"] = [self.example]
        return schema


class Values(dict[str, Any]):
    """The parsed values of a spec, by field name (absent optional fields are None); a field
    named like a dict method (``items``) is read by subscript."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


@dataclass(frozen=True)
class Spec:
    fields: tuple[Field, ...]

    def parse(self, body: Any, prefix: str = "") -> Values:
        """Typed values; unknown fields are refused (a misspelt field must not pass
        silently), each failure names its field (``prefix.field`` inside an object)."""
        data = {} if body is None and not prefix else obj(body, prefix or "body")
        names = {f.name for f in self.fields}
        for name in data:
            if name not in names:
                raise ValidationError(_path(prefix, str(name)),
                                      "is not a field of this request; the fields are "
                                      + (", ".join(sorted(names)) or "none"))
        values = Values()
        for f in self.fields:
            value = data.get(f.name)
            path = _path(prefix, f.name)
            if value is None:
                if f.required:
                    raise ValidationError(path, "is required")
                values[f.name] = None
            else:
                values[f.name] = f.parse(value, path)
        return values

    def json_schema(self) -> dict[str, Any]:
        return {"type": "object", "additionalProperties": False,
                "properties": {f.name: f.json_schema() for f in self.fields},
                "required": [f.name for f in self.fields if f.required]}

    def example(self) -> dict[str, Any]:
        """A body that passes :meth:`parse`: every field that has an example, and every
        required object or list made from its own fields' examples."""
        body = {}
        for f in self.fields:
            if f.example is not None:
                body[f.name] = f.example
            elif f.sub is not None and f.required:
                body[f.name] = [f.sub.example()] if f.kind is Kind.LIST else f.sub.example()
        return body


NO_BODY = Spec(())


def _path(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _text_list(f: Field, value: Any, path: str) -> list[str]:
    items = text_list(value, path, f.max_length, f.max_items)
    if len(items) < f.min_items:
        raise ValidationError(path, f"needs at least {f.min_items} entries")
    return items


def _date_list(f: Field, value: Any, path: str) -> list[Any]:
    if not isinstance(value, list) or not f.min_items <= len(value) <= f.max_items:
        raise ValidationError(path, f"must be a list of {f.min_items}–{f.max_items} dates")
    return [date(v, f"{path}[{i}]") for i, v in enumerate(value)]


def _unit(f: Field, value: Any, path: str) -> Any:
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise ValidationError(path, "must be a catalogue unit name or id")
    return catalogue().resolve(value, path)


def _units(f: Field, value: Any, path: str) -> Any:
    try:
        return scope_of(value)
    except ValidationError as error:  # "scope[2]" stays "<path>[2]"
        raise ValidationError(path + error.field.removeprefix("scope"), error.reason) from None


def _object(f: Field, value: Any, path: str) -> Values:
    assert f.sub is not None, f"{f.name}: an object field needs its sub-spec"
    return f.sub.parse(value, path)


def _list(f: Field, value: Any, path: str) -> list[Values]:
    assert f.sub is not None, f"{f.name}: a list field needs its entries' spec"
    if not isinstance(value, list) or not f.min_items <= len(value) <= f.max_items:
        raise ValidationError(path, f"must be a list of {f.min_items}–{f.max_items} entries")
    return [f.sub.parse(entry, f"{path}[{i}]") for i, entry in enumerate(value)]


_PARSERS: dict[Kind, Callable[[Field, Any, str], Any]] = {
    Kind.TEXT: lambda f, v, path: text(v, path, f.max_length),
    Kind.TEXT_LIST: _text_list,
    Kind.DATE_LIST: _date_list,
    Kind.DATE: lambda f, v, path: date(v, path),
    Kind.MOMENT: lambda f, v, path: moment(v, path),
    Kind.BOOL: lambda f, v, path: boolean(v, path),
    Kind.INT: lambda f, v, path: integer(v, path, f.minimum, f.maximum),
    Kind.CHOICE: lambda f, v, path: choice(v, path, f.choices,
                                           "must be one of " + ", ".join(f.choices)),
    Kind.UNITS: _units,
    Kind.UNIT: _unit,
    Kind.USCC: lambda f, v, path: validate_uscc(v, path),
    Kind.LICENCE_NUMBER: lambda f, v, path: LicenceNumber.parse(text(v, path, 40), path),
    Kind.OBJECT: _object,
    Kind.LIST: _list,
    Kind.DOCUMENT: lambda f, v, path: digest_of(v, path),
}

_STRING = {"type": "string", "minLength": 1}
_SCHEMAS: dict[Kind, Callable[[Field], dict[str, Any]]] = {
    Kind.TEXT: lambda f: {**_STRING, "maxLength": f.max_length, "pattern": _PRINTABLE},
    Kind.TEXT_LIST: lambda f: {"type": "array", "minItems": f.min_items,
                               "maxItems": f.max_items, "items": {
                                   **_STRING, "maxLength": f.max_length,
                                   "pattern": _PRINTABLE}},
    Kind.DATE: lambda f: {"type": "string", "format": "date"},
    Kind.DATE_LIST: lambda f: {"type": "array", "minItems": f.min_items,
                               "maxItems": f.max_items,
                               "items": {"type": "string", "format": "date"}},
    Kind.MOMENT: lambda f: {"type": "string", "format": "date-time"},
    Kind.BOOL: lambda f: {"type": "boolean"},
    Kind.INT: lambda f: {"type": "integer", "minimum": f.minimum, "maximum": f.maximum},
    Kind.CHOICE: lambda f: {"type": "string", "enum": list(f.choices)},
    Kind.UNITS: lambda f: {"type": "array", "minItems": 1, "items": {
        "type": ["string", "integer"]}},
    Kind.UNIT: lambda f: {"type": ["string", "integer"]},
    Kind.USCC: lambda f: {"type": "string", "pattern": "^[0-9A-HJ-NP-RTUW-Y]{18}$"},
    Kind.LICENCE_NUMBER: lambda f: {"type": "string", "maxLength": 40},
    Kind.OBJECT: lambda f: f.sub.json_schema() if f.sub else {"type": "object"},
    Kind.LIST: lambda f: {"type": "array", "minItems": f.min_items, "maxItems": f.max_items,
                          "items": f.sub.json_schema() if f.sub else {"type": "object"}},
    Kind.DOCUMENT: lambda f: {"type": "string", "pattern": "^sha256:[0-9a-f]{64}$"},
}
