"""Reading licence files for bulk import: CSV (with a header) or JSON Lines.

CSV columns: number, enterprise_name, uscc, residence, production_address, scope (units
separated by ``;`` or ``；``), issued, valid_until (optional), issuer, status (optional).
JSON Lines: one object per line in the shape of ``shared/reference-licence.json``. Every
bad row is reported with its line number and reason; the caller writes nothing if any is bad.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from certsvc.domain.licence import Licence
from certsvc.errors import CertsvcError

CSV_COLUMNS = (
    "number", "enterprise_name", "uscc", "residence", "production_address", "scope",
    "issued", "valid_until", "issuer", "status",
)
_REQUIRED = frozenset(CSV_COLUMNS) - {"valid_until", "status"}
_UNIT_SEPARATOR = re.compile(r"[;；]")


@dataclass(frozen=True)
class BadRow:
    line: int
    reason: str


@dataclass(frozen=True)
class ParsedFile:
    licences: list[Licence]
    bad: list[BadRow]


def read_licence_file(path: Path) -> ParsedFile:
    text = path.read_text("utf-8-sig")
    rows = _jsonl_rows(text) if path.suffix.lower() in (".jsonl", ".ndjson") else _csv_rows(text)
    licences: list[Licence] = []
    bad: list[BadRow] = []
    seen: dict[str, int] = {}
    for line, data in rows:
        try:
            if isinstance(data, BadRow):
                raise CertsvcError(data.reason)
            licence = Licence.from_dict(data)
            if licence.number is None:
                raise CertsvcError("number: an imported licence keeps its paper number")
            if licence.number.canonical in seen:
                raise CertsvcError(
                    f"number: {licence.number} repeats line {seen[licence.number.canonical]}"
                )
            seen[licence.number.canonical] = line
            licences.append(licence)
        except CertsvcError as exc:
            bad.append(BadRow(line, exc.detail))
    return ParsedFile(licences, bad)


def _jsonl_rows(text: str) -> Iterator[tuple[int, Any]]:
    for line, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            yield line, json.loads(raw)
        except json.JSONDecodeError as exc:
            yield line, BadRow(line, f"not JSON: {exc.msg}")


def _csv_rows(text: str) -> Iterator[tuple[int, Any]]:
    reader = csv.DictReader(io.StringIO(text))
    missing = _REQUIRED - set(reader.fieldnames or ())
    if missing:
        yield 1, BadRow(1, f"header lacks columns: {', '.join(sorted(missing))}")
        return
    for row in reader:
        line = reader.line_num
        if None in row:
            yield line, BadRow(line, "more cells than header columns")
            continue
        yield line, {
            "number": row["number"],
            "enterprise": {
                "name": row["enterprise_name"], "uscc": row["uscc"],
                "residence": row["residence"], "production_address": row["production_address"],
            },
            "scope": [u for u in _UNIT_SEPARATOR.split(row["scope"] or "") if u.strip()],
            "issued": row["issued"],
            "valid_until": row.get("valid_until") or None,
            "issuer": row["issuer"],
            "status": row.get("status") or "valid",
        }
