"""The review's invitation letters (最难办事科室群众评 邀请函) as one PDF, a page per invitation.

Each A4 page carries the hall's words, the addressee (when the invitation came from a list), the
QR code of the phone page with the invitation's code, that code in digits for typing, and the
paper form for those who would rather fill it in and mail it back: the sections the list said
the person dealt with, blank rows for others, the five indicators and "no problem" to tick, and
a line for a call-back number. The office types a returned form in with its code
(``hall-admin review paper``), and the code counts once whichever way it comes back.

Pure Python: fpdf2 draws the pages and embeds the subset of the CJK font it uses (WenQuanYi
Micro Hei, ``assets/fonts``); qrcode makes the QR matrix, drawn as vector squares so that it
stays sharp at any printer's resolution. No Qt, no display needed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import qrcode
from fpdf import FPDF

from assets import FONT_FILE
from sync.review import PROBLEMS, format_code

__all__ = ["Letter", "render_letters"]

FONT = "wqy"
FORM_ROWS = 7  # section rows on the paper form (the listed ones first, then blank ones)


@dataclass(frozen=True)
class Letter:
    """One invitation as the store answered it (``InvitationOut``): code, URL, addressee."""

    code: str
    url: str
    name: str = ""
    address: str = ""
    sections: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, d: Mapping[str, object]) -> Letter:
        sections = d.get("sections") or ()
        return cls(
            code=str(d["code"]),
            url=str(d["url"]),
            name=str(d.get("name") or ""),
            address=str(d.get("address") or ""),
            sections=tuple(str(s) for s in sections) if isinstance(sections, list | tuple) else (),
        )


def render_letters(
    letters: Sequence[Letter],
    *,
    hall_name: str,
    title: str,
    text: str,
    section_names: Mapping[str, str],
    out: Path,
) -> Path:
    """Write every letter to one PDF at ``out``; ``section_names`` maps code → shown name
    (e.g. ``区不动产登记中心 登记受理科``) for the form's pre-filled rows."""
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.add_font(FONT, fname=str(FONT_FILE), collection_font_number=0)
    pdf.set_title(title)
    pdf.set_author(hall_name)
    pdf.set_creator("Hall Ratings")
    for letter in letters:
        _page(pdf, letter, hall_name, title, text, section_names)
    out.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(out))
    return out


def _page(
    pdf: FPDF,
    letter: Letter,
    hall_name: str,
    title: str,
    text: str,
    section_names: Mapping[str, str],
) -> None:
    pdf.add_page()
    left, width = 18.0, 174.0
    pdf.set_text_color(20, 20, 20)

    # Head: the hall and the review.
    pdf.set_xy(left, 14)
    pdf.set_font(FONT, size=12)
    pdf.cell(width, 6, hall_name, align="L")
    pdf.set_xy(left, 21)
    pdf.set_font(FONT, size=19)
    pdf.cell(width, 10, f"{title} · 邀请函", align="L")
    pdf.set_draw_color(11, 79, 138)
    pdf.set_line_width(0.8)
    pdf.line(left, 33, left + width, 33)

    # The addressee, for a window envelope, when the list named one.
    y = 37.0
    if letter.name or letter.address:
        pdf.set_font(FONT, size=12)
        pdf.set_xy(left, y)
        pdf.cell(100, 6, f"{letter.name} 收" if letter.name else "", align="L")
        pdf.set_xy(left, y + 6)
        pdf.multi_cell(100, 6, letter.address, align="L")
        y += 16

    # The hall's words beside the QR code.
    qr_size = 46.0
    qr_x = left + width - qr_size
    pdf.set_xy(left, y + 2)
    pdf.set_font(FONT, size=11.5)
    pdf.multi_cell(width - qr_size - 8, 6.4, text, align="L")
    text_bottom = pdf.get_y()
    _qr(pdf, letter.url, qr_x, y, qr_size)
    pdf.set_font(FONT, size=10.5)
    pdf.set_xy(qr_x - 4, y + qr_size + 1)
    pdf.cell(qr_size + 8, 5, "手机扫码，在线评价", align="C")
    y = max(text_bottom, y + qr_size + 7) + 4

    # The code in digits, large, and the address to type when a phone cannot scan.
    pdf.set_fill_color(238, 242, 246)
    pdf.rect(left, y, width, 21, style="F")
    pdf.set_xy(left + 4, y + 2)
    pdf.set_font(FONT, size=11)
    pdf.cell(40, 8, "您的邀请码", align="L")
    pdf.set_font(FONT, size=22)
    pdf.set_xy(left + 40, y + 1.5)
    pdf.cell(width - 44, 10, format_code(letter.code), align="L")
    pdf.set_font(FONT, size=9.5)
    pdf.set_xy(left + 4, y + 12.5)
    pdf.cell(width - 8, 6, f"不便扫码的，可在手机浏览器中输入：{letter.url}", align="L")
    y += 27

    _form(pdf, letter, section_names, left, y, width)


def _qr(pdf: FPDF, data: str, x: float, y: float, size: float) -> None:
    qr = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(data)
    qr.make(fit=True)
    matrix = qr.get_matrix()
    cell = size / len(matrix)
    pdf.set_fill_color(0, 0, 0)
    for r, row in enumerate(matrix):
        c = 0
        while c < len(row):  # one rectangle per run of dark modules: a smaller file
            if not row[c]:
                c += 1
                continue
            start = c
            while c < len(row) and row[c]:
                c += 1
            pdf.rect(
                x + start * cell, y + r * cell, (c - start) * cell + 0.01, cell + 0.01, style="F"
            )


def _form(
    pdf: FPDF,
    letter: Letter,
    section_names: Mapping[str, str],
    left: float,
    y: float,
    width: float,
) -> None:
    pdf.set_font(FONT, size=13)
    pdf.set_xy(left, y)
    pdf.cell(width, 7, "纸质评议表", align="L")
    pdf.set_font(FONT, size=9.5)
    pdf.set_xy(left, y + 7)
    pdf.multi_cell(
        width,
        5,
        "不便上网的，请在办事接触过的科室后打“✓”：存在哪些问题（可多选），或“没有问题”，"
        "填好后寄回或交到大厅办公室。网上已经评价的，不必再寄。",
        align="L",
    )
    y = pdf.get_y() + 2
    heads = [("科室（单位 科室名称）", 62.0)]
    heads += [(f"{ch}", 11.0) for ch, _ in PROBLEMS.values()]
    heads += [("没有问题", 17.0), ("补充说明", width - 62.0 - 55.0 - 17.0)]
    row_h = 9.5
    pdf.set_draw_color(80, 80, 80)
    pdf.set_line_width(0.25)
    pdf.set_font(FONT, size=10)
    x = left
    for head, w in heads:
        pdf.set_xy(x, y)
        pdf.cell(w, row_h, head, border=1, align="C")
        x += w
    rows = [section_names.get(code, code) for code in letter.sections][:FORM_ROWS]
    rows += [""] * (FORM_ROWS - len(rows))
    for name in rows:
        y += row_h
        x = left
        for i, (_, w) in enumerate(heads):
            pdf.set_xy(x, y)
            if i == 0:
                pdf.set_font(FONT, size=9 if len(name) > 14 else 10)
                pdf.cell(w, row_h, name, border=1, align="L")
            else:
                pdf.cell(w, row_h, "", border=1)
                if 1 <= i <= 6:  # a box to tick
                    pdf.rect(x + w / 2 - 2.2, y + row_h / 2 - 2.2, 4.4, 4.4)
            x += w
    y += row_h + 4
    pdf.set_font(FONT, size=10)
    pdf.set_xy(left, y)
    key = "　".join(f"{ch}：{words}" for ch, words in PROBLEMS.values())
    pdf.multi_cell(width, 5, key, align="L")
    y = pdf.get_y() + 3
    pdf.set_font(FONT, size=11)
    pdf.set_xy(left, y)
    pdf.cell(width, 7, "希望回访的，请留电话（选填）：________________________", align="L")
    pdf.set_font(FONT, size=9)
    pdf.set_text_color(70, 70, 70)
    pdf.set_xy(left, 282)
    pdf.cell(
        width,
        5,
        f"邀请码 {format_code(letter.code)} · 每个邀请码只能评价一次，网上和纸质只计一次 · "
        "评价匿名，科室看不到您是谁",
        align="C",
    )
    pdf.set_text_color(20, 20, 20)
