"""Normalising what people type: full-width forms, stray spaces."""

import unicodedata


def normalise(text: str) -> str:
    """NFKC-fold full-width digits, letters and brackets to ASCII and trim surrounding spaces.

    Chinese users type （浙）ＸＫ０６… with an IME as often as the ASCII form; both must mean
    the same licence.
    """
    return unicodedata.normalize("NFKC", text).strip()
