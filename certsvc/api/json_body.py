"""Request bodies: JSON that every later step can take without a surprise.

The workflow checks each field's type and limits; what it cannot be asked to check is
whether the document itself is sane. So before a body reaches it:

- nesting deeper than ``MAX_DEPTH`` is refused (Python's parser recurses, and so would any
  code that walks the value: 2,000 levels in 4 KB took the server down with a 500);
- ``NaN`` and ``Infinity`` are refused (not JSON, though Python's parser takes them);
- every string, key or value, must be storable text: no lone surrogates (``"\\ud800"`` is
  valid JSON but no database stores it) and no NUL (PostgreSQL refuses it in text).

Each refusal is a ValidationError that names where, as ``field``.

    >>> parse_json_body(b'{"reason": "\\\\u0000"}')
    Traceback (most recent call last):
    ...
    certsvc.errors.ValidationError: reason: contains a NUL character
    >>> parse_json_body(b'{"a": [1, {"b": "ok"}]}')
    {'a': [1, {'b': 'ok'}]}
"""

from __future__ import annotations

import json
from typing import Any

from certsvc.errors import ValidationError

MAX_DEPTH = 32


def parse_json_body(raw: bytes) -> Any:
    try:
        value = json.loads(raw, parse_constant=_no_constant)
    except RecursionError:
        raise ValidationError("body", f"is nested more than {MAX_DEPTH} levels deep") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationError("body", f"is not valid JSON: {exc}") from None
    _check(value)
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _check(value: Any) -> None:
    """Walk the value without recursion (depth is what is being checked)."""
    stack: list[tuple[Any, str, int]] = [(value, "body", 0)]
    while stack:
        item, where, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ValidationError("body", f"is nested more than {MAX_DEPTH} levels deep")
        if isinstance(item, str):
            _check_text(item, where)
        elif isinstance(item, dict):
            for key, child in item.items():
                path = key if where == "body" else f"{where}.{key}"
                _check_text(key, path)
                stack.append((child, path, depth + 1))
        elif isinstance(item, list):
            stack.extend((child, f"{where}[{i}]", depth + 1) for i, child in enumerate(item))


def _check_text(text: str, where: str) -> None:
    if "\x00" in text:
        raise ValidationError(where, "contains a NUL character")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError(where, "contains a lone surrogate (not a character)") from None
