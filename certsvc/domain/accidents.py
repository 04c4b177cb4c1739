"""Product-safety accident reports (产品质量安全事故报告): what happened, and how fast it was told.

An enterprise must report within 24 hours of learning of an accident; a later report is
accepted and flagged late. A report without a follow-up (the established cause and the
measures taken) for seven days is listed for the bureau too.

    >>> is_late(dt.datetime(2026, 6, 1, 2, tzinfo=dt.UTC), dt.datetime(2026, 6, 2, 1, 59,
    ...         tzinfo=dt.UTC))
    False
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from certsvc.domain.catalogue import Unit, catalogue
from certsvc.domain.fields import obj, required, text
from certsvc.domain.time import CHINA
from certsvc.errors import ValidationError

REPORT_DEADLINE = dt.timedelta(hours=24)
FOLLOW_UP_DUE = dt.timedelta(days=7)


@dataclass(frozen=True)
class AccidentReport:
    unit: Unit
    occurred_at: dt.datetime
    learned_at: dt.datetime
    description: str
    cause: str
    measures: str


def is_late(learned_at: dt.datetime, reported_at: dt.datetime) -> bool:
    return reported_at - learned_at > REPORT_DEADLINE


def parse_accident(data: Any, now: dt.datetime) -> AccidentReport:
    body = obj(data, "accident")
    ref = body.get("product")
    if not isinstance(ref, str | int):
        raise ValidationError("product", "must be a catalogue unit name or id")
    unit = catalogue().resolve(ref, "product")
    occurred_at = moment(body.get("occurred_at"), "occurred_at")
    learned_at = moment(body.get("learned_at"), "learned_at")
    if learned_at < occurred_at:
        raise ValidationError("learned_at", "is before the accident happened")
    if learned_at > now:
        raise ValidationError("learned_at", "is in the future")
    return AccidentReport(
        unit, occurred_at, learned_at,
        description=text(body.get("description"), "description", 4000),
        cause=text(body.get("cause", "调查中 (under investigation)"), "cause", 4000),
        measures=text(body.get("measures"), "measures", 4000),
    )


def moment(value: Any, field: str) -> dt.datetime:
    """An ISO 8601 time; without an offset it is read as Beijing time, as people write it."""
    if not isinstance(required(value, field), str):
        raise ValidationError(field, "must be a time such as 2026-06-01T10:00:00+08:00")
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValidationError(field, f"{value!r} is not an ISO 8601 time") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=CHINA)
    return parsed.astimezone(dt.UTC)
