"""质量安全评价: a review body's evaluation of an enterprise's necessary conditions and capability
(国质检监〔2015〕364号 五(二)), scored against the conditions of 《工业产品生产许可证管理条例》
(国务院令第440号) 第九条, each 0 to 10.

The rating follows from the scores by certsvc's rule (versioned with the grading rule): any
condition under 6 is ``inadequate``; an average of 8 or more is ``good``; else ``adequate``.

    >>> rating([10, 9, 8, 8, 9, 10, 8])
    'good'
"""

from __future__ import annotations

from certsvc.domain.specs import Field, Kind, Spec

# 条例第九条: the conditions an enterprise must meet for a licence
CRITERIA = {
    "business_licence": "有营业执照",
    "technical_staff": "有与所生产产品相适应的专业技术人员",
    "production_conditions": "有与所生产产品相适应的生产条件和检验检疫手段",
    "technical_documents": "有与所生产产品相适应的技术文件和工艺文件",
    "quality_management": "有健全有效的质量管理制度和责任制度",
    "product_standards": "产品符合有关国家标准、行业标准以及保障人体健康和人身、财产安全的要求",
    "industrial_policy": "符合国家产业政策，不存在明令淘汰的落后工艺等情况",
}
RATINGS = {"good": "良好", "adequate": "基本符合", "inadequate": "不符合"}
PASS_SCORE, GOOD_AVERAGE = 6, 8

EVALUATION_SPEC = Spec((
    Field("application", Kind.INT, "所评价的申请（委派核查的申请编号）", "Application reviewed",
          minimum=1, maximum=2**31 - 1, example=1,
          help_en="the application whose on-site review the bureau assigned to this body: an "
                  "evaluation belongs to an assignment"),
    Field("uscc", Kind.USCC, "企业统一社会信用代码", "Enterprise USCC",
          example="91330106MA2H7K3LXA"),
    Field("evaluated_on", Kind.DATE, "评价日期", "Evaluated on", example="2026-05-20",
          help_en="not in the future"),
    Field("scores", Kind.LIST, "各项条件得分", "Scores", min_items=len(CRITERIA),
          max_items=len(CRITERIA), sub=Spec((
              Field("criterion", Kind.CHOICE, "条件", "Condition", choices=tuple(CRITERIA),
                    example="business_licence"),
              Field("score", Kind.INT, "得分（0–10）", "Score (0–10)", minimum=0, maximum=10,
                    example=9),
          )), form_rows=len(CRITERIA), help_en="one score for each condition of 条例第九条",
          example=[{"criterion": c, "score": 9} for c in CRITERIA]),
    Field("conclusion", Kind.TEXT, "评价结论", "Conclusion", max_length=2000,
          example="具备持续稳定生产合格产品的能力"),
))


def rating(scores: list[int]) -> str:
    if min(scores) < PASS_SCORE:
        return "inadequate"
    return "good" if sum(scores) >= GOOD_AVERAGE * len(scores) else "adequate"
