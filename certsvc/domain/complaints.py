"""举报: the public reports a suspected forged licence, a product problem or production
without a licence (国质检监〔2015〕364号 五(四): 引导公众参与对企业的监督).

The bureau checks a report and decides whether to open a case within 15 working days of
receiving it, once extensible by another 15 with its head's approval:
《市场监督管理行政处罚程序规定》第十八条 (国家市场监督管理总局令第2号, as amended; text as
published by 第十四师市场监督管理局, https://www.btdsss.gov.cn/c/2025-05-14/912884.shtml):
"应当自发现线索或者收到材料之日起十五个工作日内予以核查，由市场监督管理部门负责人决定是否立案；
特殊情况下，经市场监督管理部门负责人批准，可以延长十五个工作日。"

    >>> KINDS["forged_licence"]
    '疑似伪造许可证'
"""

from __future__ import annotations

from certsvc.domain.specs import Field, Kind, Spec

CHECK_WORKING_DAYS = 15  # 第十八条: 核查 and the decision whether to open a case
EXTENSION_WORKING_DAYS = 15  # once, with the head's approval
KINDS = {"forged_licence": "疑似伪造许可证", "product_problem": "产品质量安全问题",
         "unlicensed": "无证生产"}
KINDS_EN = {"forged_licence": "Suspected forged licence",
            "product_problem": "Product quality or safety problem",
            "unlicensed": "Production without a licence"}
# received → (extended →) filed_case | not_filed
STATES = {"received": "已受理，核查中", "extended": "核查期限已延长", "filed_case": "已立案",
          "not_filed": "不予立案"}
STATES_EN = {"received": "Received, being checked", "extended": "Check extended",
             "filed_case": "Case opened", "not_filed": "No case opened"}
DECISIONS = ("filed_case", "not_filed", "extend", "transfer")
LISTS = ("open", "overdue", "decided")
MAX_PHOTO = 5 * 1024 * 1024
PHOTO_TYPES = ("image/jpeg", "image/png")

COMPLAINT_SPEC = Spec((
    Field("kind", Kind.CHOICE, "举报类型", "What you report", choices=tuple(KINDS),
          example="forged_licence",
          help_en="forged_licence, product_problem or unlicensed"),
    Field("description", Kind.TEXT, "情况说明", "What you saw", max_length=2000,
          example="扫码显示无法验证，包装上的许可证编号查不到"),
    Field("licence_number", Kind.TEXT, "许可证编号（如有）", "Licence number, if any",
          required=False, max_length=64),
    Field("uscc", Kind.USCC, "企业统一社会信用代码（如知道）", "Enterprise USCC, if known",
          required=False),
    Field("enterprise_name", Kind.TEXT, "企业或产品名称（如知道）",
          "Enterprise or product name, if known", required=False, max_length=200),
    Field("place", Kind.TEXT, "购买或发现地点", "Where you bought or saw it", required=False,
          max_length=200),
    Field("qr_text", Kind.TEXT, "扫码内容", "What the QR code said", required=False,
          max_length=2000, help_en="filled in from the page the QR code opened"),
    Field("contact", Kind.TEXT, "联系方式（可不填，匿名亦可）",
          "How to reach you (optional: anonymous is fine)", required=False, max_length=200,
          help_zh="仅受理机关可见", help_en="only the bureau handling it sees this"),
))
DECISION_SPEC = Spec((
    Field("decision", Kind.CHOICE, "核查结论", "Decision", choices=DECISIONS,
          example="filed_case",
          help_en="filed_case (立案), not_filed (不予立案), extend (延长十五个工作日, once, "
                  "with the head's approval), or transfer (移送有管辖权的机关: bureau)"),
    Field("note", Kind.TEXT, "答复（举报人可见）", "Answer (the reporter sees it)",
          max_length=2000, example="经核查，已立案调查"),
    Field("bureau", Kind.TEXT, "移送至", "Transfer to", required=False, max_length=100,
          help_en="for transfer: the competent province (code, name or abbreviation)"),
))
