"""``quarter-TL-2026Q3.xlsx``: the quarter as a workbook, one small function per sheet.

Written by xlsxwriter in ``constant_memory`` mode: each row goes to disk as soon as the next one
begins, so a quarter of millions of ratings needs no more memory than one of a hundred. Every
sheet has its header row frozen, filters on, widths that fit, numbers as numbers, times as
real dates, text as string cells (never a formula, whatever a name starts with), and in an
open quarter "暂定" in its printed header. Ratings past one sheet's row limit continue on
``评价明细2``, ``评价明细3`` …
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from board.export.data import (
    CHANNEL_WORDS,
    Column,
    QuarterData,
    level_word,
)
from board.export.records import APPEAL_WORDS, CASE_WORDS, STEP_WORDS, is_late
from board.hardest import SectionRanking
from board.standings import UnitStanding

__all__ = ["MAX_SHEET_ROWS", "QuarterWorkbook"]

MAX_SHEET_ROWS = 1_048_576  # rows of one sheet in Excel and LibreOffice, header included
STATUS_LIST = {"red": "红榜", "black": "黑榜", "ranked": "", "not_enough": "评价不足"}
RATINGS_SHEET = "评价明细"


class QuarterWorkbook:
    """The workbook: ``add_rating(row)`` for each rating, then ``close()`` writes the rest."""

    def __init__(
        self,
        path: Path,
        data: QuarterData,
        columns: Sequence[Column],
        *,
        max_rows: int = MAX_SHEET_ROWS,
    ) -> None:
        self.data = data
        self.columns = list(columns)
        self._per_sheet = max_rows - 1
        self.wb = xlsxwriter.Workbook(
            str(path),
            {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False},
        )
        self.wb.set_properties(
            {
                "title": f"{data.hall['name']} {data.quarter_words} 好差评数据",
                "subject": f"{data.hall['code']} {data.quarter}",
                "comments": data.status_words,
                "keywords": "provisional" if data.provisional else "published",
            }
        )
        f = self.wb.add_format
        self.fmt: dict[str, Format] = {
            "head": f({"bold": True, "bg_color": "#E8EAED", "border": 1, "text_wrap": True}),
            "time": f({"num_format": "yyyy-mm-dd hh:mm:ss"}),
            "date": f({"num_format": "yyyy-mm-dd"}),
            "score": f({"num_format": "0.0"}),
            "pct": f({"num_format": "0.0%"}),
            "wrap": f({"text_wrap": True, "valign": "top"}),
            "top": f({"valign": "top"}),
            "title": f({"bold": True, "font_size": 16}),
            "warn": f({"bold": True, "font_color": "#B3261E", "font_size": 12}),
        }
        # Sheet order is fixed when sheets are added: the about page and the small tables first,
        # then as many ratings sheets as the rollups' count needs (more are added if ratings
        # arrive while we export), then the per-rating side tables.
        self._about = self._sheet("说明")
        self._standings = self._sheet("排名")
        self._hardest = self._sheet("最难办事")
        needed = max(1, -(-data.total_ratings // self._per_sheet))
        self._rating_sheets = [self._ratings_sheet(i) for i in range(needed)]
        self._cases = self._sheet("差评工单")
        self._inspections = self._sheet("巡查记录")
        self._misconduct = self._sheet("违规违纪")
        self._appeals = self._sheet("申诉")
        self._flagged = self._sheet("异常评价")
        self._terminals = self._sheet("终端")
        self._rows = 0
        self._flagged_rows = 0
        self._per_terminal: Counter[str] = Counter()
        self._flagged_header()
        self._idx = {c.key: i for i, c in enumerate(self.columns)}
        self._writers = [self._cell_writer(c) for c in self.columns]

    # ------------------------------------------------------------ sheets and cells

    def _sheet(self, name: str) -> Worksheet:
        ws = self.wb.add_worksheet(name)
        if self.data.provisional:
            ws.set_header(f"&C暂定 · {self.data.hall['name']} {self.data.quarter_words}")
        ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.fit_to_pages(1, 0)
        return ws

    def _header(self, ws: Worksheet, columns: Sequence[tuple[str, float]], row: int = 0) -> None:
        for i, (title, width) in enumerate(columns):
            ws.set_column(i, i, width)
            ws.write_string(row, i, title, self.fmt["head"])
        ws.freeze_panes(row + 1, 0)

    def _table_end(self, ws: Worksheet, ncols: int, last_row: int, first_row: int = 0) -> None:
        ws.autofilter(first_row, 0, max(first_row, last_row), ncols - 1)

    def _ratings_sheet(self, index: int) -> Worksheet:
        ws = self._sheet(RATINGS_SHEET if index == 0 else f"{RATINGS_SHEET}{index + 1}")
        self._header(ws, [(c.header, c.width) for c in self.columns])
        return ws

    def _cell_writer(self, c: Column) -> Callable[[Worksheet, int, int, Any], None]:
        if c.kind == "datetime":
            fmt = self.fmt["time"]
            return lambda ws, r, i, v: ws.write_datetime(r, i, v, fmt) if v else None
        if c.kind in ("int", "float"):
            return lambda ws, r, i, v: ws.write_number(r, i, v) if v is not None else None
        return lambda ws, r, i, v: ws.write_string(r, i, v) if v else None

    # ------------------------------------------------------------ ratings, as they stream

    def add_rating(self, row: Sequence[Any]) -> None:
        sheet_no, at = divmod(self._rows, self._per_sheet)
        while sheet_no >= len(self._rating_sheets):
            self._rating_sheets.append(self._ratings_sheet(len(self._rating_sheets)))
        ws = self._rating_sheets[sheet_no]
        r = at + 1
        for i, (write, value) in enumerate(zip(self._writers, row, strict=True)):
            write(ws, r, i, value)
        self._rows += 1
        self._per_terminal[row[self._idx["terminal"]]] += 1
        if row[self._idx["flags"]]:
            self._flagged_row(row)

    def _flagged_header(self) -> None:
        self._header(
            self._flagged,
            [
                ("评价时间", 19),
                ("窗口", 7),
                ("单位名称", 20),
                ("评价等级", 10),
                ("异常标记", 20),
                ("标记处理", 14),
                ("是否计分", 8),
                ("评价编号", 36),
                ("处理说明", 30),
                ("处理人", 12),
                ("处理时间", 19),
            ],
        )

    def _flagged_row(self, row: Sequence[Any]) -> None:
        self._flagged_rows += 1
        ws, r, ix = self._flagged, self._flagged_rows, self._idx
        ws.write_datetime(r, 0, row[ix["time"]], self.fmt["time"])
        for col, key in enumerate(
            ("window", "unit_name", "level", "flags", "flag_decision", "counted", "rating_id"),
            start=1,
        ):
            if row[ix[key]]:
                ws.write_string(r, col, row[ix[key]])
        decision = self.data.records.flag_of.get(row[ix["rating_id"]])
        if decision:
            if decision.get("note"):
                ws.write_string(r, 8, decision["note"])
            if decision.get("decided_by"):
                ws.write_string(r, 9, decision["decided_by"])
            if decision.get("decided_at"):
                ws.write_datetime(r, 10, self.local(decision["decided_at"]), self.fmt["time"])

    def local(self, stamp: str | datetime) -> datetime:
        """An API time as a naive local time in the hall's zone (a spreadsheet has no zones)."""
        when = datetime.fromisoformat(stamp) if isinstance(stamp, str) else stamp
        return when.astimezone(self.data.generated_at.tzinfo).replace(tzinfo=None)

    # ------------------------------------------------------------ the rest, at the end

    def close(self) -> None:
        for ws_index, ws in enumerate(self._rating_sheets):
            rows_here = min(self._per_sheet, max(0, self._rows - ws_index * self._per_sheet))
            self._table_end(ws, len(self.columns), rows_here)
        self._table_end(self._flagged, 11, self._flagged_rows)
        write_about(self)
        write_standings(self)
        write_hardest(self)
        write_cases(self)
        write_inspections(self)
        write_misconduct(self)
        write_appeals(self)
        write_terminals(self)
        self.wb.close()

    @property
    def rating_rows(self) -> int:
        return self._rows

    @property
    def rating_sheet_names(self) -> list[str]:
        return [ws.get_name() for ws in self._rating_sheets]


def write_about(book: QuarterWorkbook) -> None:
    """说明: what the workbook is, whether it is final, and the key of the ratings' columns."""
    d, ws, fmt = book.data, book._about, book.fmt
    s = d.standings
    ws.set_column(0, 0, 22)
    ws.set_column(1, 1, 26)
    ws.set_column(2, 2, 60)
    ws.write_string(0, 0, f"{d.hall['name']} {d.quarter_words} 好差评数据", fmt["title"])
    ws.write_string(1, 0, f"数据状态：{d.status_words}", fmt["warn"])
    if d.provisional:
        ws.write_string(
            2,
            0,
            "Provisional: the quarter is not published; figures may still change.",
            fmt["warn"],
        )
    facts: list[tuple[str, Any]] = [
        ("大厅 hall", f"{d.hall['name']} ({d.hall['code']})"),
        ("季度 quarter", d.quarter),
        ("导出时间 exported", d.generated_at.replace(tzinfo=None)),
        ("评价总数 ratings", book.rating_rows),
        ("计分评价 scored", sum(s.level_distribution.values())),
        ("全厅平均分 hall mean", s.hall_mean),
        ("参与排名单位 ranked units", sum(1 for u in s.units if u.rank is not None)),
    ]
    if d.include_contacts:
        facts.append(("联系电话 contacts", "含群众联系电话，注意保密 (contains phone numbers)"))
    row = 4
    for label, value in facts:
        ws.write_string(row, 0, label, fmt["head"])
        if isinstance(value, datetime):
            ws.write_datetime(row, 1, value, fmt["time"])
        elif isinstance(value, int | float):
            ws.write_number(row, 1, value, fmt["score"] if isinstance(value, float) else None)
        else:
            ws.write_string(row, 1, value)
        row += 1
    row += 1
    ws.write_string(row, 0, f"“{RATINGS_SHEET}”各列 columns", fmt["title"])
    row += 1
    for i, title in enumerate(("中文表头 header", "英文键 key", "含义 meaning")):
        ws.write_string(row, i, title, fmt["head"])
    for c in book.columns:
        row += 1
        ws.write_string(row, 0, c.header)
        ws.write_string(row, 1, c.key)
        ws.write_string(row, 2, c.meaning)
    row += 2
    ws.write_string(row, 0, "计分规则 rules", fmt["title"])
    for rule in s.rules:
        row += 1
        ws.write_string(row, 0, rule)


def _unit_row(u: UnitStanding) -> list[Any]:
    lists = STATUS_LIST[u.status]
    if u.misconduct:
        lists = f"{lists}（一票否决）" if lists else "一票否决"
    return [
        u.rank,
        u.code,
        u.name,
        u.category_name,
        u.n,
        *(u.counts.get(level, 0) for level in (5, 4, 3, 2, 1)),
        u.negative,
        u.flagged,
        u.citizen_score,
        u.image,
        u.behaviour,
        u.discipline,
        u.quarter_score,
        lists,
        u.hardest_rank,
        u.streak,
        "\n".join(u.explanation),
    ]


def write_standings(book: QuarterWorkbook) -> None:
    """排名: every unit in the engine's order, with every dimension and its explanation."""
    ws, fmt = book._standings, book.fmt
    cols: list[tuple[str, float]] = [
        ("名次", 6),
        ("单位代码", 9),
        ("单位名称", 22),
        ("窗口类别", 16),
        ("有效评价", 9),
        *((f"{level_word(level)}", 9) for level in (5, 4, 3, 2, 1)),
        ("差评", 7),
        ("异常未计分", 9),
        ("群众满意度", 10),
        ("服务形象", 9),
        ("服务行为", 9),
        ("工作纪律", 9),
        ("综合得分", 9),
        ("榜单", 10),
        ("最难办事名次", 9),
        ("连续上榜季度", 9),
        ("说明", 118),
    ]
    book._header(ws, cols)
    score_cols = {12, 13, 14, 15, 16}
    r = 0
    for r, u in enumerate(book.data.standings.units, start=1):
        # The explanation's sentences are lines of one wrapped cell: give the row their height
        # (a spreadsheet does not grow a row that was written before it was laid out).
        lines = sum(max(1, -(-len(line) // 55)) for line in u.explanation)
        ws.set_row(r, 15 * max(1, lines))
        for i, v in enumerate(_unit_row(u)):
            if v is None or v == "":
                continue
            if isinstance(v, str):
                ws.write_string(r, i, v, fmt["wrap"] if i == len(cols) - 1 else None)
            else:
                ws.write_number(r, i, v, fmt["score"] if i in score_cols else None)
    book._table_end(ws, len(cols), r)


def write_hardest(book: QuarterWorkbook) -> None:
    """最难办事: the hardest-sections list with its main problems (labels as the wall shows)."""
    if book.data.sections is not None:
        write_hardest_sections(book, book.data.sections)
        return
    ws, fmt = book._hardest, book.fmt
    cols: list[tuple[str, float]] = [
        ("名次", 6),
        ("单位", 22),
        ("有效评价", 9),
        ("差评", 7),
        ("差评占比", 9),
        ("主要问题", 30),
        ("连续上榜季度", 9),
        ("处理", 22),
        ("说明", 60),
    ]
    book._header(ws, cols)
    r = 0
    for r, h in enumerate(book.data.standings.hardest, start=1):
        ws.set_row(r, 30)
        ws.write_number(r, 0, h.rank)
        ws.write_string(r, 1, h.label)
        ws.write_number(r, 2, h.n)
        ws.write_number(r, 3, h.negative)
        ws.write_number(r, 4, h.share, fmt["pct"])
        problems = "、".join(f"{name} {n}" for _code, name, n in h.problems)
        if problems:
            ws.write_string(r, 5, problems)
        ws.write_number(r, 6, h.streak)
        if h.escalation:
            ws.write_string(r, 7, h.escalation)
        ws.write_string(r, 8, h.reason, fmt["wrap"])
    book._table_end(ws, len(cols), r)


def write_hardest_sections(book: QuarterWorkbook, ranking: SectionRanking) -> None:
    """最难办事 for a hall with sections: the wall's section list, its evidence and problems."""
    ws, fmt = book._hardest, book.fmt
    cols: list[tuple[str, float]] = [
        ("名次", 6),
        ("科室", 30),
        ("科室代码", 10),
        ("单位", 22),
        ("评议答卷", 9),
        ("指出问题", 9),
        ("有效评价", 9),
        ("差评", 7),
        ("难办指数", 9),
        ("主要问题", 30),
        ("连续前三季度", 9),
        ("处理", 30),
        ("说明", 60),
    ]
    book._header(ws, cols)
    r = 0
    for r, e in enumerate(ranking.hardest, start=1):
        ws.set_row(r, 30)
        ws.write_number(r, 0, e.rank or 0)
        ws.write_string(r, 1, e.label)
        ws.write_string(r, 2, e.code)
        ws.write_string(r, 3, e.unit_name)
        for c, n in enumerate((e.answers, e.with_problems, e.ratings, e.negative), start=4):
            ws.write_number(r, c, n)
        ws.write_number(r, 8, round(e.hardness, 4))
        problems = "、".join(f"{name} {n}" for _code, name, n in e.problems)
        if problems:
            ws.write_string(r, 9, problems)
        ws.write_number(r, 10, e.top3_streak)
        if e.consequences:
            ws.write_string(r, 11, "；".join(e.consequences), fmt["wrap"])
        if e.explanation:
            ws.write_string(r, 12, " ".join(e.explanation), fmt["wrap"])
    book._table_end(ws, len(cols), r)


def write_terminals(book: QuarterWorkbook) -> None:
    """终端: every terminal of the hall, its state, and its ratings in this export."""
    ws, fmt = book._terminals, book.fmt
    cols: list[tuple[str, float]] = [
        ("终端", 36),
        ("渠道", 11),
        ("窗口", 7),
        ("启用时间", 19),
        ("停用时间", 19),
        ("最近联系", 19),
        ("连续序号", 9),
        ("最大序号", 9),
        ("未处理异常", 9),
        ("本季度评价", 9),
    ]
    book._header(ws, cols)
    tz = book.data.generated_at.tzinfo

    def local(dt: datetime | None) -> datetime | None:
        return dt.astimezone(tz).replace(tzinfo=None) if dt else None

    r = 0
    for r, t in enumerate(book.data.terminals, start=1):
        ws.write_string(r, 0, t.id)
        ws.write_string(r, 1, CHANNEL_WORDS.get(t.channel, t.channel))
        ws.write_string(r, 2, t.window)
        for col, dt in ((3, t.enrolled_at), (4, t.revoked_at), (5, t.last_seen_at)):
            value = local(dt)
            if value is not None:
                ws.write_datetime(r, col, value, fmt["time"])
        ws.write_number(r, 6, t.highest_contiguous_seq)
        ws.write_number(r, 7, t.max_seq)
        ws.write_number(r, 8, t.open_anomalies)
        ws.write_number(r, 9, book._per_terminal.get(t.id, 0))
    book._table_end(ws, len(cols), r)


# ---------------------------------------------------------------- the office's records


def _table(
    book: QuarterWorkbook, ws: Worksheet, cols: Sequence[tuple[str, float]], rows: list[list[Any]]
) -> None:
    """A sheet of records: header, then each row's cells by type (date-times as dates)."""
    book._header(ws, cols)
    for r, row in enumerate(rows, start=1):
        for i, v in enumerate(row):
            if v is None or v == "":
                continue
            if isinstance(v, datetime):
                ws.write_datetime(r, i, v, book.fmt["time"])
            elif isinstance(v, date):
                ws.write_datetime(r, i, datetime(v.year, v.month, v.day), book.fmt["date"])
            elif isinstance(v, int | float):
                ws.write_number(r, i, v)
            else:
                ws.write_string(r, i, str(v))
    book._table_end(ws, len(cols), len(rows))


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _unit_name(book: QuarterWorkbook, code: str) -> str:
    unit = book.data.roster.units.get(code)
    return unit.name if unit else code


def write_cases(book: QuarterWorkbook) -> None:
    """差评工单: every 差评 case, its deadlines (working days), when each step was done, and
    whether it was on time; a case done late or past a due date is marked 超期."""
    d = book.data
    reasons = d.reason_names
    cols: list[tuple[str, float]] = [
        ("工单号", 8),
        ("受理日", 11),
        ("单位", 20),
        ("窗口", 7),
        ("工号", 9),
        ("评价等级", 10),
        ("差评原因", 16),
        ("状态", 9),
        ("回访期限", 11),
        ("回访时间", 19),
        ("整改期限", 11),
        ("整改时间", 19),
        ("办结时间", 19),
        ("是否按时", 9),
        ("超期环节", 14),
        ("申诉", 14),
        ("评价编号", 36),
    ]
    if d.include_contacts:
        cols.append(("联系电话", 13))
    rows = []
    for c in d.records.cases:
        done = {s["step"]: s for s in c.get("steps", ())}
        late_steps = [s["step"] for s in c.get("steps", ()) if s.get("late")]
        late_steps += [x for x in c.get("overdue", ()) if x not in late_steps]
        appeal = c.get("appeal")
        row: list[Any] = [
            c["id"],
            _day(c.get("day")),
            _unit_name(book, c["unit"]),
            c.get("window"),
            c.get("staff"),
            level_word(int(c["level"])),
            "、".join(reasons.get(x, x) for x in c.get("reasons", ())),
            CASE_WORDS.get(c["status"], c["status"]),
            _day(c.get("callback_due")),
            book.local(done["called_back"]["at"]) if "called_back" in done else None,
            _day(c.get("rectify_due")),
            book.local(done["rectified"]["at"]) if "rectified" in done else None,
            book.local(done["closed"]["at"]) if "closed" in done else None,
            "超期" if is_late(c) else "按时",
            "、".join(STEP_WORDS.get(x, x) for x in late_steps),
            APPEAL_WORDS.get(appeal["status"], appeal["status"]) if appeal else None,
            c["rating"],
        ]
        if d.include_contacts:
            row.append(c.get("phone"))
        rows.append(row)
    _table(book, book._cases, cols, rows)


DIMENSION_WORDS = {"image": "服务形象", "behaviour": "服务行为", "discipline": "工作纪律"}


def _voided(x: Mapping[str, Any]) -> str | None:
    if not x.get("voided_at"):
        return None
    return f"已作废：{x.get('void_reason') or ''}（{x.get('voided_by') or ''}）"


def write_inspections(book: QuarterWorkbook) -> None:
    """巡查记录: the inspectors' deductions and bonuses, voided ones kept and marked."""
    cols: list[tuple[str, float]] = [
        ("日期", 11),
        ("单位", 20),
        ("工号", 9),
        ("维度", 10),
        ("分值", 7),
        ("事项", 24),
        ("备注", 24),
        ("记录人", 10),
        ("记录时间", 19),
        ("作废", 30),
    ]
    rows = [
        [
            _day(x.get("day")),
            _unit_name(book, x["unit"]),
            x.get("staff"),
            DIMENSION_WORDS.get(x["dimension"], x["dimension"]),
            float(x["points"]),
            x.get("what") or x.get("item"),
            x.get("note"),
            x.get("recorded_by"),
            book.local(x["recorded_at"]) if x.get("recorded_at") else None,
            _voided(x),
        ]
        for x in book.data.records.inspections
    ]
    _table(book, book._inspections, cols, rows)


def write_misconduct(book: QuarterWorkbook) -> None:
    """违规违纪: verified misconduct (一票否决), voided ones kept and marked."""
    cols: list[tuple[str, float]] = [
        ("日期", 11),
        ("单位", 20),
        ("摘要", 40),
        ("编号", 16),
        ("核实人", 10),
        ("记录人", 10),
        ("记录时间", 19),
        ("作废", 30),
    ]
    rows = [
        [
            _day(x.get("day")),
            _unit_name(book, x["unit"]),
            x.get("summary"),
            x.get("reference"),
            x.get("verified_by"),
            x.get("recorded_by"),
            book.local(x["recorded_at"]) if x.get("recorded_at") else None,
            _voided(x),
        ]
        for x in book.data.records.misconduct
    ]
    _table(book, book._misconduct, cols, rows)


def write_appeals(book: QuarterWorkbook) -> None:
    """申诉: the units' appeals against 差评 and the office's decisions."""
    reasons = book.data.reason_names
    cols: list[tuple[str, float]] = [
        ("申诉号", 8),
        ("单位", 20),
        ("评价等级", 10),
        ("差评原因", 16),
        ("申诉理由", 30),
        ("申诉人", 10),
        ("申诉时间", 19),
        ("结果", 14),
        ("决定人", 10),
        ("决定时间", 19),
        ("决定说明", 30),
        ("评价编号", 36),
    ]
    rows = [
        [
            a["id"],
            _unit_name(book, a["unit"]),
            level_word(int(a["level"])) if a.get("level") else None,
            "、".join(reasons.get(x, x) for x in a.get("reasons", ())),
            a.get("reason"),
            a.get("filed_by"),
            book.local(a["filed_at"]) if a.get("filed_at") else None,
            APPEAL_WORDS.get(a["status"], a["status"]),
            a.get("decided_by"),
            book.local(a["decided_at"]) if a.get("decided_at") else None,
            a.get("decision_note"),
            a["rating"],
        ]
        for a in book.data.records.appeals
    ]
    _table(book, book._appeals, cols, rows)
