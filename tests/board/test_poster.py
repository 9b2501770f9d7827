"""The printable poster: an A3 PDF that renders, with Chinese text, and a PNG of A3 proportions."""

from __future__ import annotations

import argparse
import subprocess
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from board._qt.poster import main_poster, write_poster
from board.admin.poster import add_poster_arguments
from board.sample import WORST_UNIT, sample_aggregates
from board.standings import compute_standings
from tests.helpers.programs import program

QUARTER = "2026Q3"


@pytest.fixture(scope="module")
def standings():  # type: ignore[no-untyped-def]
    return compute_standings(sample_aggregates(QUARTER))


def test_poster_pdf_and_png(qapp, tmp_path: Path, standings) -> None:
    pdf, png = tmp_path / "p.pdf", tmp_path / "p.png"
    written = write_poster(standings, pdf, png, today=date(2026, 10, 8))
    assert written == [pdf, png]
    assert pdf.read_bytes().startswith(b"%PDF")
    img = QImage(str(png))
    assert not img.isNull()
    assert abs(img.height() / img.width() - 420 / 297) < 0.01
    assert img.width() >= 1700  # about 150 dpi across 297 mm


def test_poster_pdf_renders_with_the_lists_in_chinese(qapp, tmp_path: Path, standings) -> None:
    pdf = tmp_path / "p.pdf"
    write_poster(standings, pdf, None, today=date(2026, 10, 8))
    subprocess.run(
        [program("pdftoppm"), "-png", "-r", "30", str(pdf), str(tmp_path / "page")],
        check=True,
        timeout=60,
    )
    page = QImage(str(tmp_path / "page-1.png"))
    assert not page.isNull() and page.height() > page.width()
    text = subprocess.run(
        [program("pdftotext"), str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    for e in standings.red_list:
        assert e.label in text
    assert standings.unit(WORST_UNIT).name in text
    assert "红榜" in text and "黑榜" in text and "评选规则" in text
    assert "2026年10月8日" in text
    fonts = subprocess.run(
        [program("pdffonts"), str(pdf)], capture_output=True, text=True, timeout=60
    )
    assert "WenQuanYi" in fonts.stdout  # the shipped font is embedded: no boxes on any printer


def test_poster_with_empty_black_list_says_so(qapp, tmp_path: Path) -> None:
    good = compute_standings(sample_aggregates(QUARTER, good_hall=True))
    pdf = tmp_path / "good.pdf"
    write_poster(good, pdf, None)
    text = subprocess.run(
        [program("pdftotext"), str(pdf), "-"], capture_output=True, text=True
    ).stdout
    assert "本季度无单位列入黑榜" in text


def test_admin_poster_command_with_demo_data(qapp, tmp_path: Path, capsys) -> None:
    parser = argparse.ArgumentParser()
    add_poster_arguments(parser)
    args = parser.parse_args(["--quarter", QUARTER, "--demo-data", "--out", str(tmp_path)])
    assert main_poster(args) == 0
    assert (tmp_path / f"poster-TL-{QUARTER}.pdf").exists()
    assert (tmp_path / f"poster-TL-{QUARTER}.png").exists()
    assert "poster-TL-2026Q3.pdf" in capsys.readouterr().out
