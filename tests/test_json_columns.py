"""JSON columns go through orjson, with the standard library for what orjson refuses."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import Engine, text

from certsvc.store import feed

NOW = dt.datetime(2026, 3, 15, 2, tzinfo=dt.UTC)


@pytest.mark.parametrize(("data", "read_back"), [
    ({"name": "华光电缆", "scope": [4, 5], "nested": {"ok": True, "none": None}}, None),
    ({"big": 2**70 + 1, "negative": -(2**65) - 1}, None),  # beyond orjson's 64 bits
    ({1: "one"}, {"1": "one"}),  # as json.dumps always stored it
])
def test_json_columns_store_what_json_can_hold(
    engine: Engine, data: dict[Any, Any], read_back: dict[str, Any] | None
) -> None:
    with engine.begin() as conn:
        feed.record(conn, "test.event", "91330106MA2H7K3LXA", "test", data, NOW)
    with engine.connect() as conn:
        assert feed.page(conn, 0, 10)[0]["data"] == (read_back or data)
        stored = conn.execute(text("SELECT CAST(data AS TEXT) FROM feed_events")).scalar_one()
    if read_back is None and "name" in data:
        assert "华光电缆" in stored and ": " not in stored  # UTF-8 and compact
