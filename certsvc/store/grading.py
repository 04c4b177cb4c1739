"""What the supervision grade reads (``certsvc.domain.grading``), for many enterprises in a
few grouped queries, and the evaluations and overrides as rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Connection, RowMapping, Table, func, select

from certsvc.domain.grading import Record
from certsvc.domain.licence import LicenceStatus
from certsvc.store.models import (
    AccidentRow,
    ComplaintRow,
    EvaluationRow,
    GradeOverrideRow,
    LicenceRow,
    MeasureRow,
    SpotCheckRow,
)
from certsvc.store.oversight import in_area, scoped

EVALUATIONS = cast(Table, EvaluationRow.__table__)
OVERRIDES = cast(Table, GradeOverrideRow.__table__)
_LIC = cast(Table, LicenceRow.__table__)
_SPOT = cast(Table, SpotCheckRow.__table__)
_ACC = cast(Table, AccidentRow.__table__)
_MEA = cast(Table, MeasureRow.__table__)
_COM = cast(Table, ComplaintRow.__table__)
# the enterprises graded: those holding a licence in force, and those whose product left the
# catalogue (五(三): supervised still, and more)
GRADED = (LicenceStatus.VALID.value, LicenceStatus.SUSPENDED.value,
          LicenceStatus.NOT_REQUIRED.value)


def enterprises(conn: Connection, *, bureau_code: str | None, area: str | None,
                after: str, limit: int, uscc: str | None = None) -> list[dict[str, Any]]:
    """The graded enterprises of a province (its licences) or an area, by USCC after
    ``after``: USCC, name, and whether every licence it has is 'no longer required'."""
    query = select(_LIC.c.uscc, func.max(_LIC.c.enterprise_name).label("name"),
                   func.min(_LIC.c.status).label("lowest"),
                   func.max(_LIC.c.status).label("highest")).where(
        _LIC.c.status.in_(GRADED), _LIC.c.uscc > after)
    if bureau_code is not None:
        query = query.where(_LIC.c.bureau_code == bureau_code)
    if area is not None:
        query = query.where(in_area(_LIC.c.uscc, area))
    if uscc is not None:
        query = query.where(_LIC.c.uscc == uscc)
    rows = conn.execute(query.group_by(_LIC.c.uscc).order_by(_LIC.c.uscc).limit(limit))
    delisted = LicenceStatus.NOT_REQUIRED.value
    return [{"uscc": r.uscc, "name": r.name,
             "delisted": r.lowest == delisted and r.highest == delisted} for r in rows]


def records(conn: Connection, usccs: Sequence[str], delisted: dict[str, bool],
            since: dt.datetime) -> dict[str, Record]:
    """Each enterprise's record since ``since``."""
    found: dict[str, dict[str, Any]] = {u: {"delisted": delisted.get(u, False)} for u in usccs}
    if not usccs:
        return {}
    keys = list(usccs)

    def add(rows: Any, field: str) -> None:
        for uscc, count in rows:
            found[uscc][field] = found[uscc].get(field, 0) + count

    for passed, field in ((True, "spot_checks_passed"), (False, "spot_checks_failed")):
        add(conn.execute(select(_SPOT.c.uscc, func.count()).where(
            _SPOT.c.uscc.in_(keys), _SPOT.c.passed.is_(passed),
            _SPOT.c.checked_on >= since.date()).group_by(_SPOT.c.uscc)), field)
    add(conn.execute(select(_ACC.c.uscc, func.count()).where(
        _ACC.c.uscc.in_(keys), _ACC.c.reported_at >= since).group_by(_ACC.c.uscc)),
        "accidents")
    add(conn.execute(select(_ACC.c.uscc, func.count()).where(
        _ACC.c.uscc.in_(keys), _ACC.c.reported_at >= since, _ACC.c.late.is_(True))
        .group_by(_ACC.c.uscc)), "accidents_late")
    add(conn.execute(select(_MEA.c.uscc, func.count()).where(
        _MEA.c.uscc.in_(keys), _MEA.c.closed_at.is_(None)).group_by(_MEA.c.uscc)),
        "measures_open")
    add(conn.execute(select(_MEA.c.uscc, func.count()).where(
        _MEA.c.uscc.in_(keys), _MEA.c.kind == "rectify", _MEA.c.outcome == "failed",
        _MEA.c.closed_at >= since).group_by(_MEA.c.uscc)), "rectifications_failed")
    add(conn.execute(select(_COM.c.uscc, func.count()).where(
        _COM.c.uscc.in_(keys), _COM.c.state == "filed_case", _COM.c.decided_at >= since)
        .group_by(_COM.c.uscc)), "complaints_filed")
    add(conn.execute(select(_LIC.c.uscc, func.count()).where(
        _LIC.c.uscc.in_(keys), _LIC.c.status == LicenceStatus.REVOKED.value,
        _LIC.c.updated_at >= since).group_by(_LIC.c.uscc)), "revoked")
    latest = select(EVALUATIONS.c.uscc, func.max(EVALUATIONS.c.id).label("id")).where(
        EVALUATIONS.c.uscc.in_(keys)).group_by(EVALUATIONS.c.uscc).subquery()
    for uscc, rating in conn.execute(select(EVALUATIONS.c.uscc, EVALUATIONS.c.rating).join(
            latest, latest.c.id == EVALUATIONS.c.id)):
        found[uscc]["evaluation"] = rating
    return {uscc: Record(**values) for uscc, values in found.items()}


def overrides(conn: Connection, usccs: Sequence[str]) -> dict[str, RowMapping]:
    """Each enterprise's newest override, if any."""
    if not usccs:
        return {}
    latest = select(func.max(OVERRIDES.c.id)).where(
        OVERRIDES.c.uscc.in_(list(usccs))).group_by(OVERRIDES.c.uscc)
    rows = conn.execute(select(OVERRIDES).where(OVERRIDES.c.id.in_(latest))).mappings()
    return {r["uscc"]: r for r in rows}


def last_checks(conn: Connection, usccs: Sequence[str]) -> dict[str, dt.date]:
    if not usccs:
        return {}
    rows = conn.execute(select(_SPOT.c.uscc, func.max(_SPOT.c.checked_on)).where(
        _SPOT.c.uscc.in_(list(usccs))).group_by(_SPOT.c.uscc))
    return {uscc: day for uscc, day in rows}


def evaluations(conn: Connection, *, bureau_code: str | None, uscc: str | None,
                area: str | None, body_id: int | None, before: int | None,
                limit: int) -> list[RowMapping]:
    query = scoped(select(EVALUATIONS), EVALUATIONS, bureau_code, uscc, area)
    if body_id is not None:
        query = query.where(EVALUATIONS.c.body_id == body_id)
    if before is not None:
        query = query.where(EVALUATIONS.c.id < before)
    return list(conn.execute(query.order_by(EVALUATIONS.c.id.desc()).limit(limit))
                .mappings())
