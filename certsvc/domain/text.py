"""Normalising what people type (full-width forms, stray spaces), and the characters no
text from a stranger may carry.

    >>> unsafe_character("发票\u202egpj.exe")
    'U+202E'
    >>> unsafe_character("营业执照（副本）.pdf") is None
    True
    >>> file_name("C:\\扫描\\营业执照.pdf")
    '营业执照.pdf'
"""

import unicodedata


def normalise(text: str) -> str:
    """NFKC-fold full-width digits, letters and brackets to ASCII and trim surrounding spaces.

    Chinese users type （浙）ＸＫ０６… with an IME as often as the ASCII form; both must mean
    the same licence.
    """
    return unicodedata.normalize("NFKC", text).strip()


# Unicode's control characters (Cc: NUL, C0, DEL, C1) and format characters (Cf: the
# bidirectional overrides and isolates such as U+202E that make "exe.pdf" read "fdp.exe", zero
# widths, the byte-order mark). Chinese text needs none of them; PostgreSQL refuses NUL in
# text outright (a 500, found by the outside review).
_UNSAFE_CATEGORIES = ("Cc", "Cf")
MAX_FILE_NAME = 200  # characters: a name is shown, never used as a path


def unsafe_character(text: str) -> str | None:
    """The first control or format character in ``text`` (as U+XXXX), or None."""
    for c in text:
        if unicodedata.category(c) in _UNSAFE_CATEGORIES:
            return f"U+{ord(c):04X}"
    return None


def file_name(raw: str) -> str:
    """The name of an uploaded file as it is kept and shown: the last part after either
    slash, NFKC-normalised; "document" where nothing is left. ValueError (saying why) for a
    control or format character or a name over ``MAX_FILE_NAME`` characters: one rule for
    every door that takes a file."""
    found = unsafe_character(raw)
    if found is not None:
        raise ValueError(f"the file name contains the character {found}, which a file name "
                         "may not contain (a control or bidirectional-override character)")
    name = normalise(raw.replace("\\", "/").rsplit("/", 1)[-1])
    if len(name) > MAX_FILE_NAME:
        raise ValueError(f"the file name is longer than {MAX_FILE_NAME} characters")
    return name if name.strip(".") else "document"
