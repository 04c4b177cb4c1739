"""Search: what the query is decides how to look — a licence number (any written form), a
USCC, or a fragment of an enterprise name (Chinese, partial match), one page at a time.
Exact matches (number, USCC) are answered by themselves; names go through the indexed,
ranked and capped search of :mod:`certsvc.store.name_search`.

    search(reader, "（浙）XK06-001-00012", 1).kind   # 'number'
    search(reader, "1.2.156.3005.2.…", 1).kind          # 'identifier' (GB/T 36904)
"""

from __future__ import annotations

from dataclasses import dataclass

from certsvc.domain.e_licence import ROOT, identifier_of, parse_identifier
from certsvc.domain.fields import digits
from certsvc.domain.licence_number import LicenceNumber
from certsvc.domain.text import normalise
from certsvc.domain.uscc import validate_uscc
from certsvc.errors import NotFound, ValidationError
from certsvc.store.name_search import MIN_FRAGMENT
from certsvc.store.reader import LicenceReader
from certsvc.store.records import LicenceRecord

PER_PAGE = 20
MAX_QUERY = 100
MAX_PAGE = 10_000


@dataclass(frozen=True)
class SearchResult:
    query: str
    kind: str  # number | identifier | uscc | name | empty
    records: list[LicenceRecord]
    total: int  # for a name: the matches ranked, at most name_search.CAP
    capped: bool = False  # more matched than that: the reader should narrow the query
    prefix_only: bool = False  # one or two characters: names that start with them
    superseded: str | None = None  # an earlier version's identifier: the current one

def page_number(text: str) -> int:
    number = digits(text, 6)
    if number is None or not 1 <= number <= MAX_PAGE:
        raise ValidationError("page", f"must be a number from 1 to {MAX_PAGE}")
    return number


def search(reader: LicenceReader, query: str, page: int) -> SearchResult:
    text = normalise(query).strip()
    if len(text) > MAX_QUERY:
        raise ValidationError("q", f"is longer than {MAX_QUERY} characters")
    if any(ord(c) < 32 for c in text):  # PostgreSQL refuses NUL in text; none belong in a name
        raise ValidationError("q", "contains control characters")
    if not text:
        return SearchResult(text, "empty", [], 0)
    if text.startswith(ROOT + "."):
        return _by_identifier(reader, text)
    try:
        number = LicenceNumber.parse(text, "q")
    except ValidationError:
        pass
    else:
        try:
            return SearchResult(text, "number", [reader.by_number(number)], 1)
        except NotFound:
            return SearchResult(text, "number", [], 0)
    if len(text) == 18 and text.isalnum() and text.isascii():
        try:
            code = validate_uscc(text, "q")
        except ValidationError:
            pass
        else:
            records = reader.by_uscc(code)
            start = (page - 1) * PER_PAGE
            return SearchResult(text, "uscc", records[start:start + PER_PAGE], len(records))
    records, total, capped = reader.search_by_name(text, (page - 1) * PER_PAGE, PER_PAGE)
    return SearchResult(text, "name", records, total, capped, len(text) < MIN_FRAGMENT)


def _by_identifier(reader: LicenceReader, text: str) -> SearchResult:
    """The licence an identifier names, whichever version it names: an earlier version's
    identifier still finds the licence (whose page shows the current one); a version not
    yet issued finds nothing. A malformed identifier is the caller's error, said as such."""
    found = parse_identifier(text, "q")
    try:
        record = reader.by_number(found.number)
    except NotFound:
        return SearchResult(text, "identifier", [], 0)
    current = reader.version(record)
    if found.version > current:
        return SearchResult(text, "identifier", [], 0)
    superseded = str(identifier_of(found.number, current)) if found.version < current else None
    return SearchResult(text, "identifier", [record], 1, superseded=superseded)
