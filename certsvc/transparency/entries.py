"""What a leaf of the transparency log holds: one event, as canonical JSON bytes.

    {"at":"2026-11-29T08:00:00+00:00","data":{…},"kind":"licence.issued",
     "subject":"licence:浙XK16-…","uscc":"91330…","v":1}

Keys sorted, no spaces, UTF-8, so the same event always gives the same bytes and anyone can
rebuild the leaf hash from what they read. ``data`` is the event as the feed has it; for a
licence issued or changed it carries the licence number and ``token_sha256``, the SHA-256 of
the signed token, which is what ties a QR code to its leaf. An entry must fit the 16-bit
length prefix of a tlog-tiles entry bundle: a larger ``data`` is replaced by its SHA-256.

    >>> at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    >>> entry = encode_entry("key.rotated", at, "", "key:ab", {})
    >>> decode_entry(entry).kind
    'key.rotated'
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

import orjson

FORMAT = 1
MAX_ENTRY = (1 << 16) - 1  # a bundle prefixes each entry with its length in two bytes
LOGGED_FAMILIES = ("licence.", "declaration.", "key.")  # what the log holds


def is_logged(kind: str) -> bool:
    return kind.startswith(LOGGED_FAMILIES)


def _canonical(value: Any) -> bytes:
    """Sorted keys, no spaces, UTF-8 as it is (orjson: what ``json.dumps(value,
    ensure_ascii=False, sort_keys=True, separators=(",", ":"))`` gives, four times faster)."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def encode_entry(kind: str, at: dt.datetime | str, uscc: str, subject: str, data: Any
                 ) -> bytes:
    """``at``: the event's time, or its UTC ISO form already made (once for a batch)."""
    when = at if isinstance(at, str) else at.astimezone(dt.UTC).isoformat()
    body = {"v": FORMAT, "kind": kind, "at": when, "uscc": uscc, "subject": subject,
            "data": data}
    entry = _canonical(body)
    if len(entry) > MAX_ENTRY:
        body["data"] = {"sha256": hashlib.sha256(_canonical(data)).hexdigest()}
        entry = _canonical(body)
    return entry


# Text a clerk types (a reason, a legal basis) can hold a name or a telephone number, and a
# leaf can never be removed: a leaf carries the SHA-256 of such text, the register keeps the
# text itself, where it can be corrected. Anyone holding the text can check it against the
# leaf.
FREE_TEXT = ("reason", "legal_basis")


def leaf_data(data: Any) -> Any:
    """An event's data as its leaf holds it: each free-text field replaced by
    ``<field>_sha256``."""
    if not isinstance(data, dict) or not any(k in data for k in FREE_TEXT):
        return data
    return {(f"{k}_sha256" if k in FREE_TEXT and isinstance(v, str) else k):
            (hashlib.sha256(v.encode()).hexdigest() if k in FREE_TEXT and isinstance(v, str)
             else v) for k, v in data.items()}


def token_digest(data: Any) -> bytes | None:
    """The SHA-256 of the token an event's data names, if it names one well-formed."""
    value = data.get("token_sha256") if isinstance(data, dict) else None
    try:
        digest = bytes.fromhex(value) if isinstance(value, str) else b""
    except ValueError:
        return None
    return digest if len(digest) == 32 else None


@dataclass(frozen=True)
class LogEntry:
    kind: str
    at: dt.datetime
    uscc: str
    subject: str
    data: dict[str, Any]

    @property
    def token_sha256(self) -> bytes | None:
        return token_digest(self.data)

    @property
    def number(self) -> str | None:
        value = self.data.get("number")
        return value if isinstance(value, str) else None

    @property
    def bureau(self) -> str | None:
        value = self.data.get("bureau")
        return value if isinstance(value, str) else None


def decode_entry(entry: bytes) -> LogEntry:
    """An entry read back; ValueError if it is not one (a monitor reports it)."""
    try:
        body = json.loads(entry.decode())
        if not isinstance(body, dict) or body.get("v") != FORMAT:
            raise ValueError("not a certsvc log entry")
        data = body["data"]
        fields = (body["kind"], body["uscc"], body["subject"])
        if not isinstance(data, dict) or not all(isinstance(f, str) for f in fields):
            raise ValueError("not a certsvc log entry")
        at = dt.datetime.fromisoformat(body["at"])
        if at.tzinfo is None:
            raise ValueError("an entry's time has a zone")
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise ValueError(f"not a certsvc log entry: {exc}") from None
    return LogEntry(fields[0], at, fields[1], fields[2], data)


def bundle(entries: list[bytes]) -> bytes:
    """A tlog-tiles entry bundle: each entry after its length, two bytes big-endian."""
    return b"".join(len(e).to_bytes(2, "big") + e for e in entries)


def unbundle(data: bytes) -> list[bytes]:
    """The entries of a bundle; ValueError if it is cut short."""
    entries, at = [], 0
    while at < len(data):
        if at + 2 > len(data):
            raise ValueError("an entry bundle ends inside a length")
        length = int.from_bytes(data[at:at + 2], "big")
        if at + 2 + length > len(data):
            raise ValueError("an entry bundle ends inside an entry")
        entries.append(data[at + 2:at + 2 + length])
        at += 2 + length
    return entries
