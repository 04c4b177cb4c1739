"""Chinese by default, English on request: ``?lang=en`` (remembered in a cookie), no script.

    >>> MESSAGES["search"]["en"]
    'Search'
"""

from __future__ import annotations

import datetime as dt

from flask import request

from certsvc.credential.verifier import MESSAGES as VERDICTS
from certsvc.credential.verifier import Verdict, VerdictCode
from certsvc.domain.licence import STATUS_TERMS, LicenceStatus
from certsvc.domain.time import CHINA, as_utc, china_date, utcnow
from certsvc.store.records import LicenceRecord

LANGUAGES = ("zh", "en")
COOKIE = "lang"

MESSAGES: dict[str, dict[str, str]] = {
    "site": {"zh": "工业产品生产许可证查验", "en": "Production licence check"},
    "intro": {"zh": "用手机相机扫描产品上的许可证二维码即可查验；也可以按许可证编号、统一社会信用代码或企业名称查询。",
              "en": "Scan the licence QR on a product with any phone camera, or search by licence "
                    "number, Unified Social Credit Code or enterprise name."},
    "search": {"zh": "查询", "en": "Search"},
    "search_hint": {"zh": "许可证编号、统一社会信用代码或企业名称",
                    "en": "Licence number, USCC or enterprise name"},
    "results": {"zh": "查询结果", "en": "Results"},
    "no_results": {"zh": "没有找到符合条件的许可证", "en": "No licence matches"},
    "page": {"zh": "第 {page} 页，共 {pages} 页（{total} 条）",
             "en": "Page {page} of {pages} ({total} licences)"},
    "identifier_placeholder": {"zh": "（含占位代码：尚未接入全国电子证照目录）",
                               "en": "(placeholder codes: not yet in the national catalogue)"},
    "identifier_superseded": {"zh": "此电子证照标识已被新版本替代，不再现行",
                              "en": "This identifier names a superseded version: not in force"},
    "identifier_current": {"zh": "现行版本的标识：{current}",
                           "en": "The current version's identifier: {current}"},
    "capped": {"zh": "匹配结果超过 {total} 条，只显示前 {total} 条。请输入更完整的企业名称。",
               "en": "More than {total} licences match; the first {total} are shown. Type more "
                     "of the name."},
    "prefix_only": {"zh": "一两个字只查找以此开头的企业名称；输入三个字以上可查找名称中任意位置。",
                    "en": "One or two characters find names that start with them; type three "
                          "or more to find them anywhere in a name."},
    "progress": {"zh": "办件进度查询", "en": "Application progress"},
    "progress_hint": {"zh": "输入申请编号和企业的统一社会信用代码，查看办理到哪一步。",
                      "en": "Enter the application number and the enterprise's Unified Social "
                            "Credit Code to see how far it has come."},
    "application_number": {"zh": "申请编号", "en": "Application number"},
    "progress_none": {"zh": "没有找到与这个编号和代码相符的申请。",
                      "en": "No application matches this number and code."},
    "step_submitted": {"zh": "提交申请", "en": "Submitted"},
    "step_correction_requested": {"zh": "补正告知", "en": "Missing material requested"},
    "step_accepted": {"zh": "受理", "en": "Accepted"},
    "step_conditions_checked": {"zh": "实地核查 / 承诺", "en": "Conditions checked"},
    "step_tested": {"zh": "产品检验", "en": "Product tested"},
    "step_decided": {"zh": "作出许可决定", "en": "Decided"},
    "state": {"zh": "当前状态", "en": "Current state"},
    "previous": {"zh": "上一页", "en": "Previous"},
    "next": {"zh": "下一页", "en": "Next"},
    "recent": {"zh": "最近发放的许可证", "en": "Recently issued"},
    "none_yet": {"zh": "暂无许可证", "en": "No licences yet"},
    "scan": {"zh": "扫码查验", "en": "Scan a QR"},
    "scan_intro": {"zh": "对准产品标签上的二维码。若浏览器不支持相机，请上传标签照片。",
                   "en": "Point the camera at the QR on the label. If your browser cannot use "
                         "the camera, upload a photo of the label."},
    "camera": {"zh": "打开相机", "en": "Start camera"},
    "upload": {"zh": "上传标签照片", "en": "Upload a photo of the label"},
    "upload_button": {"zh": "上传并查验", "en": "Upload and check"},
    "upload_limits": {"zh": "JPEG、PNG、WebP 或 GIF，最大 5 MB", "en": "JPEG, PNG, WebP or GIF, up to 5 MB"},
    "trust": {"zh": "信任根与公开文件", "en": "Trust and published files"},
    "trust_intro": {"zh": "所有电子许可证由各发证机关的签名密钥签名，这些密钥由国家根密钥认证。离线核验只需信任下列根密钥指纹。",
                    "en": "Every licence is signed by its bureau's key, and every bureau key is "
                          "certified by the national root. An offline verifier needs to trust only "
                          "this root key fingerprint."},
    "root_fingerprint": {"zh": "根证书 SHA-256 指纹", "en": "Root certificate SHA-256 fingerprint"},
    "root_key": {"zh": "根公钥", "en": "Root public key"},
    "ofd": {"zh": "下载 OFD 电子证照（含电子印章）", "en": "Download the sealed OFD licence"},
    "identifier": {"zh": "电子证照标识", "en": "Electronic licence identifier (GB/T 36904)"},
    "trust_list": {"zh": "信任列表", "en": "Trust list"},
    "status_list": {"zh": "状态列表", "en": "Status list"},
    "status_list_version": {"zh": "版本 {version}，状态截至 {as_of}",
                            "en": "version {version}, as of {as_of}"},
    "not_published": {"zh": "尚未发布", "en": "not published yet"},
    "number": {"zh": "许可证编号", "en": "Licence number"},
    "holder": {"zh": "企业名称", "en": "Holder"},
    "uscc": {"zh": "统一社会信用代码", "en": "Unified Social Credit Code"},
    "residence": {"zh": "住所", "en": "Residence"},
    "production_address": {"zh": "生产地址", "en": "Production address"},
    "products": {"zh": "许可范围", "en": "Products"},
    "valid": {"zh": "有效期", "en": "Valid"},
    "to": {"zh": "至", "en": "to"},
    "issuer": {"zh": "发证机关", "en": "Issued by"},
    "status": {"zh": "状态", "en": "Status"},
    "status_as_of": {"zh": "状态截至", "en": "Status as of"},
    "reason": {"zh": "原因", "en": "Reason"},
    "commitment_pending": {"zh": "告知承诺发证，现场审查待进行",
                           "en": "Issued on the enterprise's commitment; on-site review pending"},
    "commitment_due": {"zh": "现场审查期限：", "en": "On-site review due by"},
    "commitment_statement": {"zh": "企业承诺（公示）", "en": "The enterprise's commitment (public)"},
    "legal_basis": {"zh": "依据", "en": "Legal basis"},
    "deadline": {"zh": "整改期限", "en": "Deadline"},
    "counterfeit": {"zh": "此二维码无法验证为真实的电子许可证，产品可能是假冒的。请勿仅凭此标签信任该产品。",
                    "en": "This QR could not be verified as a genuine licence: the product may be "
                          "counterfeit. Do not trust the product on the strength of this label."},
    "report": {"zh": "请向市场监管部门举报：点击下方按钮在线举报（二维码内容会一并提交），或拨打 12315 热线。",
               "en": "Please report it to the market regulator: use the button below (what this "
                     "QR says is sent with it), or call the 12315 hotline."},
    "insurance": {"zh": "产品质量安全责任保险", "en": "Product liability insurance"},
    "insurance_in_force": {"zh": "有效保单：{insurer}，至 {ends_on}",
                           "en": "Policy in force: {insurer}, until {ends_on}"},
    "insurance_none": {"zh": "未登记有效保单", "en": "No policy in force on record"},
    "report_forged": {"zh": "举报疑似伪造", "en": "Report a suspected forgery"},
    "report_problem": {"zh": "举报问题", "en": "Report a problem"},
    "report_unlicensed": {"zh": "举报无证生产", "en": "Report production without a licence"},
    "declarations": {"zh": "产品标准自我声明与公开承诺", "en": "Standards declaration and public commitment"},
    "declared_at": {"zh": "第 {version} 版，发布于 {at}", "en": "Version {version}, published {at}"},
    "commitment": {"zh": "公开承诺", "en": "Public commitment"},
    "below_recommended": {"zh": "企业声明：该企业标准的指标低于对应的推荐性标准。", "en": "The enterprise declares that this enterprise standard is below the corresponding recommended standard."},
    "not_below_recommended": {"zh": "企业声明：该企业标准的指标不低于对应的推荐性标准。", "en": "The enterprise declares that this enterprise standard is not below the corresponding recommended standard."},
    "declaration_history": {"zh": "声明历史", "en": "Declaration history"},
    "version": {"zh": "第 {version} 版", "en": "Version {version}"},
    "withdrawn": {"zh": "已撤回", "en": "withdrawn"},
    "recall": {"zh": "缺陷产品召回公告", "en": "Recall notice"},
    "announced": {"zh": "发布于", "en": "announced"},
    "defect": {"zh": "缺陷", "en": "Defect"},
    "batches": {"zh": "批次", "en": "Batches"},
    "recall_quantity": {"zh": "数量", "en": "Quantity"},
    "sold_unsold": {"zh": "已售 {sold}，未售 {unsold}", "en": "{sold} sold, {unsold} unsold"},
    "remedy": {"zh": "处理方式", "en": "Remedy"},
    "contact": {"zh": "联系方式", "en": "Contact"},
    "spot_checks": {"zh": "监督抽查结果", "en": "Spot-check results"},
    "no_spot_checks": {"zh": "暂无监督抽查记录。", "en": "No spot checks recorded."},
    "passed": {"zh": "合格", "en": "passed"},
    "failed": {"zh": "不合格", "en": "failed"},
    "level_national": {"zh": "国家监督抽查", "en": "national"},
    "level_provincial": {"zh": "省级监督抽查", "en": "provincial"},
    "level_municipal": {"zh": "市级监督抽查", "en": "municipal"},
    "level_county": {"zh": "县级监督抽查", "en": "county"},
    "declarations_none": {"zh": "该企业尚未在本系统公布标准自我声明。",
                          "en": "The enterprise has not published a standards declaration here."},
    "enterprise": {"zh": "企业信息", "en": "Enterprise"},
    "licences": {"zh": "许可证", "en": "Licences"},
    "pdf": {"zh": "下载电子许可证 (PDF)", "en": "Download the licence (PDF)"},
    "home": {"zh": "返回首页", "en": "Home"},
    "error": {"zh": "出错了", "en": "Something went wrong"},
    "beijing_time": {"zh": "北京时间", "en": "Beijing time"},
    "other_language": {"zh": "English", "en": "中文"},
    "footer": {"zh": "certsvc · 电子许可证验证", "en": "certsvc · electronic licence verification"},
    "expired_note": {"zh": "已过期", "en": "expired"},
    "not_required": {"zh": "该产品已调出许可目录，无需再取得生产许可证（并非撤销）。",
                     "en": "The product left the licence catalogue: a licence is no longer "
                           "required (this is not a revocation)."},
}

STATUS_NAMES: dict[LicenceStatus, dict[str, str]] = {
    status: {"zh": zh, "en": en} for status, (zh, en) in STATUS_TERMS.items()}

# The verdicts a consumer sees, in words (and, on the page, colour and a mark).
HEADLINES: dict[VerdictCode, dict[str, str]] = {
    VerdictCode.VALID: {"zh": "有效", "en": "Valid"},
    VerdictCode.SUSPENDED: {"zh": "已暂停", "en": "Suspended"},
    VerdictCode.REVOKED: {"zh": "已撤销", "en": "Revoked"},
    VerdictCode.CANCELLED: {"zh": "已注销", "en": "Cancelled"},
    VerdictCode.EXPIRED: {"zh": "已过期", "en": "Expired"},
    VerdictCode.NOT_IN_REGISTER: {"zh": "未登记", "en": "Not in the register"},
    VerdictCode.SUPERSEDED: {"zh": "已被取代", "en": "Superseded"},
}
UNVERIFIABLE = {"zh": "无法验证", "en": "Cannot be verified"}


def local_time(moment: dt.datetime) -> str:
    """Stored in UTC, shown in Beijing time, labelled in the reader's language."""
    shown = as_utc(moment).astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
    return f"{shown} ({t('beijing_time')})"


def local_time_iso(text: str) -> str:
    return local_time(dt.datetime.fromisoformat(text))


def bilingual(name: str, name_en: str) -> str:
    """A catalogue or bureau name in the reader's language."""
    return name if language() == "zh" else name_en


def language() -> str:
    chosen = request.args.get("lang") or request.cookies.get(COOKIE)
    return chosen if chosen in LANGUAGES else "zh"


def t(key: str, **values: object) -> str:
    text = MESSAGES[key][language()]
    return text.format(**values) if values else text


def status_name(status: LicenceStatus) -> str:
    return STATUS_NAMES[status][language()]


def record_state(record: LicenceRecord) -> tuple[str, str]:
    """(CSS class, words) for a licence in a list: a valid licence past its end date is
    shown as expired, never as valid."""
    if record.status is LicenceStatus.VALID and china_date(utcnow()) > record.valid_until:
        return "expired", HEADLINES[VerdictCode.EXPIRED][language()]
    return record.status.value, status_name(record.status)


def headline(code: VerdictCode) -> str:
    return HEADLINES.get(code, UNVERIFIABLE)[language()]


def verdict_message(code: VerdictCode) -> str:
    zh, en = VERDICTS[code]
    return zh if language() == "zh" else en


def verdict_detail(verdict: Verdict) -> str:
    """The verdict's detail in the reader's language. The verifier words it in English for
    logs and the API; the dates a consumer needs are said again here in Chinese, and a
    status the page already dates ("as of") needs no detail."""
    if language() == "en" or verdict.claims is None:
        return verdict.detail
    claims = verdict.claims
    if verdict.code is VerdictCode.EXPIRED:
        return f"有效期至 {claims.valid_until.isoformat()}"
    if verdict.code is VerdictCode.NOT_YET_VALID:
        return f"自 {claims.issued.isoformat()} 起有效"
    if verdict.code in (VerdictCode.SUSPENDED, VerdictCode.REVOKED, VerdictCode.CANCELLED):
        return ""
    return verdict.detail
