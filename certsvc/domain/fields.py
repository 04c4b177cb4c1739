"""Checked fields of JSON input: each failure names the field and says what is wrong.

    >>> text(" 杭州 ", "enterprise.residence", 200)
    '杭州'
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Any, cast

from certsvc.domain.text import normalise, unsafe_character
from certsvc.domain.time import CHINA
from certsvc.errors import ValidationError


def required(value: Any, field: str) -> Any:
    if value is None:
        raise ValidationError(field, "is required")
    return value


def text(value: Any, field: str, max_length: int) -> str:
    if not isinstance(required(value, field), str):
        raise ValidationError(field, "must be a string")
    text = normalise(value)
    if not text:
        raise ValidationError(field, "must not be empty")
    if len(text) > max_length:
        raise ValidationError(field, f"is longer than {max_length} characters")
    if unsafe_character(text) is not None:
        raise ValidationError(field, f"contains control characters ({unsafe_character(text)})")
    return text


def date(value: Any, field: str) -> dt.date:
    if not isinstance(required(value, field), str):
        raise ValidationError(field, "must be a date string YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationError(field, f"{value!r} is not a date YYYY-MM-DD") from None


def boolean(value: Any, field: str) -> bool:
    if not isinstance(required(value, field), bool):
        raise ValidationError(field, "must be true or false")
    return bool(value)


def digits(text: str, max_digits: int = 10) -> int | None:
    """The number ASCII digits spell, if that is all ``text`` is and there are at most
    ``max_digits`` of them; else None. (``str.isdigit`` also says yes to "²" and to "١",
    and ``int`` of a few thousand digits raises: neither may reach ``int``.)

    >>> digits("0042"), digits("²"), digits("9" * 5000), digits("")
    (42, None, None, None)
    """
    if not text or len(text) > max_digits or not text.isascii() or not text.isdigit():
        return None
    return int(text)


def integer(value: Any, field: str, minimum: int = 0, maximum: int = 2**31 - 1) -> int:
    if type(required(value, field)) is not int or not minimum <= value <= maximum:
        raise ValidationError(field, f"must be an integer from {minimum} to {maximum}")
    return int(value)


def text_list(value: Any, field: str, max_length: int = 200, max_items: int = 50) -> list[str]:
    if not isinstance(required(value, field), list) or not value:
        raise ValidationError(field, "must be a non-empty list of strings")
    if len(value) > max_items:
        raise ValidationError(field, f"has more than {max_items} items")
    return [text(item, f"{field}[{i}]", max_length) for i, item in enumerate(value)]


def obj(value: Any, field: str) -> dict[str, Any]:
    if not isinstance(required(value, field), dict):
        raise ValidationError(field, "must be an object")
    return cast(dict[str, Any], value)


def choice(value: Any, field: str, choices: Collection[str], explained: str) -> str:
    """One of ``choices``; anything else (a number, an object, an array) is refused with
    ``explained``, never looked up (an object is not even hashable)."""
    if not isinstance(value, str) or value not in choices:
        raise ValidationError(field, explained)
    return value


def moment(value: Any, field: str) -> dt.datetime:
    """An ISO 8601 time; without an offset it is read as Beijing time, as people write it."""
    if not isinstance(required(value, field), str):
        raise ValidationError(field, "must be a time such as 2026-06-01T10:00:00+08:00")
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValidationError(field, f"{value!r} is not an ISO 8601 time") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=CHINA)
    return parsed.astimezone(dt.UTC)
