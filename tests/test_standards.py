"""Standard numbers: a table of good numbers (every written form → one canonical form) and bad
ones (each refused with the field and a reason)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from certsvc.domain.standards import StandardKind, parse_standard
from certsvc.errors import ValidationError

pytestmark = pytest.mark.no_database

GOOD = [
    ("GB 5226.1-2019", "GB 5226.1-2019", StandardKind.NATIONAL, False),
    ("GB/T 5023.1-2008", "GB/T 5023.1-2008", StandardKind.NATIONAL, True),
    (" gb/t５０２３．１—2008 ", "GB/T 5023.1-2008", StandardKind.NATIONAL, True),
    ("GB/T5023.1-2008", "GB/T 5023.1-2008", StandardKind.NATIONAL, True),
    ("GB / T 5023.1 - 2008", "GB/T 5023.1-2008", StandardKind.NATIONAL, True),
    ("GB/Z 17625.14-2017", "GB/Z 17625.14-2017", StandardKind.NATIONAL, False),
    ("GB 175-2023", "GB 175-2023", StandardKind.NATIONAL, False),
    ("JB/T 8734.2-2016", "JB/T 8734.2-2016", StandardKind.INDUSTRY, True),
    ("JB 8734.2-2016", "JB 8734.2-2016", StandardKind.INDUSTRY, False),
    ("YD/T 1019-2013", "YD/T 1019-2013", StandardKind.INDUSTRY, True),
    ("DB33/T 1234-2020", "DB33/T 1234-2020", StandardKind.LOCAL, True),
    ("db33 1234–2020", "DB33 1234-2020", StandardKind.LOCAL, False),
    ("T/CAS 115-2005", "T/CAS 115-2005", StandardKind.GROUP, False),
    ("T/CECS 10001-2019", "T/CECS 10001-2019", StandardKind.GROUP, False),
    ("t/cas115-2005", "T/CAS 115-2005", StandardKind.GROUP, False),
    ("Q/HGDL 001-2024", "Q/HGDL 001-2024", StandardKind.ENTERPRISE, False),
    ("Q/330106HG 12-2023", "Q/330106HG 12-2023", StandardKind.ENTERPRISE, False),
]
BAD = [
    ("", "not a standard number"),
    ("GB/T 5023.1", "not a standard number"),       # no year
    ("GB/T -2008", "not a standard number"),         # no number
    ("GB/X 5023-2008", "not a standard number"),     # /X is no kind of national standard
    ("G/T 5023-2008", "not a standard number"),      # one letter
    ("JBT/T 8734-2016", "not a standard number"),    # three letters
    ("DB99/T 1-2020", "not a province code"),        # 99 is no province
    ("DB3/T 1-2020", "not a standard number"),
    ("T/ 115-2005", "not a standard number"),        # no organisation
    ("Q/ 001-2024", "not a standard number"),        # no enterprise code
    ("Q/HGDL001-2024", "not a standard number"),     # where does the code end?
    ("GB/T 5023.1-1900", "not a plausible standard year"),
    ("GB/T 5023.1-08", "not a standard number"),      # two-digit year
    ("GB/T 5023.1.2.3.4.5-2008", "not a standard number"),
    ("《GB/T 5023.1-2008》", "not a standard number"),
]


@pytest.mark.parametrize(("text", "canonical", "kind", "recommended"), GOOD)
def test_good_numbers(text: str, canonical: str, kind: StandardKind, recommended: bool) -> None:
    standard = parse_standard(text)
    assert standard.canonical == canonical
    assert standard.kind is kind
    assert standard.recommended is recommended
    assert parse_standard(standard.canonical) == standard  # the canonical form is stable


@pytest.mark.parametrize(("text", "reason"), BAD)
def test_bad_numbers(text: str, reason: str) -> None:
    with pytest.raises(ValidationError) as raised:
        parse_standard(text, "items[0].standards[1]")
    assert raised.value.field == "items[0].standards[1]"
    assert reason in raised.value.reason


def test_not_a_string() -> None:
    with pytest.raises(ValidationError):
        parse_standard(5023)


@given(st.text(max_size=40))
@settings(max_examples=300, deadline=None)
def test_the_parser_raises_only_validation_errors(text: str) -> None:
    try:
        standard = parse_standard(text)
    except ValidationError:
        return
    assert parse_standard(standard.canonical) == standard
