"""Declaration versions: each publication or withdrawal appends one; nothing is rewritten.

The next version number is taken inside the caller's transaction, and ``(uscc, version)`` is
unique, so two publications at once cannot both become the same version.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from sqlalchemy import Connection, Table, func, insert, select

from certsvc.store.models import DeclarationRow

_T = cast(Table, DeclarationRow.__table__)


def append_version(conn: Connection, uscc: str, content: dict[str, Any] | None,
                   account_id: int, now: dt.datetime) -> int:
    """Store a new version (``content`` None: withdrawn); return its number."""
    latest = conn.execute(select(func.max(_T.c.version)).where(_T.c.uscc == uscc)).scalar()
    version = int(latest or 0) + 1
    conn.execute(insert(_T).values(uscc=uscc, version=version, withdrawn=content is None,
                                   content=content, account_id=account_id, published_at=now))
    return version
