"""分类监管: a supervision grade for every licensed enterprise and every enterprise whose
product left the catalogue, from its record, by a documented and versioned rule.

The reform asks for supervision by risk (国质检监〔2015〕364号 五(三), 五(四)) and more spot
checks where the licence no longer applies, not fewer. The grades follow the four classes of
the market regulator's credit-risk classification — A 信用风险低, B 信用风险一般, C 信用风险较高,
D 信用风险高 — under which low-risk enterprises are checked less often and high-risk ones more
(市场监管总局《关于推进企业信用风险分类管理进一步提升监管效能的意见》, 国市监信发〔2022〕6号;
the classes' names and that principle are taken from it; this search tool did not find its
text, so the thresholds and frequencies below are certsvc's own, versioned, for a bureau to
adopt or change). A bureau may override a grade with a reason; the override is audited and
shown beside the computed grade.

    >>> grade(Record(spot_checks_failed=2)).grade
    'D'
"""

from __future__ import annotations

from dataclasses import dataclass

from certsvc.domain.specs import Field, Kind, Spec

RULE_VERSION = "2026-11-1"
WINDOW_MONTHS = 24  # the record a grade looks at
GRADES = {"A": "信用风险低", "B": "信用风险一般", "C": "信用风险较高", "D": "信用风险高"}
GRADES_EN = {"A": "low risk", "B": "ordinary risk", "C": "higher risk", "D": "high risk"}
# spot checks a year the grade asks for (the spot-check frequency list)
CHECKS_PER_YEAR = {"A": 0.5, "B": 1.0, "C": 2.0, "D": 4.0}

OVERRIDE_SPEC = Spec((
    Field("grade", Kind.CHOICE, "监管等级", "Grade", choices=tuple(GRADES), example="C",
          help_en="A (low risk) to D (high risk)"),
    Field("reason", Kind.TEXT, "调整理由", "Why", max_length=2000,
          example="日常检查发现原料进货查验记录缺失"),
))


@dataclass(frozen=True)
class Record:
    """An enterprise's record over the window, as the rule reads it."""

    spot_checks_passed: int = 0
    spot_checks_failed: int = 0
    accidents: int = 0
    accidents_late: int = 0
    measures_open: int = 0
    rectifications_failed: int = 0
    complaints_filed: int = 0  # reports from the public that became a case
    revoked: int = 0  # licences revoked (撤销、吊销) in the window
    evaluation: str | None = None  # the latest quality-safety evaluation's rating
    delisted: bool = False  # its product left the catalogue (no licence needed now)


@dataclass(frozen=True)
class Grade:
    grade: str
    reasons: tuple[str, ...]
    checks_per_year: float
    rule: str = RULE_VERSION


def grade(record: Record) -> Grade:
    """The grade and every reason for it. D on a revocation, a failed rectification, two or
    more failed spot checks, or an inadequate evaluation together with a failed check; C on
    one failed spot check, an open measure, a case from a public report, a late accident
    report, an accident, or an inadequate evaluation; A for a clean record with a passed spot
    check or a good evaluation; B otherwise. A product that left the catalogue raises an A to
    B: nobody checks its conditions at a renewal any more."""
    d = [reason for test, reason in (
        (record.revoked > 0, f"许可证被撤销或吊销 {record.revoked} 次 / licence revoked"),
        (record.rectifications_failed > 0, "限期整改不合格 / a rectification failed"),
        (record.spot_checks_failed >= 2,
         f"监督抽查不合格 {record.spot_checks_failed} 次 / spot checks failed"),
        (record.evaluation == "inadequate" and record.spot_checks_failed > 0,
         "质量安全评价不合格且抽查不合格 / inadequate evaluation and a failed spot check"),
    ) if test]
    if d:
        return _graded("D", d)
    c = [reason for test, reason in (
        (record.spot_checks_failed == 1, "监督抽查不合格 1 次 / a spot check failed"),
        (record.measures_open > 0, f"未结监管措施 {record.measures_open} 项 / open measures"),
        (record.complaints_filed > 0,
         f"举报立案 {record.complaints_filed} 件 / cases from public reports"),
        (record.accidents_late > 0, "事故迟报 / an accident reported late"),
        (record.accidents > 0, f"质量安全事故 {record.accidents} 起 / accidents"),
        (record.evaluation == "inadequate", "质量安全评价不合格 / inadequate evaluation"),
    ) if test]
    if c:
        return _graded("C", c)
    good = [reason for test, reason in (
        (record.spot_checks_passed > 0,
         f"监督抽查合格 {record.spot_checks_passed} 次 / spot checks passed"),
        (record.evaluation == "good", "质量安全评价良好 / good evaluation"),
    ) if test]
    if good and not record.delisted:
        return _graded("A", good)
    reasons = ["记录无不良，亦无合格抽查或良好评价 / nothing against it, nothing for it"]
    if good:
        reasons = [*good, "产品已退出许可目录 / product left the catalogue"]
    return _graded("B", reasons)


def _graded(letter: str, reasons: list[str]) -> Grade:
    return Grade(letter, tuple(reasons), CHECKS_PER_YEAR[letter])
