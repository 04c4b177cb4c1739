"""Signed JSON Lines pages of the data-sharing feed.

A page is one event per line (JSON), then a last line ``{"signature": "<base64url>"}``: a
COSE_Sign1 by the national authority's key whose payload is ``{1: 1, 2: SHA-256 of every byte
before the last line}``. A consumer checks it with the trust list, then reads the events.

    events = verify_feed_page(response_bytes, trust_list)
    cursor = events[-1]["id"] if events else cursor
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import cbor2

from certsvc.credential.status_list import signed_by_national_key
from certsvc.credential.trust_list import TrustList
from certsvc.errors import TrustListError

FORMAT_VERSION = 1


def page_payload(lines: bytes) -> bytes:
    """What is signed for a page whose event lines are ``lines``."""
    return cbor2.dumps({1: FORMAT_VERSION, 2: hashlib.sha256(lines).digest()})


def render_page(events: list[dict[str, Any]]) -> bytes:
    return b"".join(json.dumps(e, ensure_ascii=False, sort_keys=True).encode() + b"\n"
                    for e in events)


def signature_line(signature: bytes) -> bytes:
    return json.dumps({"signature": base64.urlsafe_b64encode(signature).decode()}).encode() + b"\n"


def verify_feed_page(page: bytes, trust_list: TrustList) -> list[dict[str, Any]]:
    """The page's events, if the national authority's trusted key signed exactly these bytes."""
    body, _, last = page.rstrip(b"\n").rpartition(b"\n")
    lines = body + b"\n" if body else b""
    try:
        signature = base64.urlsafe_b64decode(json.loads(last)["signature"])
    except (ValueError, KeyError, TypeError):
        raise TrustListError("the feed page has no signature line") from None
    envelope = signed_by_national_key(signature, trust_list, "feed page")
    if envelope.payload != page_payload(lines):
        raise TrustListError("the feed page does not match its signature")
    return [json.loads(line) for line in lines.splitlines()]
