"""The printable electronic licence: the paper certificate's fields and the QR, as a PDF.

Chinese text needs a CJK font embedded in the file (subset, so it stays small); the first
one found of ``FONT_CANDIDATES`` is used, or ``PDF_FONT`` from the app's config. Without one
the PDF is refused with a clear error rather than printed as empty boxes.

    pdf_bytes = licence_pdf(record, qr_text, font_path)
"""

from __future__ import annotations

import io
from pathlib import Path

from fpdf import FPDF

from certsvc.credential.qr_image import qr_png
from certsvc.domain.time import china_time, utcnow
from certsvc.errors import FontMissing
from certsvc.store.records import LicenceRecord

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",        # Debian fonts-wqy-microhei
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",  # Debian fonts-noto-cjk
)
FONT = "cjk"


def find_font(configured: str | None) -> Path:
    for candidate in ((configured,) if configured else FONT_CANDIDATES):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise FontMissing("no Chinese font is installed for the PDF (install fonts-wqy-microhei "
                      "or set PDF_FONT)")


def licence_pdf(record: LicenceRecord, qr_content: str, font: Path, status: str) -> bytes:
    """``status``: the current status in words, printed with the time it was read."""
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_title(f"工业产品生产许可证 {record.number}")
    pdf.set_creator("certsvc")
    pdf.add_font(FONT, fname=str(font))
    pdf.add_page()
    pdf.set_draw_color(160, 30, 30)
    pdf.set_line_width(1.2)
    pdf.rect(12, 12, 186, 273)
    pdf.set_font(FONT, size=26)
    pdf.set_y(28)
    pdf.cell(0, 14, "全国工业产品生产许可证", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=11)
    pdf.cell(0, 7, "(电子证书 Electronic licence)", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    e = record.enterprise
    rows = [
        ("证书编号", record.number.canonical),
        ("企业名称", e.name),
        ("统一社会信用代码", e.uscc),
        ("住所", e.residence),
        ("生产地址", e.production_address),
        ("产品名称", "、".join(sorted({u.product.name for u in record.scope}))),
        ("产品明细", "、".join(u.name for u in record.scope)),
        ("发证日期", record.issued.isoformat()),
        ("有效期至", record.valid_until.isoformat()),
        ("发证机关", record.issuer.name),
        ("当前状态", f"{status}（截至 {china_time(utcnow())}）"),
    ]
    for label, value in rows:
        pdf.set_x(24)
        pdf.set_font(FONT, size=12)
        pdf.cell(40, 9, label)
        pdf.multi_cell(122, 9, value, new_x="LMARGIN", new_y="NEXT")
    pdf.image(io.BytesIO(qr_png(qr_content)), x=75, y=pdf.get_y() + 8, w=60, h=60)
    pdf.set_y(pdf.get_y() + 72)
    pdf.set_font(FONT, size=10)
    pdf.multi_cell(0, 6, "用手机相机扫描二维码，核验本证书的真实性和当前状态。\n"
                         "Scan the QR with a phone camera to check this licence and its "
                         "current status.", align="C", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
