"""Data sharing with other departments and insurers (国质检监〔2015〕364号 五(四)): what a
department may read, why it reads it, and the insurers' liability policies.

A department's account is granted families of the feed's events (``licence`` for every
licence change, ``spot_check``, ``recall`` …) and reads nothing else; every read it makes —
of the feed, an export or an enterprise's standing — states its purpose (用证事由), which the
audit log keeps. An insurer files the product quality-safety liability policies it writes
(产品质量安全责任保险); whether an enterprise has one in force is public.

    >>> sorted(FEED_FAMILIES)[:3]
    ['accident', 'declaration', 'evaluation']
"""

from __future__ import annotations

from certsvc.domain.specs import Field, Kind, Spec

# the families of the feed's events (the part of a kind before the dot)
FEED_FAMILIES = {
    "licence": "许可证发放与状态", "spot_check": "监督抽查", "recall": "召回与责令召回",
    "measure": "监管措施", "accident": "事故报告", "declaration": "标准自我声明",
    "insurance": "产品质量安全责任保险", "evaluation": "质量安全评价",
}
PURPOSE = Field("purpose", Kind.TEXT, "用证事由", "Purpose of the read", max_length=200,
                example="招标投标资格审查", help_en="why the department reads it: kept in "
                                                  "the audit log")
PURPOSE_SPEC = Spec((PURPOSE,))
POLICY_SPEC = Spec((
    Field("uscc", Kind.USCC, "投保企业统一社会信用代码", "Insured enterprise's USCC",
          example="91330106MA2H7K3LXA"),
    Field("policy_number", Kind.TEXT, "保单号", "Policy number", max_length=64,
          example="PZJA202633010600001"),
    Field("cover_yuan", Kind.INT, "累计赔偿限额（元）", "Cover (yuan, aggregate)", minimum=1,
          example=5_000_000),
    Field("starts_on", Kind.DATE, "保险起期", "Starts on", example="2026-06-01"),
    Field("ends_on", Kind.DATE, "保险止期", "Ends on", example="2027-05-31",
          help_en="after the start"),
))
