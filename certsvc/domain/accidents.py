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

from certsvc.domain.catalogue import Unit
from certsvc.domain.specs import Field, Kind, Spec
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


ACCIDENT_SPEC = Spec((
    Field("product", Kind.UNIT, "产品单元", "Product", example="架空绝缘电缆"),
    Field("occurred_at", Kind.MOMENT, "事故发生时间", "Occurred at",
          example="2026-06-01T08:00:00+08:00", help_en="ISO 8601; Beijing time if no offset"),
    Field("learned_at", Kind.MOMENT, "获知时间", "Learned of at",
          example="2026-06-01T09:00:00+08:00",
          help_zh="报告期限从获知时起 24 小时", help_en="the 24 hours run from here"),
    Field("description", Kind.TEXT, "事故情况", "What happened", max_length=4000,
          example="绝缘层开裂"),
    Field("cause", Kind.TEXT, "原因", "Cause", required=False, max_length=4000),
    Field("measures", Kind.TEXT, "已采取的措施", "Measures taken", max_length=4000,
          example="暂停发货"),
))
FOLLOW_UP_SPEC = Spec((
    Field("cause", Kind.TEXT, "查明的原因", "Established cause", max_length=4000,
          example="原材料批次缺陷"),
    Field("measures", Kind.TEXT, "整改措施", "Measures", max_length=4000, example="更换供应商"),
))


def parse_accident(data: Any, now: dt.datetime) -> AccidentReport:
    values = ACCIDENT_SPEC.parse(data)
    if values.learned_at < values.occurred_at:
        raise ValidationError("learned_at", "is before the accident happened")
    if values.learned_at > now:
        raise ValidationError("learned_at", "is in the future")
    return AccidentReport(
        values.product, values.occurred_at, values.learned_at,
        description=values.description, cause=values.cause or "调查中 (under investigation)",
        measures=values.measures,
    )
