"""The requests of the supervision that follows a licence: spot checks, recalls and recall
orders, the register of inspection institutions, supervision measures. One spec each
(``certsvc.domain.specs``), which validates the request and is its OpenAPI schema.

    >>> sorted(f.name for f in RECALL_SPEC.fields if f.required)[:3]
    ['batches', 'contact', 'defect']
"""

from __future__ import annotations

from certsvc.domain.specs import Field, Kind, Spec

SPOT_CHECK_LEVELS = ("national", "provincial", "municipal", "county")
MEASURE_KINDS = {"interview": "约谈", "report": "责令报告", "rectify": "限期整改"}

_UNITS = Field("products", Kind.UNITS, "产品单元", "Products", example=["架空绝缘电缆"])
SPOT_CHECK_SPEC = Spec((
    Field("uscc", Kind.USCC, "企业统一社会信用代码", "Enterprise USCC",
          example="91330106MA2H7K3LXA"),
    _UNITS,
    Field("level", Kind.CHOICE, "抽查层级", "Level", choices=SPOT_CHECK_LEVELS,
          example="provincial"),
    Field("checked_on", Kind.DATE, "抽查日期", "Checked on", example="2026-03-01",
          help_en="not in the future"),
    Field("institution_id", Kind.INT, "检验机构", "Inspection institution", minimum=1,
          example=1),
    Field("passed", Kind.BOOL, "结论：合格", "Passed", example=True),
    Field("reference", Kind.TEXT, "文号", "Reference", max_length=100,
          example="浙市监抽〔2026〕3号"),
))
RECALL_SPEC = Spec((
    _UNITS,
    Field("defect", Kind.TEXT, "缺陷", "Defect", max_length=4000, example="绝缘层开裂"),
    Field("batches", Kind.TEXT, "批次", "Batches", max_length=2000, example="20260501"),
    Field("sold", Kind.INT, "已售数量", "Sold", example=120),
    Field("unsold", Kind.INT, "未售数量", "Unsold", example=30),
    Field("remedy", Kind.TEXT, "补救措施", "Remedy", max_length=2000, example="免费更换"),
    Field("contact", Kind.TEXT, "联系方式", "Contact", max_length=200,
          example="0571-88888888"),
    Field("order_id", Kind.INT, "所答复的责令召回", "Recall order answered", required=False,
          minimum=1, help_en="the bureau's recall order this recall answers, if any"),
))
RECALL_CAUSES = {"accident": "产品质量安全事故", "spot_check": "监督抽查不合格"}
RECALL_ORDER_STATES = ("open", "overdue", "answered")
RECALL_ORDER_SPEC = Spec((
    Field("cause", Kind.CHOICE, "原因", "Cause", choices=tuple(RECALL_CAUSES),
          example="accident", help_en="accident (an accident report) or spot_check (a failed "
                                      "spot check)"),
    Field("cause_id", Kind.INT, "事故报告或抽查编号", "Accident report or spot check", minimum=1,
          example=1),
    Field("reason", Kind.TEXT, "责令召回的理由", "Reason", max_length=2000,
          example="产品存在危及人身安全的缺陷"),
    Field("deadline", Kind.DATE, "召回期限", "Deadline", example="2026-07-01",
          help_en="after today: by then the enterprise announces its recall"),
))
RECALL_CLOSE_SPEC = Spec((
    Field("note", Kind.TEXT, "结束说明", "Closing note", example="已全部更换"),
))
INSTITUTION_SPEC = Spec((
    Field("name", Kind.TEXT, "机构名称", "Name", max_length=100, example="新检测机构"),
    Field("accreditation", Kind.TEXT, "资质认定证书编号", "Accreditation (CMA)", max_length=64,
          example="CMA 2026110009"),
    Field("level", Kind.INT, "级别", "Level", minimum=1, maximum=3, example=2,
          help_en="1 = I, 2 = II, 3 = III"),
    Field("filed", Kind.BOOL, "已备案", "Filed", example=True),
))
FILING_SPEC = Spec((Field("filed", Kind.BOOL, "已备案", "Filed", example=False),))
MEASURE_SPEC = Spec((
    Field("licence_number", Kind.LICENCE_NUMBER, "许可证编号", "Licence number",
          example="浙XK06-001-00012"),
    Field("kind", Kind.CHOICE, "措施", "Kind", choices=tuple(MEASURE_KINDS),
          example="interview",
          help_en="interview (约谈), report (责令报告) or rectify (限期整改)"),
    Field("reason", Kind.TEXT, "理由", "Reason", example="抽查不合格"),
    Field("deadline", Kind.DATE, "期限", "Deadline", required=False,
          help_en="after today; required for report and rectify"),
))
OUTCOME_SPEC = Spec((
    Field("passed", Kind.BOOL, "结论：合格", "Passed", example=True),
    Field("note", Kind.TEXT, "说明", "Note", example="已整改"),
    Field("legal_basis", Kind.TEXT, "法律依据", "Legal basis", required=False,
          max_length=500, help_en="required when a failed rectification revokes the licence"),
))
