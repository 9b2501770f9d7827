"""The quarter's export, read back the way its recipients read it.

A real ``hall-server`` (SQLite) holds a quarter of ratings pushed through the API; ``hall-admin
export`` writes the three files; the tests read the CSV with ``csv`` under ``utf-8-sig``, the
workbook with openpyxl and with LibreOffice converting it to CSV headless, and the PDF with
pdftotext and pdftoppm. Every count, score and rank is compared with the database and with the
wall board's own computation.
"""

from __future__ import annotations

import csv
import os
import sqlite3
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pytest

from board.export import ExportError, export_quarter, target_paths
from board.hardest import SectionRanking
from board.source import AggregatesPoller, compute_board_data
from board.standings import Standings
from sync.client import AdminClient, OfficeClient
from tests.helpers.export_hall import (
    FORMULA_NAME,
    PAST_OK,
    Filled,
    Office,
    add_office_records,
    fill_quarter,
)
from tests.helpers.programs import program
from tests.helpers.server import ServerProcess, free_port, start_server

QUARTER = "2026Q3"
LEVEL_WORDS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}


@dataclass
class Hall:
    server: ServerProcess
    filled: Filled
    office: Office
    board: Standings  # what the wall board computes from the same store
    root: Path
    sections: SectionRanking | None = None  # the wall's hardest sections, from the same store

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("HALL_")}
        env |= {"HALL_SERVER_URL": self.server.url, "HALL_ADMIN_TOKEN": self.server.admin_token}
        return env | extra

    def admin(
        self, *args: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "board.admin", *args],
            env=env or self.env(),
            capture_output=True,
            text=True,
            timeout=120,
        )

    def db_counts(self) -> Counter[tuple[str, int]]:
        """Scored ratings per (unit, level), straight from the store's database file."""
        with sqlite3.connect(self.server.data_dir / "hall.db") as db:
            rows = db.execute(
                "SELECT unit, level, count(*) FROM rating WHERE hall = 'TL' AND quarter = ? "
                "AND (flagged = 0 OR released = 1) AND appealed = 0 GROUP BY unit, level",
                (QUARTER,),
            ).fetchall()
        return Counter({(u, lv): n for u, lv, n in rows})


@pytest.fixture(scope="module")
def hall(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hall]:
    root = tmp_path_factory.mktemp("export")
    server = start_server(root, env=PAST_OK)
    try:
        with httpx.Client(base_url=server.url, timeout=30) as c:
            filled = fill_quarter(c, server.admin_token)
        office = add_office_records(server.url, server.admin_token, filled)
        poller = AggregatesPoller(server.url, server.admin_token, "TL", QUARTER)
        result = poller.poll()
        poller.close()
        assert result.aggregates is not None, result.error
        data = compute_board_data(result.aggregates, result.history)
        yield Hall(server, filled, office, data.standings, root, data.sections)
    finally:
        server.stop()


@pytest.fixture(scope="module")
def exported(hall: Hall) -> tuple[Path, subprocess.CompletedProcess[str]]:
    out = hall.root / "out"
    done = hall.admin(
        "export", "--hall", "TL", "--quarter", QUARTER, "--out", str(out), "--include-contacts"
    )
    assert done.returncode == 0, done.stderr
    return out, done


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def libreoffice_csv(xlsx: Path, out: Path) -> dict[str, list[list[str]]]:
    """Every sheet of ``xlsx`` as LibreOffice converts it to CSV (UTF-8), by sheet name."""
    out.mkdir(parents=True, exist_ok=True)
    # Field sep 44 (,), text delimiter 34 ("), charset 76 (UTF-8), … the last token -1: every
    # sheet to its own file NAME-SHEET.csv; "false" at 9: full precision, not the cell format.
    filt = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
    done = subprocess.run(
        [
            program("soffice"),
            f"-env:UserInstallation=file://{out / 'profile'}",
            "--headless",
            "--convert-to",
            filt,
            "--outdir",
            str(out),
            str(xlsx),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    sheets = {}
    for p in out.glob(f"{xlsx.stem}-*.csv"):
        with open(p, encoding="utf-8", newline="") as f:
            sheets[p.stem.removeprefix(f"{xlsx.stem}-")] = list(csv.reader(f))
    return sheets


def pdf_pages(pdf: Path) -> list[str]:
    text = subprocess.run(
        [program("pdftotext"), "-layout", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [p for p in text.split("\f") if p.strip()]


# ---------------------------------------------------------------- the CSV


def test_csv_reads_back_in_chinese_with_every_rating(
    hall: Hall, exported: tuple[Path, Any]
) -> None:
    out, _ = exported
    path = out / f"ratings-TL-{QUARTER}.csv"
    assert path.read_bytes().startswith(b"\xef\xbb\xbf"), "Excel needs the BOM to read UTF-8"
    rows = read_csv(path)
    assert len(rows) == hall.filled.total
    assert list(rows[0])[:6] == ["评价时间", "大厅", "窗口", "窗口名称", "单位代码", "单位名称"]
    counted = Counter(
        (r["单位代码"], next(lv for lv, w in LEVEL_WORDS.items() if w == r["评价等级"]))
        for r in rows
        if r["是否计分"] == "是"
    )
    assert counted == hall.db_counts()
    # What was pushed, less the 差评 the office took out on appeal.
    pushed = Counter(hall.filled.scored)
    appealed = next(r for r in rows if r["评价编号"] == hall.office.appealed_rating)
    pushed[(appealed["单位代码"], 1 if appealed["评价等级"] == "非常不满意" else 2)] -= 1
    assert counted == +pushed
    assert appealed["是否计分"] == "否" and appealed["申诉结果"] == "申诉成立，不计分"
    assert sum(1 for r in rows if r["是否计分"] == "否") == hall.filled.flagged + 1
    released = [r for r in rows if r["评价编号"] in hall.filled.released]
    assert [r["标记处理"] for r in released] == ["已放行，计分"]
    assert all(r["数据状态"].startswith("暂定") for r in rows)
    first = rows[0]
    assert datetime.strptime(first["评价时间"], "%Y-%m-%d %H:%M:%S")
    assert first["大厅"] == "铜梁区市民服务和营商环境促进中心"
    assert int(first["分值"]) in (20, 40, 60, 80, 100)
    negative = [
        r for r in rows if r["评价等级"] in ("不满意", "非常不满意") and r["是否计分"] == "是"
    ]
    assert negative and all(r["差评原因"] for r in negative)
    assert {"冷", "懒", "推", "等候时间太长"} >= {
        w for r in negative for w in r["差评原因"].split("、")
    }
    # --include-contacts: the numbers are there, and the command said so on stderr.
    assert {r["联系电话"] for r in rows if r["联系电话"]} == set(hall.filled.phones)


def test_csv_staff_name_that_looks_like_a_formula_stays_text(exported: tuple[Path, Any]) -> None:
    out, _ = exported
    rows = read_csv(out / f"ratings-TL-{QUARTER}.csv")
    names = {r["工作人员"] for r in rows if r["工号"] == "TL0001"}
    # The apostrophe makes Excel and LibreOffice show the text instead of running it.
    assert names == {"'" + FORMULA_NAME}
    raw = (out / f"ratings-TL-{QUARTER}.csv").read_text(encoding="utf-8-sig")
    for line in raw.splitlines():
        for cell in next(csv.reader([line])):
            assert not cell.startswith(("=", "+", "-", "@")), cell


def test_contacts_only_when_asked_and_said_on_stderr(
    hall: Hall, exported: tuple[Path, Any], tmp_path: Path
) -> None:
    _, with_contacts = exported
    assert "--include-contacts" in with_contacts.stderr
    assert "phone numbers" in with_contacts.stderr
    done = hall.admin("export", "--hall", "TL", "--quarter", QUARTER, "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "phone" not in done.stderr
    csv_text = (tmp_path / f"ratings-TL-{QUARTER}.csv").read_text(encoding="utf-8-sig")
    assert "联系电话" not in csv_text
    wb = openpyxl.load_workbook(tmp_path / f"quarter-TL-{QUARTER}.xlsx", read_only=True)
    cells = {
        str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v
    }
    wb.close()
    for phone in hall.filled.phones:
        assert phone not in csv_text
        assert phone not in cells


# ---------------------------------------------------------------- the workbook


def test_workbook_with_openpyxl_agrees_with_the_board_and_the_database(
    hall: Hall, exported: tuple[Path, Any]
) -> None:
    out, _ = exported
    wb = openpyxl.load_workbook(out / f"quarter-TL-{QUARTER}.xlsx")
    assert wb.sheetnames == [
        "说明",
        "排名",
        "最难办事",
        "评价明细",
        "差评工单",
        "巡查记录",
        "违规违纪",
        "申诉",
        "异常评价",
        "终端",
    ]
    for ws in wb.worksheets:
        assert "暂定" in (ws.oddHeader.center.text or ""), ws.title
    about = wb["说明"]
    assert "暂定" in about["A2"].value

    st = wb["排名"]
    assert st.freeze_panes == "A2"
    assert st.auto_filter.ref and st.auto_filter.ref.startswith("A1:")
    head = [c.value for c in st[1]]
    rows = [dict(zip(head, (c.value for c in r), strict=True)) for r in st.iter_rows(min_row=2)]
    assert [r["单位代码"] for r in rows] == [u.code for u in hall.board.units]
    db = hall.db_counts()
    for r, u in zip(rows, hall.board.units, strict=True):
        assert r["名次"] == u.rank
        assert r["综合得分"] == pytest.approx(u.quarter_score)
        assert r["群众满意度"] == pytest.approx(u.citizen_score)
        assert r["有效评价"] == u.n == sum(n for (unit, _), n in db.items() if unit == u.code)
        for level, word in LEVEL_WORDS.items():
            assert r[word] == u.counts.get(level, 0) == db.get((u.code, level), 0)
        assert isinstance(r["综合得分"], float)
    red = [r["单位代码"] for r in rows if r["榜单"] == "红榜"]
    assert red == [e.unit_code for e in hall.board.red_list]

    hardest = wb["最难办事"]
    labels = [r[1].value for r in hardest.iter_rows(min_row=2)]
    # The demo hall has sections: the sheet lists the wall's hardest sections, in its order.
    assert hall.sections is not None and hall.sections.hardest
    assert labels == [e.label for e in hall.sections.hardest]
    assert [r[0].value for r in hardest.iter_rows(min_row=2)] == [
        e.rank for e in hall.sections.hardest
    ]

    ratings = wb["评价明细"]
    assert ratings.freeze_panes == "A2"
    assert (
        ratings.auto_filter.ref
        == f"A1:{ratings.cell(1, ratings.max_column).column_letter}{hall.filled.total + 1}"
    )
    assert ratings.max_row == hall.filled.total + 1
    head = [c.value for c in ratings[1]]
    row2 = {h: c for h, c in zip(head, ratings[2], strict=True)}
    assert isinstance(row2["评价时间"].value, datetime)
    assert row2["评价时间"].number_format == "yyyy-mm-dd hh:mm:ss"
    assert isinstance(row2["分值"].value, int | float)
    assert isinstance(row2["终端序号"].value, int)
    formula_cells = [
        r for r in ratings.iter_rows(min_row=2) if r[head.index("工号")].value == "TL0001"
    ]
    assert formula_cells
    for r in formula_cells:
        cell = r[head.index("工作人员")]
        assert cell.data_type == "s" and cell.value == FORMULA_NAME  # text, exactly as typed

    flagged = wb["异常评价"]
    assert flagged.max_row - 1 == hall.filled.flagged + len(hall.filled.released)
    terminals = wb["终端"]
    per_terminal = {r[0].value: r[9].value for r in terminals.iter_rows(min_row=2)}
    assert sorted(per_terminal) == sorted(hall.filled.terminals)
    assert sum(per_terminal.values()) == hall.filled.total
    wb.close()


def test_workbook_through_libreoffice(
    hall: Hall, exported: tuple[Path, Any], tmp_path: Path
) -> None:
    out, _ = exported
    sheets = libreoffice_csv(out / f"quarter-TL-{QUARTER}.xlsx", tmp_path / "lo")
    assert {"说明", "排名", "最难办事", "评价明细", "差评工单", "异常评价", "终端"} <= set(sheets)
    head, *rows = sheets["排名"]
    by_code = {r[head.index("单位代码")]: r for r in rows}
    for u in hall.board.units:
        r = by_code[u.code]
        assert r[head.index("名次")] == (str(u.rank) if u.rank is not None else "")
        assert float(r[head.index("综合得分")]) == pytest.approx(u.quarter_score, abs=1e-9)
        assert int(r[head.index("有效评价")]) == u.n
    head, *ratings = sheets["评价明细"]
    assert len(ratings) == hall.filled.total
    staff = {r[head.index("工作人员")] for r in ratings if r[head.index("工号")] == "TL0001"}
    assert staff == {FORMULA_NAME}  # shown as typed: LibreOffice did not evaluate it
    assert all(datetime.strptime(r[0], "%Y-%m-%d %H:%M:%S") for r in ratings)


# ---------------------------------------------------------------- the report


def test_report_pdf_text_and_pages(hall: Hall, exported: tuple[Path, Any], tmp_path: Path) -> None:
    out, _ = exported
    pdf = out / f"report-TL-{QUARTER}.pdf"
    pages = pdf_pages(pdf)
    assert len(pages) >= 2
    for page in pages:
        assert "暂定" in page  # every page of an open quarter
    text = "\n".join(pages)
    assert "2026年第三季度好差评报告" in text
    board = hall.board
    for e in board.red_list:
        assert e.label in text
    for u in board.units:
        if u.rank is None:
            continue
        # The standings table's row: rank, name, ratings, 差评, citizen score, image,
        # behaviour, discipline, quarter score.
        want = [str(u.rank), u.name, str(u.n), str(u.negative), f"{u.citizen_score:.1f}"]
        want += [f"{x:.1f}" for x in (u.image, u.behaviour, u.discipline, u.quarter_score)]
        assert any(ln.split()[:9] == want for ln in text.splitlines()), want
    assert hall.sections is not None
    for e in hall.sections.hardest:
        assert e.label.split(" · ")[0] in text  # the section's name (a long label may wrap)
        for _code, name, _n in e.problems:
            assert name in text
    assert "每周满意度" in text and "巡查扣分与加分" in text
    # Rendered: each page becomes a PNG with ink on it.
    from PIL import Image

    subprocess.run(
        [program("pdftoppm"), "-r", "40", "-png", str(pdf), str(tmp_path / "page")], check=True
    )
    pngs = sorted(tmp_path.glob("page-*.png"))
    assert len(pngs) == len(pages)
    for png in pngs:
        with Image.open(png) as im:
            lo, hi = im.convert("L").getextrema()
        assert hi - lo > 100, f"{png.name} looks blank"
    fonts = subprocess.run(
        [program("pdffonts"), str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    assert "WenQuanYi" in fonts and " yes " in fonts  # Chinese embedded


# ---------------------------------------------------------------- behaviour


# ---------------------------------------------------------------- the office's records


def _sheet(wb: Any, name: str) -> list[dict[str, Any]]:
    head, *rows = list(wb[name].iter_rows(values_only=True))
    return [dict(zip(head, r, strict=True)) for r in rows]


def test_a_late_case_is_marked_late_in_every_file(
    hall: Hall, exported: tuple[Path, Any], tmp_path: Path
) -> None:
    out, _ = exported
    with OfficeClient(hall.server.url, hall.server.admin_token) as office:
        cases = {c["id"]: c for c in office.cases("TL", quarter=QUARTER, limit=10000)}
    on_time, late = cases[hall.office.on_time_case], cases[hall.office.late_case]
    rows = {r["评价编号"]: r for r in read_csv(out / f"ratings-TL-{QUARTER}.csv")}
    assert rows[on_time["rating"]]["差评工单"] == "已办结"
    assert rows[late["rating"]]["差评工单"] == "已回访（超期）"
    # Every 差评 that counts has its case; nothing else has one.
    with_case = {rid for rid, r in rows.items() if r["差评工单"]}
    assert with_case == {c["rating"] for c in cases.values()}

    wb = openpyxl.load_workbook(out / f"quarter-TL-{QUARTER}.xlsx")
    sheet = {r["工单号"]: r for r in _sheet(wb, "差评工单")}
    assert len(sheet) == len(cases)
    assert sheet[on_time["id"]]["是否按时"] == "按时"
    assert sheet[late["id"]]["是否按时"] == "超期"
    assert "回访" in sheet[late["id"]]["超期环节"]
    assert isinstance(sheet[on_time["id"]]["回访期限"], datetime)  # a date cell
    assert sheet[on_time["id"]]["回访期限"].date().isoformat() == on_time["callback_due"]
    assert isinstance(sheet[on_time["id"]]["回访时间"], datetime)
    assert {r["联系电话"] for r in sheet.values() if r["联系电话"]} <= set(hall.filled.phones)
    wb.close()

    text = "\n".join(pdf_pages(out / f"report-TL-{QUARTER}.pdf"))
    assert "差评回访与整改按时率" in text
    text = text.split("差评回访与整改按时率")[1].split("计分与上榜规则")[0]
    from board.export.records import follow_up

    mine = follow_up(list(cases.values()))
    assert mine[on_time["unit"]].callback_on_time == 1  # the one called back on its day
    assert mine[late["unit"]].callback_due > mine[late["unit"]].callback_on_time
    names = {u.code: u.name for u in hall.board.units}
    for unit, f in mine.items():
        callback = (
            f"{100 * f.callback_on_time / f.callback_due:.0f}%（{f.callback_on_time}/{f.callback_due}）"
            if f.callback_due
            else "—"
        )
        line = next(ln for ln in text.splitlines() if ln.split()[:1] == [names[unit]])
        assert callback in line and line.split()[-1] == str(f.late_cases), line


def test_office_records_in_the_workbook_and_the_standings(
    hall: Hall, exported: tuple[Path, Any]
) -> None:
    out, _ = exported
    wb = openpyxl.load_workbook(out / f"quarter-TL-{QUARTER}.xlsx")
    inspections = _sheet(wb, "巡查记录")
    assert [(r["单位"], r["维度"], r["分值"], r["事项"]) for r in inspections] == [
        ("区民政局", "工作纪律", -2, "迟到")
    ]
    standings = {r["单位代码"]: r for r in _sheet(wb, "排名")}
    assert standings["MZJ"]["工作纪律"] == 98 == hall.board.unit("MZJ").discipline
    misconduct = _sheet(wb, "违规违纪")
    assert [(r["单位"], r["编号"]) for r in misconduct] == [("区司法局", "TS-2026-0901")]
    assert standings["SFJ"]["榜单"] == "黑榜（一票否决）"
    assert [e.unit_code for e in hall.board.black_list] == ["SFJ"]
    appeals = _sheet(wb, "申诉")
    assert [(r["评价编号"], r["结果"]) for r in appeals] == [
        (hall.office.appealed_rating, "申诉成立，不计分")
    ]
    flagged = {r["评价编号"]: r for r in _sheet(wb, "异常评价")}
    excluded = flagged[hall.office.excluded_rating]
    assert excluded["标记处理"] == "确认不计分" and excluded["处理说明"].startswith("同一人")
    wb.close()
    text = "\n".join(pdf_pages(out / f"report-TL-{QUARTER}.pdf"))
    assert "经核实的违规违纪（一票否决）" in text and "TS-2026-0901" in text
    assert "区民政局" in text.split("巡查扣分与加分")[1].split("差评回访")[0]


def test_second_ratings_sheet_past_the_row_limit(hall: Hall, tmp_path: Path) -> None:
    with OfficeClient(hall.server.url, hall.server.admin_token) as client:
        result = export_quarter(client, "TL", QUARTER, tmp_path, max_sheet_rows=101, page_size=37)
    assert result.ratings == hall.filled.total
    wb = openpyxl.load_workbook(result.paths[1], read_only=True)
    sheets = [n for n in wb.sheetnames if n.startswith("评价明细")]
    expected = -(-hall.filled.total // 100)
    assert sheets == ["评价明细"] + [f"评价明细{i}" for i in range(2, expected + 1)]
    seen = []
    for name in sheets:
        rows = list(wb[name].iter_rows(values_only=True))
        assert rows[0][0] == "评价时间"
        assert len(rows) - 1 <= 100
        seen += [r[-3] for r in rows[1:]]
    wb.close()
    assert len(seen) == len(set(seen)) == hall.filled.total


def test_empty_quarter_exports_valid_files(hall: Hall, tmp_path: Path) -> None:
    done = hall.admin("export", "--hall", "TL", "--quarter", "2026Q2", "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    csv_path, xlsx, pdf = target_paths(tmp_path, "TL", "2026Q2")
    rows = read_csv(csv_path)
    assert rows == []
    wb = openpyxl.load_workbook(xlsx)
    assert wb["评价明细"].max_row == 1 and wb["排名"].max_row == 32  # 31 units, no rating
    wb.close()
    sheets = libreoffice_csv(xlsx, tmp_path / "lo")
    assert len(sheets["评价明细"]) == 1
    text = "\n".join(pdf_pages(pdf))
    assert "本季度尚无计分评价" in text


def test_only_the_files_asked_for_are_written(hall: Hall, tmp_path: Path) -> None:
    args = ("export", "--hall", "TL", "--quarter", QUARTER, "--out", str(tmp_path))
    done = hall.admin(*args, "--only", "csv,pdf")
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        f"ratings-TL-{QUARTER}.csv",
        f"report-TL-{QUARTER}.pdf",
    ]
    assert len(read_csv(tmp_path / f"ratings-TL-{QUARTER}.csv")) == hall.filled.total
    bad = hall.admin(*args, "--only", "docx")
    assert bad.returncode == 2 and "csv, xlsx, pdf" in bad.stderr


def test_existing_files_need_force(hall: Hall, tmp_path: Path) -> None:
    csv_path = tmp_path / f"ratings-TL-{QUARTER}.csv"
    csv_path.write_text("the office's own notes")
    done = hall.admin("export", "--hall", "TL", "--quarter", QUARTER, "--out", str(tmp_path))
    assert done.returncode == 2
    assert "--force" in done.stderr and str(csv_path) in done.stderr
    assert csv_path.read_text() == "the office's own notes"
    assert not (tmp_path / f"quarter-TL-{QUARTER}.xlsx").exists()
    done = hall.admin(
        "export", "--hall", "TL", "--quarter", QUARTER, "--out", str(tmp_path), "--force"
    )
    assert done.returncode == 0, done.stderr
    assert len(read_csv(csv_path)) == hall.filled.total


class _Interrupted(AdminClient):
    """A client whose stream of ratings is cut (Ctrl-C) at its third page."""

    pages = 0

    def rating_page(self, *args: Any, **kwargs: Any) -> Any:
        self.pages += 1
        if self.pages == 3:
            raise KeyboardInterrupt
        return super().rating_page(*args, **kwargs)


def test_interrupted_export_leaves_no_file(hall: Hall, tmp_path: Path) -> None:
    old = tmp_path / f"quarter-TL-{QUARTER}.xlsx"
    old.write_bytes(b"last quarter's good copy")
    with _Interrupted(hall.server.url, hall.server.admin_token) as client:
        with pytest.raises(KeyboardInterrupt):
            export_quarter(client, "TL", QUARTER, tmp_path, force=True, page_size=50)
    assert sorted(p.name for p in tmp_path.iterdir()) == [old.name]  # no partial, no temp
    assert old.read_bytes() == b"last quarter's good copy"


def test_server_gone_mid_export_leaves_no_file(tmp_path: Path) -> None:
    server = start_server(tmp_path / "srv", env=PAST_OK)
    try:
        with httpx.Client(base_url=server.url, timeout=30) as c:
            fill_quarter(c, server.admin_token, per_window=40, windows=None)

        class Killing(AdminClient):
            pages = 0

            def rating_page(self, *a: Any, **k: Any) -> Any:
                self.pages += 1
                if self.pages == 2:
                    server.kill()  # the store goes away mid-quarter
                return super().rating_page(*a, **k)

        out = tmp_path / "out"
        with Killing(server.url, server.admin_token) as client:
            with pytest.raises(ExportError, match="no file was written"):
                export_quarter(client, "TL", QUARTER, out, page_size=50)
        assert list(out.iterdir()) == []
    finally:
        server.kill()


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--hall", "XX", "--quarter", QUARTER], 1, "no hall 'XX'"),
        (["--hall", "TL", "--quarter", "2099Q1"], 2, "2099Q1 has not begun in hall TL"),
        (["--hall", "TL", "--quarter", "2026Q5"], 2, "'2026Q5' is not a quarter"),
        (["--hall", "TL", "--quarter", "Q3"], 2, "write it like 2026Q3"),
    ],
)
def test_bad_input_gets_a_message_and_an_exit_status(
    hall: Hall, tmp_path: Path, args: list[str], code: int, message: str
) -> None:
    done = hall.admin("export", *args, "--out", str(tmp_path / "out"))
    assert done.returncode == code, done.stderr
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_board_credential_may_not_export(hall: Hall, tmp_path: Path) -> None:
    r = httpx.post(
        f"{hall.server.url}/api/v1/admin/board-credentials",
        json={"hall": "TL"},
        headers=hall.server.admin_headers,
    )
    board_token = r.json()["token"]
    done = hall.admin(
        "export", "--hall", "TL", "--quarter", QUARTER, "--out", str(tmp_path),
        env=hall.env(HALL_ADMIN_TOKEN=board_token),
    )  # fmt: skip
    assert done.returncode == 1
    assert "the admin token or an operator with role 'office'" in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_unreachable_server(hall: Hall, tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    done = hall.admin(
        "export", "--hall", "TL", "--quarter", QUARTER, "--out", str(tmp_path),
        env=hall.env(HALL_SERVER_URL=url),
    )  # fmt: skip
    assert done.returncode == 1
    assert f"cannot reach the server at {url}" in done.stderr
    assert "Traceback" not in done.stderr


def test_progress_lines_when_piped_and_a_bar_on_a_terminal(hall: Hall, tmp_path: Path) -> None:
    piped = hall.admin("export", "--hall", "TL", "--quarter", QUARTER, "--out", str(tmp_path / "a"))
    assert f"export: ratings {hall.filled.total}/{hall.filled.total} (100%)" in piped.stderr
    assert "\x1b[" not in piped.stderr  # no terminal codes in a log file

    import pty

    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "board.admin", "export", "--hall", "TL", "--quarter", QUARTER,
         "--out", str(tmp_path / "b")],
        env=hall.env(COLUMNS="100"),
        stdout=subprocess.DEVNULL,
        stderr=slave,
    )  # fmt: skip
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:  # the other end closed
            break
        if not data:
            break
        chunks.append(data)
    assert proc.wait(timeout=120) == 0
    os.close(master)
    tty = b"".join(chunks).decode(errors="replace")
    assert "━" in tty and f"{hall.filled.total}/{hall.filled.total}" in tty
    assert "export: ratings" not in tty


@pytest.mark.postgres
def test_postgres_store_exports_what_its_database_holds(tmp_path: Path) -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    from tests.helpers.postgres import fresh_database, test_database_url

    with fresh_database(test_database_url(), "hall_export") as url:
        server = start_server(tmp_path / "srv", database_url=url, env=PAST_OK)
        try:
            with httpx.Client(base_url=server.url, timeout=30) as c:
                filled = fill_quarter(c, server.admin_token, per_window=45)
            with OfficeClient(server.url, server.admin_token) as client:
                result = export_quarter(client, "TL", QUARTER, tmp_path / "out", page_size=100)
        finally:
            server.stop()
        plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(plain) as db:
            rows = db.execute(
                "SELECT unit, level, count(*) FROM rating WHERE hall = 'TL' AND quarter = %s "
                "AND (NOT flagged OR released) GROUP BY unit, level",
                (QUARTER,),
            ).fetchall()
    in_db = Counter({(u, lv): n for u, lv, n in rows})
    exported_rows = read_csv(result.paths[0])
    assert len(exported_rows) == filled.total == result.ratings
    counted = Counter(
        (r["单位代码"], next(lv for lv, w in LEVEL_WORDS.items() if w == r["评价等级"]))
        for r in exported_rows
        if r["是否计分"] == "是"
    )
    assert counted == in_db
    wb = openpyxl.load_workbook(result.paths[1], read_only=True)
    standings = list(wb["排名"].iter_rows(values_only=True))
    wb.close()
    head = standings[0]
    for row in standings[1:]:
        r = dict(zip(head, row, strict=True))
        assert r["有效评价"] == sum(n for (u, _), n in in_db.items() if u == r["单位代码"])
        assert r["名次"] == result.data.standings.unit(r["单位代码"]).rank


def test_a_published_quarter_exports_its_published_result(tmp_path: Path) -> None:
    server = start_server(tmp_path / "srv", env=PAST_OK)
    try:
        with httpx.Client(base_url=server.url, timeout=30) as c:
            filled = fill_quarter(c, server.admin_token, per_window=40)
        env = {k: v for k, v in os.environ.items() if not k.startswith("HALL_")}
        env |= {"HALL_SERVER_URL": server.url, "HALL_ADMIN_TOKEN": server.admin_token}

        def admin(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [sys.executable, "-m", "board.admin", *args],
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )

        closed = admin("quarter", "close", "--hall", "TL", "--quarter", QUARTER)
        assert closed.returncode == 0, closed.stderr
        with OfficeClient(server.url, server.admin_token) as office:
            published = office.aggregates("TL", QUARTER).data
        assert published is not None
        done = admin("export", "--hall", "TL", "--quarter", QUARTER, "--out", str(tmp_path / "o"))
        assert done.returncode == 0, done.stderr
        assert "暂定" not in done.stderr
    finally:
        server.stop()
    csv_path, xlsx, pdf = target_paths(tmp_path / "o", "TL", QUARTER)
    rows = read_csv(csv_path)
    assert len(rows) == filled.total and {r["数据状态"] for r in rows} == {"已发布"}
    wb = openpyxl.load_workbook(xlsx)
    assert all("暂定" not in (ws.oddHeader.center.text or "") for ws in wb.worksheets)
    assert wb["说明"]["A2"].value == "数据状态：已发布"
    ranks = {r["单位代码"]: r["综合得分"] for r in _sheet(wb, "排名")}
    wb.close()
    stored = published["published"]["standings"]["units"]
    assert ranks == {u["code"]: pytest.approx(u["quarter_score"]) for u in stored}
    pages = pdf_pages(pdf)
    assert all("暂定" not in p for p in pages)
    assert "数据状态：已发布" in pages[0]
