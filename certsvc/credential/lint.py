"""The licence rules on a token's claims: what both the signer's lint and the verifier run.

A genuine bureau key can leak, and a signer can have a bug; the verifier must still refuse
what issuance would have refused. So the rules are not written again here: the claims are
turned back into the domain's terms (catalogue units, dates, the number) and checked by
:func:`certsvc.domain.licence.check_terms`, the function issuance itself calls.

    >>> from certsvc.credential.payload import REFERENCE_CLAIMS_EXAMPLE
    >>> licence_rule_violation(REFERENCE_CLAIMS_EXAMPLE) is None
    True
    >>> licence_rule_violation(REFERENCE_CLAIMS_EXAMPLE._replace(product=9))
    'number: the number is for product 06-009, which the catalogue does not know'
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from certsvc.credential.payload import LicenceClaims
from certsvc.domain.catalogue import catalogue
from certsvc.domain.licence import check_terms
from certsvc.domain.licence_number import LicenceNumber
from certsvc.domain.uscc import packs_a_code
from certsvc.errors import ValidationError


def licence_rule_violation(claims: LicenceClaims) -> str | None:
    """Why the claims break the licence rules (``field: reason``), or None if they keep them.

    Returns rather than raises: the verifier turns the answer into a verdict and the signer
    into a refusal, and neither should need a ``try`` around a rule check.
    """
    if not packs_a_code(claims.uscc_packed):
        return "enterprise.uscc: the packed code is not a USCC (out of range, or no region)"
    return _terms_violation(claims.bureau_code, claims.category, claims.product, claims.scope,
                            claims.issued_ordinal, claims.valid_until_ordinal)


@lru_cache(maxsize=4096)
def _terms_violation(bureau_code: str, category: int, product: int,
                     scope: tuple[int, ...], issued: int, valid_until: int) -> str | None:
    """Cached: a register holds few distinct (product, scope, dates) shapes, and the catalogue
    is fixed for the life of the process. The serial takes no part in any rule, so it is left
    out of the key (and the number is checked with serial 1); every other claim the rules
    read is part of the key, so a cached answer is the answer for these claims."""
    units = catalogue().units
    if any(unit not in units for unit in scope):
        missing = next(unit for unit in scope if unit not in units)
        return f"scope: unit id {missing} is not in the catalogue"
    try:
        check_terms(LicenceNumber(bureau_code, category, product, 1), bureau_code,
                    tuple(units[unit] for unit in scope), dt.date.fromordinal(issued),
                    dt.date.fromordinal(valid_until))
    except ValidationError as exc:
        return exc.detail
    return None
