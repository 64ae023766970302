"""A one-page A4 PDF of a certificate: bilingual (Vietnamese / English), with a QR code of its verification URL.

fpdf2 draws the page and segno the QR code (both pure Python). The text is set in DejaVu Sans,
shipped in ``fonts/`` so Vietnamese tone marks render whatever fonts the server has. A revoked
certificate carries a large REVOKED watermark and banner.

This is LevelPath's own certificate. For the national VSTEP certificate only the MOET template may
be used (FACTS §3.6); this rendering is a result statement and a verification aid.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import segno
from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos

from assessment.certificates.types import CertificateData

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT = "DejaVuSans"
PAGE_W, PAGE_H = 210.0, 297.0  # A4 portrait, millimetres
NAVY = (23, 43, 77)
GOLD = (176, 141, 62)
GREY = (90, 96, 108)
LIGHT = (242, 239, 230)
RED = (200, 30, 30)
CONTENT_X, CONTENT_W = 22.0, PAGE_W - 44.0


def _date(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def _score(value: Decimal) -> str:
    return format(value.quantize(Decimal("0.1")), "f")


class _Page:
    """The certificate page and the few drawing steps it is made of."""

    def __init__(self, data: CertificateData) -> None:
        pdf = FPDF(orientation="P", unit="mm", format="A4")
        pdf.set_auto_page_break(auto=False)
        pdf.set_margins(CONTENT_X, 15, CONTENT_X)
        pdf.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
        pdf.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        pdf.set_title(f"{data.test_title} — {data.serial}")
        pdf.set_author(data.centre_name)
        pdf.set_creator("LevelPath")
        # Same data, same bytes: the creation date is the issue date, not the rendering time.
        pdf.set_creation_date(datetime(data.issue_date.year, data.issue_date.month, data.issue_date.day, tzinfo=UTC))
        pdf.add_page()
        self.pdf = pdf

    def text(self, text: str, *, size: float, bold: bool = False, color: tuple[int, int, int] = NAVY,
             height: float | None = None, align: Align = Align.C, x: float = CONTENT_X, w: float = CONTENT_W) -> None:
        pdf = self.pdf
        pdf.set_font(FONT, "B" if bold else "", size)
        pdf.set_text_color(*color)
        pdf.set_x(x)
        pdf.multi_cell(w, height or size * 0.5, text, align=align, new_x=XPos.LEFT, new_y=YPos.NEXT)

    def frame(self) -> None:
        pdf = self.pdf
        pdf.set_draw_color(*NAVY)
        pdf.set_line_width(1.2)
        pdf.rect(8, 8, PAGE_W - 16, PAGE_H - 16)
        pdf.set_draw_color(*GOLD)
        pdf.set_line_width(0.4)
        pdf.rect(11, 11, PAGE_W - 22, PAGE_H - 22)

    def rule(self, y: float, width: float = 60.0) -> None:
        pdf = self.pdf
        pdf.set_draw_color(*GOLD)
        pdf.set_line_width(0.6)
        pdf.line((PAGE_W - width) / 2, y, (PAGE_W + width) / 2, y)

    def heading(self, data: CertificateData) -> None:
        self.pdf.set_y(20)
        self.text(data.centre_name.upper(), size=12, bold=True)
        self.pdf.ln(5)
        self.text("CHỨNG NHẬN NĂNG LỰC NGOẠI NGỮ", size=18, bold=True, height=9)
        self.text("Certificate of Foreign Language Proficiency", size=11, color=GREY, height=6)
        self.rule(self.pdf.get_y() + 3)
        self.pdf.ln(9)

    def candidate(self, data: CertificateData) -> None:
        self.text("Chứng nhận / This is to certify that", size=10, color=GREY, height=6)
        self.pdf.ln(1)
        self.text(data.candidate_name, size=22, bold=True, height=11)
        if data.date_of_birth is not None:
            self.text(f"Ngày sinh / Date of birth: {_date(data.date_of_birth)}", size=10, color=GREY, height=6)
        self.pdf.ln(2)
        self.text("đã dự thi / has taken", size=10, color=GREY, height=6)
        self.text(data.test_title, size=13, bold=True, height=7)
        self.text(f"Ngày thi / Exam date: {_date(data.exam_date)}", size=10, color=GREY, height=6)
        self.pdf.ln(4)

    def level(self, data: CertificateData) -> None:
        pdf, width, height = self.pdf, 120.0, 26.0
        x, y = (PAGE_W - width) / 2, pdf.get_y()
        pdf.set_fill_color(*LIGHT)
        pdf.set_draw_color(*GOLD)
        pdf.set_line_width(0.5)
        pdf.rect(x, y, width, height, style="DF", round_corners=True, corner_radius=3)
        pdf.set_y(y + 3)
        if data.level is None:
            self.text("Không xét", size=20, bold=True, height=10, x=x, w=width)
            self.text("No level awarded", size=11, color=GREY, height=6, x=x, w=width)
        else:
            self.text(data.level.label_vi, size=24, bold=True, height=11, x=x, w=width)
            self.text(f"{data.level.label_en} · CEFR {data.level.cefr}", size=12, color=GREY, height=7, x=x, w=width)
        pdf.set_y(y + height + 7)

    def scores(self, data: CertificateData) -> None:
        rows = [(f"{vi} / {en}", _score(value), False) for vi, en, value in data.scores.rows()]
        if data.overall is not None:
            rows.append(("Điểm trung bình / Overall", _score(data.overall), True))
        if not rows:
            return
        pdf, label_w, score_w, row_h = self.pdf, 80.0, 30.0, 8.0
        x = (PAGE_W - label_w - score_w) / 2
        pdf.set_draw_color(*NAVY)
        pdf.set_line_width(0.2)
        pdf.set_fill_color(*NAVY)
        pdf.set_text_color(255, 255, 255)
        pdf.set_font(FONT, "B", 10)
        pdf.set_x(x)
        pdf.cell(label_w, row_h, "Kỹ năng / Skill", border=1, fill=True, align=Align.L)
        pdf.cell(score_w, row_h, "Điểm / Score", border=1, fill=True, align=Align.C, new_x=XPos.LMARGIN,
                 new_y=YPos.NEXT)
        pdf.set_text_color(*NAVY)
        for label, score, total in rows:
            pdf.set_font(FONT, "B" if total else "", 10)
            pdf.set_fill_color(*LIGHT)
            pdf.set_x(x)
            pdf.cell(label_w, row_h, label, border=1, fill=total, align=Align.L)
            pdf.cell(score_w, row_h, score, border=1, fill=total, align=Align.C, new_x=XPos.LMARGIN,
                     new_y=YPos.NEXT)
        pdf.ln(6)

    def details(self, data: CertificateData, verification_url: str, verification_code: str) -> None:
        pdf, top, qr_size = self.pdf, 212.0, 38.0
        lines = [("Số hiệu / Serial", data.serial), ("Ngày cấp / Issue date", _date(data.issue_date))]
        if data.valid_until is not None:
            lines.append(("Có giá trị đến / Valid until", _date(data.valid_until)))
        lines.append(("Mã xác thực / Verification code", verification_code))
        pdf.set_y(top)
        text_w = CONTENT_W - qr_size - 8
        for label, value in lines:
            self.text(label, size=8, color=GREY, height=4.2, align=Align.L, w=text_w)
            self.text(value, size=10.5, bold=True, height=5.6, align=Align.L, w=text_w)
            pdf.ln(0.8)
        self.text("Xác thực tại / Verify at", size=8, color=GREY, height=4.2, align=Align.L, w=text_w)
        self.text(verification_url, size=9, height=4.6, align=Align.L, w=text_w)
        qr_x = CONTENT_X + CONTENT_W - qr_size
        self.qr(verification_url, qr_x, top, qr_size)
        pdf.set_y(top + qr_size + 1)
        self.text("Quét để xác thực / Scan to verify", size=7, color=GREY, height=4, x=qr_x - 6, w=qr_size + 12)

    def qr(self, url: str, x: float, y: float, size: float) -> None:
        """Vector QR modules, one filled rectangle per horizontal run of dark modules."""
        matrix = segno.make(url, error="m", micro=False).matrix
        module = size / len(matrix)
        pdf = self.pdf
        pdf.set_fill_color(0, 0, 0)
        for row_index, row in enumerate(matrix):
            start = None
            for col_index, dark in enumerate([*row, 0]):
                if dark and start is None:
                    start = col_index
                elif not dark and start is not None:
                    pdf.rect(x + start * module, y + row_index * module, (col_index - start) * module, module,
                             style="F")
                    start = None

    def footer(self, data: CertificateData) -> None:
        self.pdf.set_y(PAGE_H - 30)
        self.text(f"Đơn vị cấp / Issued by: {data.centre_name}", size=9, bold=True, height=5)
        self.text("Kiểm tra chứng nhận tại địa chỉ trên bằng mã xác thực. "
                  "Check this certificate at the address above with its verification code.",
                  size=7.5, color=GREY, height=4)

    def revoked_mark(self) -> None:
        pdf = self.pdf
        with pdf.local_context(fill_opacity=0.85):
            pdf.set_fill_color(*RED)
            pdf.rect(11, 11, PAGE_W - 22, 7, style="F")
        pdf.set_y(11.6)
        self.text("ĐÃ THU HỒI — REVOKED — KHÔNG CÒN GIÁ TRỊ / NO LONGER VALID", size=9, bold=True,
                  color=(255, 255, 255), height=5.8)
        with pdf.local_context(fill_opacity=0.22, stroke_opacity=0.22), \
                pdf.rotation(45, PAGE_W / 2, PAGE_H / 2):
            pdf.set_y(PAGE_H / 2 - 22)
            self.text("REVOKED", size=88, bold=True, color=RED, height=34, x=0, w=PAGE_W)
            self.text("ĐÃ THU HỒI", size=44, bold=True, color=RED, height=20, x=0, w=PAGE_W)


def render_certificate_pdf(data: CertificateData, verification_url: str, *, verification_code: str) -> bytes:
    """One A4 page: centre, candidate, test, dates, skill scores, level, serial, code, URL and QR code."""
    page = _Page(data)
    page.frame()
    page.heading(data)
    page.candidate(data)
    page.level(data)
    page.scores(data)
    page.details(data, verification_url, verification_code)
    page.footer(data)
    if data.revoked:
        page.revoked_mark()
    return bytes(page.pdf.output())
