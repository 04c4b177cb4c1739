"""Review bodies (审查机构) and the bar on bodies and inspection institutions: the requests.

《质检总局关于深化工业产品生产许可证制度改革的意见》(国质检监〔2015〕364号) 五(一): review bodies
are independent legal persons that do not seek profit from the review work, registered with
the national authority or a province, their reviewers named and qualified; they report
yearly (年度检查和报告, with their head's 述职报告);
市场反映不具备相应技术能力、质监部门在日常监管中发现存在违法违规行为的机构
不得承担审查和检验任务 — the same bar holds for inspection institutions.
One spec each (``certsvc.domain.specs``): it validates the request and is its OpenAPI schema.

    >>> BODY_STATUSES["barred"]
    '禁止承担审查任务'
"""

from __future__ import annotations

from certsvc.domain.catalogue import procedure_rules
from certsvc.domain.specs import Field, Kind, Spec

# a body's status: only an active body may be assigned an on-site verification
BODY_STATUSES = {"active": "正常", "suspended": "暂停承担审查任务",
                 "barred": "禁止承担审查任务"}
INSTITUTION_STATUSES = {"active": "正常", "barred": "禁止承担检验任务"}
# an annual report's state in the bureau's lists
REPORT_STATES = ("due", "overdue", "filed", "inspected")
SOURCE = "国质检监〔2015〕364号 五(一)"

_UNITS = Field("products", Kind.UNITS, "可审查的产品单元", "Products it may review",
               example=["架空绝缘电缆"])
REVIEW_BODY_SPEC = Spec((
    Field("name", Kind.TEXT, "机构名称", "Name", max_length=100, example="浙江省产品质量审查中心"),
    Field("uscc", Kind.USCC, "统一社会信用代码（独立法人）", "USCC (an independent legal person)",
          example="123300004700033400"),
    Field("not_for_profit", Kind.BOOL, "审查工作不以营利为目的", "Not for profit in this work",
          example=True, help_en="must be true: 五(一) admits no body that seeks profit from "
                                "the review work"),
    Field("qualification", Kind.TEXT, "资质", "Qualification", max_length=500,
          example="省级工业产品生产许可证审查机构（浙市监〔2026〕1号）"),
    _UNITS,
))
REVIEWER_SPEC = Spec((
    Field("name", Kind.TEXT, "审查员姓名", "Reviewer's name", max_length=50, example="张伟"),
    Field("qualification_number", Kind.TEXT, "审查员注册号", "Qualification number",
          max_length=64, example="SC-33-2024-0099"),
))
CONFLICT_SPEC = Spec((
    Field("uscc", Kind.USCC, "企业统一社会信用代码", "Enterprise USCC",
          example="91330106MA2H7K3LXA"),
    Field("reviewer", Kind.TEXT, "审查员注册号", "Reviewer's qualification number",
          required=False, max_length=64,
          help_en="the reviewer concerned; without it the whole body is"),
    Field("note", Kind.TEXT, "利益冲突情形", "What the conflict is", max_length=2000,
          example="2025 年为该企业提供过咨询服务"),
))
def _status_spec(statuses: dict[str, str], help_en: str, reason: str) -> Spec:
    return Spec((
        Field("status", Kind.CHOICE, "状态", "Status", choices=tuple(statuses),
              example="barred", help_en=help_en),
        Field("reason", Kind.TEXT, "理由", "Reason", max_length=2000, example=reason),
    ))


BODY_STATUS_SPEC = _status_spec(
    BODY_STATUSES, "active, suspended or barred; a body that is not active gives its open "
                   "assignments back", "日常监管中发现存在违法违规行为")
INSTITUTION_STATUS_SPEC = _status_spec(
    INSTITUTION_STATUSES, "active or barred; a barred institution's open tests go back to "
                          "the enterprise to choose another", "市场反映不具备相应技术能力")
REPORTING_SPEC = Spec((
    Field("year", Kind.INT, "报告年度", "Year reported on", minimum=2015, maximum=9999,
          example=2026),
    Field("due_on", Kind.DATE, "提交期限", "Due on", example="2027-01-31",
          help_en="for every review body this bureau keeps"),
))
_REPORT_HELP = "PDF、OFD、JPEG 或 PNG，10 MB 以内"
ANNUAL_REPORT_SPEC = Spec((
    Field("report", Kind.DOCUMENT, "年度工作报告", "Annual report", example="sha256:" + "0" * 64,
          help_zh=_REPORT_HELP, help_en="an uploaded document's reference"),
    Field("head_report", Kind.DOCUMENT, "负责人述职报告", "The head's report",
          example="sha256:" + "0" * 64, help_zh=_REPORT_HELP,
          help_en="an uploaded document's reference"),
))
INSPECTION_SPEC = Spec((
    Field("passed", Kind.BOOL, "年度检查结论：合格", "Passed", example=True),
    Field("note", Kind.TEXT, "检查意见", "Findings", max_length=2000, example="符合要求"),
))
# 条例第十五条: 2 to 4 reviewers a visit (the catalogue data file, with its source)
FEWEST_REVIEWERS, MOST_REVIEWERS = procedure_rules().onsite_reviewers
ASSIGNMENT_FIELDS = (
    Field("review_body_id", Kind.INT, "审查机构", "Review body", minimum=1, example=1,
          help_en="an active body registered for these products, with no declared conflict"),
    Field("reviewers", Kind.TEXT_LIST, "审查员（注册号）", "Reviewers (qualification numbers)",
          max_length=64, min_items=FEWEST_REVIEWERS, max_items=MOST_REVIEWERS,
          example=["SC-33-2021-0012", "SC-33-2022-0031"],
          help_en=f"{FEWEST_REVIEWERS} to {MOST_REVIEWERS} of the body's registered "
                  "reviewers (条例第十五条)"),
)
