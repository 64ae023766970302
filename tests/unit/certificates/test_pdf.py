"""The certificate PDF renders on one A4 page and reads back with its diacritics, level, serial and code."""

from __future__ import annotations

import dataclasses
import io
import re
import unicodedata

import pytest
import segno
from pypdf import PdfReader

from assessment.certificates import CertificateData, SkillScores, render_certificate_pdf

CODE = "K1AB-CDEF-GHJK-MNPQ-RSTV-WXYZ"
URL = f"https://levelpath.example.vn/verify/{CODE}"


def _read(pdf: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(pdf))
    return reader, unicodedata.normalize("NFC", reader.pages[0].extract_text())


@pytest.fixture
def rendered(certificate: CertificateData) -> tuple[bytes, PdfReader, str]:
    pdf = render_certificate_pdf(certificate, URL, verification_code=CODE)
    return (pdf, *_read(pdf))


def test_one_a4_page_with_everything_a_certificate_states(rendered, certificate) -> None:
    pdf, reader, text = rendered
    assert pdf.startswith(b"%PDF-")
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    for expected in ("Nguyễn Thị Ánh Tuyết", certificate.serial, "Bậc 4", "Level 4", "CEFR B2", CODE, URL,
                     certificate.test_title, certificate.centre_name, "10/05/2026", "25/05/2026", "25/05/2028",
                     "12/03/1990", "Nghe / Listening", "Nói / Speaking", "7.5", "Điểm trung bình / Overall"):
        assert expected in text, expected
    assert "REVOKED" not in text


def test_text_is_set_in_the_shipped_unicode_font(rendered) -> None:
    _, reader, _ = rendered
    fonts = reader.pages[0]["/Resources"]["/Font"]
    names = {str(fonts[key].get_object()["/BaseFont"]) for key in fonts}
    assert names and all(re.search(r"DejaVuSans", name) for name in names), names


def test_the_qr_code_of_the_verification_url_is_drawn(rendered) -> None:
    _, reader, _ = rendered
    matrix = segno.make(URL, error="m", micro=False).matrix
    runs = sum(len(re.findall(rb"1+", bytes(row))) for row in matrix)
    content = reader.pages[0].get_contents().get_data()
    assert len(re.findall(rb" re\b", content)) >= runs


def test_a_revoked_certificate_carries_the_revoked_mark(certificate) -> None:
    revoked = dataclasses.replace(certificate, revoked=True, revocation_reason="thi hộ")
    _, text = _read(render_certificate_pdf(revoked, URL, verification_code=CODE))
    assert "REVOKED" in text
    assert "ĐÃ THU HỒI" in text
    assert "thi hộ" not in text


def test_no_level_and_no_scores_render_without_a_score_table(certificate) -> None:
    placement = dataclasses.replace(certificate, level=None, scores=SkillScores(), overall=None,
                                    test_kind="placement", date_of_birth=None, valid_until=None)
    _, text = _read(render_certificate_pdf(placement, URL, verification_code=CODE))
    assert "Không xét" in text
    assert "No level awarded" in text
    assert "Kỹ năng / Skill" not in text
    assert "Ngày sinh" not in text


def test_the_same_certificate_renders_to_the_same_bytes(rendered, certificate) -> None:
    pdf, _, _ = rendered
    assert render_certificate_pdf(certificate, URL, verification_code=CODE) == pdf
