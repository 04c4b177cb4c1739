"""Password rules per NIST SP 800-63B (rev. 4, §3.1.1.2): length, a blocklist, no
composition rules.

- At least 15 characters where the password is the only factor, 8 where a second factor
  (TOTP) follows it; at most 128 (NIST asks verifiers to allow at least 64).
- Not a commonly used password: the 30,000 most common passwords of the ``zxcvbn`` package's
  frequency list (from leaked password sets), shipped with it as data, compared without case;
  nor the account's own name or the service's name, nor one character repeated.
- No rule about character classes, and every Unicode character is allowed; the text is
  normalised (NFKC) before it is checked and hashed, as the guideline says.

    >>> password_problem("password123456789", second_factor=False, context=())
    'is too easy to guess: it contains a commonly used password'
    >>> password_problem("绿色的马在电池上订书钉", second_factor=True, context=())
"""

from __future__ import annotations

import unicodedata
from functools import cache

from zxcvbn.frequency_lists import FREQUENCY_LISTS

MIN_ALONE = 15
MIN_WITH_SECOND_FACTOR = 8
MAX_LENGTH = 128
SERVICE_WORDS = ("certsvc", "xuke", "许可证")
_COMMON_SUBSTRING_FROM = 6  # a common password of this length or more inside it counts too


def normalise_password(password: str) -> str:
    return unicodedata.normalize("NFKC", password)


@cache
def _common() -> frozenset[str]:
    return frozenset(FREQUENCY_LISTS["passwords"])


@cache
def _common_long() -> tuple[str, ...]:
    return tuple(p for p in _common() if len(p) >= _COMMON_SUBSTRING_FROM)


def password_problem(password: str, second_factor: bool, context: tuple[str, ...]
                     ) -> str | None:
    """Why ``password`` may not be used (a sentence), or None."""
    text = normalise_password(password)
    minimum = MIN_WITH_SECOND_FACTOR if second_factor else MIN_ALONE
    if len(text) < minimum:
        return f"must be at least {minimum} characters"
    if len(text) > MAX_LENGTH:
        return f"must be at most {MAX_LENGTH} characters"
    folded = text.casefold()
    if len(set(folded)) == 1:
        return "is one character repeated"
    if folded in _common() or any(common in folded for common in _common_long()):
        return "is too easy to guess: it contains a commonly used password"
    for word in (*context, *SERVICE_WORDS):
        if len(word) >= 3 and word.casefold() in folded:
            return f"must not contain {word!r}"
    return None
