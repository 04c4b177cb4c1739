"""The leaf test vector of docs/transparency.md is what the code makes."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from pathlib import Path

import pytest

from certsvc.transparency.entries import encode_entry
from certsvc.transparency.merkle import leaf_hash, root

pytestmark = pytest.mark.no_database

DOC = (Path(__file__).parent.parent / "docs" / "transparency.md").read_text("utf-8")


def test_the_documented_leaves_and_root() -> None:
    uscc, subject, number = "91330106MA2H7K3LXA", "licence:浙XK06-001-00012", "浙XK06-001-00012"
    issued = encode_entry("licence.issued", dt.datetime(2026, 3, 15, 2, 0, tzinfo=dt.UTC), uscc,
                          subject, {"number": number, "bureau": "33", "status": "valid",
                                    "token_sha256": hashlib.sha256(b"example token").hexdigest()})
    suspended = encode_entry("licence.status", dt.datetime(2026, 6, 1, 4, 0, tzinfo=dt.UTC),
                             uscc, subject, {"number": number, "status": "suspended",
                                             "action": "suspend"})
    top = root([leaf_hash(issued), leaf_hash(suspended)])
    for expected in (issued.decode(), suspended.decode(), leaf_hash(issued).hex(),
                     leaf_hash(suspended).hex(), top.hex(), base64.b64encode(top).decode()):
        assert expected in DOC
