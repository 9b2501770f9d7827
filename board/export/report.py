"""``report-TL-2026Q3.pdf``: the quarter on A4 for the hall's leadership, drawn by reportlab.

Sections, each a small function returning flowables: the summary, the red and black lists (and
the verified misconduct behind them), the standings table, the hardest-sections top 10 with
their main problems, the weekly satisfaction charts (the same series as the wall's chart,
``board.weekly``), the inspections' points per dimension, the 差评 follow-up's on-time rates
per unit, and the scoring rules. Every number comes from the engine's ``Standings``.

Chinese is set in the shipped WenQuanYi Micro Hei, embedded as a subset, so the PDF prints and
its text can be searched and copied on a machine with no Chinese font. An open quarter carries
"暂定" at the top of every page.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from assets import FONT_FILE
from board.export.data import QuarterData
from board.export.records import FollowUp, follow_up
from board.hardest import SectionRanking
from board.standings import DIMENSIONS, BoardEntry, Standings, UnitStanding
from board.weekly import hall_weekly, weekly_series

__all__ = ["FONT", "write_report"]

FONT = "WenQuanYiMicroHei"
RED = colors.HexColor("#B3261E")
BLACK = colors.HexColor("#202124")
MUTED = colors.HexColor("#5F6368")
GRID = colors.HexColor("#BDC1C6")
HEAD_BG = colors.HexColor("#E8EAED")
BEST = ["#1B5E20", "#0D47A1", "#4A148C"]
WORST = ["#B71C1C", "#E65100", "#6D4C41"]
DIMENSION_WORDS = {"image": "服务形象", "behaviour": "服务行为", "discipline": "工作纪律"}
LIST_WORDS = {"red": "红榜", "black": "黑榜", "ranked": "", "not_enough": "评价不足"}
WIDTH = A4[0] - 30 * mm


def _register_font() -> None:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, str(FONT_FILE), subfontIndex=0))


def _style(size: float = 9.5, *, colour: Any = BLACK, leading: float | None = None,
           align: int = 0, bold: bool = False) -> ParagraphStyle:  # fmt: skip
    return ParagraphStyle(
        f"s{size}{align}{bold}",
        fontName=FONT,
        fontSize=size,
        leading=leading or size * 1.4,
        textColor=colour,
        alignment=align,
        wordWrap="CJK",
    )


BODY = _style()
SMALL = _style(8)
CELL = _style(8, leading=10.5)
H1 = _style(20, leading=28, align=TA_CENTER)
H2 = _style(13.5, leading=20)
NOTE = _style(8.5, colour=MUTED)


def _p(text: str, style: ParagraphStyle = CELL) -> Paragraph:
    esc = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return Paragraph(esc.replace("\n", "<br/>"), style)


def _f(x: float) -> str:
    return f"{x:.1f}"


def _table(rows: Sequence[Sequence[Any]], widths: Sequence[float], *,
           head_colour: Any = HEAD_BG, extra: Sequence[Any] = ()) -> Table:  # fmt: skip
    t = Table(
        [[c if isinstance(c, Flowable) else _p(str(c)) for c in row] for row in rows],
        colWidths=widths,
        repeatRows=1,
    )
    t.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT, 8),
                ("BACKGROUND", (0, 0), (-1, 0), head_colour),
                ("GRID", (0, 0), (-1, -1), 0.4, GRID),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                *extra,
            ]
        )
    )
    return t


# ---------------------------------------------------------------------------- sections


def summary_section(d: QuarterData) -> list[Flowable]:
    """Title, status, and the quarter in figures (the 好差评 platforms' standard rates)."""
    s = d.standings
    dist = s.level_distribution
    scored = sum(dist.values())
    flagged = sum(u.flagged for u in s.units)
    good = dist.get(5, 0) + dist.get(4, 0)
    negative = dist.get(1, 0) + dist.get(2, 0)
    out: list[Flowable] = [
        _p(f"{d.hall['name']}", _style(12, colour=MUTED, align=TA_CENTER)),
        _p(f"{d.quarter_words}好差评报告", H1),
        _p(
            f"数据状态：{d.status_words}　　导出时间：{d.generated_at:%Y-%m-%d %H:%M}",
            _style(9.5, colour=RED if d.provisional else MUTED, align=TA_CENTER),
        ),
        Spacer(1, 5 * mm),
    ]

    def pct(k: int) -> str:
        return f"{100 * k / scored:.1f}%" if scored else "—"

    figures = [
        [
            "评价总数",
            "计分评价",
            "异常未计分",
            "好评率",
            "差评率",
            "差评数",
            "全厅平均分",
            "参与排名单位",
        ],
        [
            str(scored + flagged),
            str(scored),
            str(flagged),
            pct(good),
            pct(negative),
            str(negative),
            _f(s.hall_mean) if scored else "—",
            str(sum(1 for u in s.units if u.rank is not None)),
        ],
    ]
    out.append(_table(figures, [WIDTH / 8] * 8, extra=[("ALIGN", (0, 0), (-1, -1), "CENTER")]))
    out.append(
        _p(
            "好评率：非常满意与满意占计分评价的比例；差评：不满意与非常不满意。"
            "疑似误用的评价保留备查、不计分。",
            NOTE,
        )
    )
    return out


def _list_rows(entries: Sequence[BoardEntry]) -> list[list[Any]]:
    rows: list[list[Any]] = [["序号", "单位", "综合得分", "有效评价", "说明"]]
    for i, e in enumerate(entries, start=1):
        reason = e.reason
        if e.escalation:
            reason += f"\n连续 {e.streak} 个季度：{e.escalation}"
        rows.append([str(i), e.label, _f(e.score), str(e.n), reason])
    return rows


def lists_section(s: Standings) -> list[Flowable]:
    """红榜 and 黑榜 as the wall shows them (anonymous mode respected by the engine)."""
    widths = [12 * mm, 45 * mm, 18 * mm, 16 * mm, WIDTH - 91 * mm]
    out: list[Flowable] = [Spacer(1, 6 * mm), _p("红榜", _style(13.5, leading=20, colour=RED))]
    if s.red_list:
        out.append(_table(_list_rows(s.red_list), widths, head_colour=colors.HexColor("#F6D5D3")))
    else:
        out.append(_p("本季度暂无单位达到排名条件，红榜空缺。", BODY))
    out += [Spacer(1, 4 * mm), _p("黑榜", H2)]
    if s.black_list:
        out.append(_table(_list_rows(s.black_list), widths, head_colour=colors.HexColor("#D5D7DB")))
    else:
        out.append(_p(s.black_list_empty_reason or "本季度无单位列入黑榜。", BODY))
    return out


def _unit_cells(u: UnitStanding) -> list[str]:
    listed = LIST_WORDS[u.status] + ("（一票否决）" if u.misconduct else "")
    return [
        str(u.rank) if u.rank is not None else "—",
        u.name,
        str(u.n),
        str(u.negative),
        _f(u.citizen_score),
        _f(u.image),
        _f(u.behaviour),
        _f(u.discipline),
        _f(u.quarter_score),
        listed,
    ]


def standings_section(s: Standings) -> list[Flowable]:
    """Every unit: rank, ratings, 差评, the four dimensions, the quarter score, its list."""
    head = [
        "名次",
        "单位",
        "有效评价",
        "差评",
        "群众满意度",
        "服务形象",
        "服务行为",
        "工作纪律",
        "综合得分",
        "榜单",
    ]
    rows: list[list[Any]] = [head, *(_unit_cells(u) for u in s.units)]
    w = [10 * mm, 0.0, 15 * mm, 10 * mm, 17 * mm, 15 * mm, 15 * mm, 15 * mm, 15 * mm, 20 * mm]
    w[1] = WIDTH - sum(w)
    extra: list[Any] = [("ALIGN", (2, 1), (8, -1), "RIGHT")]
    for i, u in enumerate(s.units, start=1):
        if u.status == "red":
            extra.append(("TEXTCOLOR", (0, i), (-1, i), RED))
        elif u.status == "black":
            extra.append(("BACKGROUND", (0, i), (-1, i), colors.HexColor("#EEEEEE")))
    out: list[Flowable] = [CondPageBreak(60 * mm), Spacer(1, 6 * mm), _p("单位排名", H2)]
    if not s.units:
        return [*out, _p("名册中没有单位。", BODY)]
    out.append(_table(rows, w, extra=extra))
    out.append(_p("“—”：有效评价不足，不参与排名。规则见本报告末页。", NOTE))
    return out


def hardest_section(s: Standings) -> list[Flowable]:
    """最难办事科室群众评: the top 10 with their main problems."""
    out: list[Flowable] = [
        CondPageBreak(50 * mm),
        Spacer(1, 6 * mm),
        _p("最难办事科室（群众评）", H2),
    ]
    if not s.hardest:
        return [
            *out,
            _p(
                f"本季度没有单位符合条件（有效评价不少于 {s.settings.min_ratings} 条且有差评）。",
                BODY,
            ),
        ]
    rows: list[list[Any]] = [["名次", "单位", "有效评价", "差评", "差评占比", "主要问题", "连续"]]
    for h in s.hardest:
        problems = "、".join(f"{name}（{n}）" for _c, name, n in h.problems) or "未注明原因"
        streak = f"{h.streak}" + (f"\n{h.escalation}" if h.escalation else "")
        rows.append(
            [
                str(h.rank),
                h.label,
                str(h.n),
                str(h.negative),
                f"{100 * h.share:.1f}%",
                problems,
                streak,
            ]
        )
    w = [10 * mm, 0.0, 15 * mm, 10 * mm, 15 * mm, 62 * mm, 26 * mm]
    w[1] = WIDTH - sum(w)
    out.append(_table(rows, w, extra=[("ALIGN", (2, 1), (4, -1), "RIGHT")]))
    return out


def hardest_sections(ranking: SectionRanking) -> list[Flowable]:
    """最难办事科室群众评 for a hall with sections: the wall's top 10, evidence and problems."""
    out: list[Flowable] = [
        CondPageBreak(50 * mm),
        Spacer(1, 6 * mm),
        _p("最难办事科室（群众评）", H2),
    ]
    if not ranking.hardest:
        return [*out, _p("本季度没有科室符合上榜条件（评议答卷或差评证据不足）。", BODY)]
    rows: list[list[Any]] = [["名次", "科室", "评议 问题/答卷", "差评/评价", "主要问题", "处理"]]
    for e in ranking.hardest:
        problems = "、".join(f"{name}（{n}）" for _c, name, n in e.problems) or "未注明原因"
        rows.append(
            [
                str(e.rank),
                e.label,
                f"{e.with_problems}/{e.answers}",
                f"{e.negative}/{e.ratings}",
                problems,
                e.escalation or "",
            ]
        )
    w = [10 * mm, 0.0, 16 * mm, 16 * mm, 50 * mm, 34 * mm]
    w[1] = WIDTH - sum(w)
    out.append(_table(rows, w, extra=[("ALIGN", (2, 1), (3, -1), "RIGHT")]))
    return out


def _week_label(iso: str) -> str:
    d = date.fromisoformat(iso)
    return f"{d.month}/{d.day}"


def _line_chart(weeks: list[str], series: list[tuple[str, list[float | None], str, bool]],
                title: str) -> Drawing:  # fmt: skip
    h = 70 * mm
    drawing = Drawing(WIDTH, h)
    chart = HorizontalLineChart()
    chart.x, chart.y = 12 * mm, 14 * mm
    chart.width, chart.height = WIDTH - 72 * mm, h - 24 * mm
    chart.data = [values for _n, values, _c, _d in series]
    chart.categoryAxis.categoryNames = [_week_label(w) for w in weeks]
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 6.5
    chart.categoryAxis.labels.angle = 45 if len(weeks) > 10 else 0
    chart.categoryAxis.labels.dy = -4
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontSize = 7
    values = [v for _n, vs, _c, _d in series for v in vs if v is not None]
    low = min(values, default=60.0)
    chart.valueAxis.valueMin = max(20.0, 10 * int(low // 10) - 10)
    chart.valueAxis.valueMax = 100
    chart.valueAxis.valueStep = 10
    chart.valueAxis.visibleGrid = True
    chart.valueAxis.gridStrokeColor = colors.HexColor("#E0E0E0")
    chart.joinedLines = True
    for i, (_name, _v, colour, dashed) in enumerate(series):
        line = chart.lines[i]
        line.strokeColor = colors.HexColor(colour)
        line.strokeWidth = 1.6
        if dashed:
            line.strokeDashArray = (4, 2)
    drawing.add(chart)
    legend = Legend()
    legend.x, legend.y = WIDTH - 60 * mm, h - 14 * mm
    legend.fontName, legend.fontSize = FONT, 7.5
    legend.alignment = "right"
    legend.columnMaximum = len(series)
    # Colour is not the only cue: the dashed lines say so in the legend too.
    legend.colorNamePairs = [
        (colors.HexColor(c), n[:14] + ("（虚线）" if dashed else "")) for n, _v, c, dashed in series
    ]
    legend.dxTextSpace, legend.deltay, legend.dx = 3, 11, 8
    drawing.add(legend)
    drawing.add(String(12 * mm, h - 6 * mm, title, fontName=FONT, fontSize=9, fillColor=BLACK))
    return drawing


def _bar_chart(weeks: list[str], counts: list[int], title: str) -> Drawing:
    h = 50 * mm
    drawing = Drawing(WIDTH, h)
    chart = VerticalBarChart()
    chart.x, chart.y = 12 * mm, 12 * mm
    chart.width, chart.height = WIDTH - 72 * mm, h - 22 * mm
    chart.data = [counts]
    chart.bars[0].fillColor = colors.HexColor("#5F6368")
    chart.categoryAxis.categoryNames = [_week_label(w) for w in weeks]
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 6.5
    chart.categoryAxis.labels.angle = 45 if len(weeks) > 10 else 0
    chart.categoryAxis.labels.dy = -4
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    chart.barLabelFormat = "%d"
    chart.barLabels.fontName = FONT
    chart.barLabels.fontSize = 6
    chart.barLabels.nudge = 5
    drawing.add(chart)
    drawing.add(String(12 * mm, h - 6 * mm, title, fontName=FONT, fontSize=9, fillColor=BLACK))
    return drawing


def weekly_section(s: Standings) -> list[Flowable]:
    """每周满意度: the hall's weekly mean with the best and lowest ranked units (as on the
    wall), and the scored ratings per week."""
    out: list[Flowable] = [CondPageBreak(130 * mm), Spacer(1, 6 * mm), _p("每周满意度", H2)]
    hall = hall_weekly(s)
    weeks = sorted(hall)
    if not weeks:
        return [*out, _p("本季度尚无计分评价。", BODY)]
    series: list[tuple[str, list[float | None], str, bool]] = [
        ("全厅平均", [hall[w] for w in weeks], "#424242", True)
    ]
    best_i = worst_i = 0
    for u, is_best in weekly_series(s):
        by_week = {w: m for w, m, n in u.weekly if n}
        colour = BEST[best_i % 3] if is_best else WORST[worst_i % 3]
        best_i, worst_i = best_i + is_best, worst_i + (not is_best)
        label = (
            f"第{u.rank}名 {u.name}" if s.settings.naming == "named" or is_best else f"第{u.rank}名"
        )
        series.append((label, [by_week.get(w) for w in weeks], colour, not is_best))
    counts: dict[str, int] = {}
    for u in s.units:
        for w, _m, n in u.weekly:
            counts[w] = counts.get(w, 0) + n
    out.append(_line_chart(weeks, series, "每周平均分（满分 100）：全厅与排名前三、后三的单位"))
    out.append(_bar_chart(weeks, [counts.get(w, 0) for w in weeks], "每周计分评价数"))
    return out


def inspections_section(s: Standings) -> list[Flowable]:
    """巡查扣分与加分: the inspectors' points per unit and dimension, and the hall's totals."""
    out: list[Flowable] = [
        CondPageBreak(40 * mm),
        Spacer(1, 6 * mm),
        _p("巡查扣分与加分（按维度合计）", H2),
    ]
    rows: list[list[Any]] = [["单位", "服务形象", "服务行为", "工作纪律", "记录数"]]
    totals = dict.fromkeys(DIMENSIONS, 0.0)
    records = 0
    for u in s.units:
        if not u.inspections:
            continue
        per = dict.fromkeys(DIMENSIONS, 0.0)
        for dim, points, _note in u.inspections:
            if dim in per:
                per[dim] += points
                totals[dim] += points
        records += len(u.inspections)
        rows.append([u.name, *(f"{per[k]:+g}" for k in DIMENSIONS), str(len(u.inspections))])
    if records == 0:
        return [
            *out,
            _p("本季度没有巡查扣分或加分记录：服务形象、服务行为、工作纪律各计 100 分。", BODY),
        ]
    rows.append(["全厅合计", *(f"{totals[k]:+g}" for k in DIMENSIONS), str(records)])
    w = [WIDTH - 4 * 28 * mm, 28 * mm, 28 * mm, 28 * mm, 28 * mm]
    out.append(_table(rows, w, extra=[("ALIGN", (1, 1), (-1, -1), "RIGHT"),
                                      ("BACKGROUND", (0, -1), (-1, -1), HEAD_BG)]))  # fmt: skip
    out.append(_p("扣分为负，加分为正；各维度以 100 分为基础。", NOTE))
    return out


def follow_up_section(d: QuarterData) -> list[Flowable]:
    """差评回访整改: per unit, the share of call-backs and rectifications done on time."""
    out: list[Flowable] = [
        CondPageBreak(40 * mm),
        Spacer(1, 6 * mm),
        _p("差评回访与整改按时率", H2),
    ]
    per_unit = follow_up(d.records.cases)
    if not per_unit:
        return [*out, _p("本季度没有差评工单。", BODY)]
    names = {u.code: u.name for u in d.standings.units}

    def pct(on_time: int, due: int) -> str:
        rate = FollowUp.rate(on_time, due)
        return "—" if rate is None else f"{100 * rate:.0f}%（{on_time}/{due}）"

    rows: list[list[Any]] = [["单位", "差评工单", "回访按时率", "整改按时率", "超期工单"]]
    total = FollowUp()
    for code in sorted(per_unit, key=lambda c: (-per_unit[c].late_cases, names.get(c, c))):
        f = per_unit[code]
        rows.append(
            [
                names.get(code, code),
                str(f.cases),
                pct(f.callback_on_time, f.callback_due),
                pct(f.rectify_on_time, f.rectify_due),
                str(f.late_cases),
            ]
        )
        for k in ("cases", "callback_due", "callback_on_time", "rectify_due", "rectify_on_time"):
            setattr(total, k, getattr(total, k) + getattr(f, k))
        total.late_cases += f.late_cases
    rows.append(
        [
            "全厅",
            str(total.cases),
            pct(total.callback_on_time, total.callback_due),
            pct(total.rectify_on_time, total.rectify_due),
            str(total.late_cases),
        ]
    )
    w = [0.0, 20 * mm, 38 * mm, 38 * mm, 20 * mm]
    w[0] = WIDTH - sum(w)
    extra = [("ALIGN", (1, 1), (-1, -1), "RIGHT"), ("BACKGROUND", (0, -1), (-1, -1), HEAD_BG)]
    out.append(_table(rows, w, extra=extra))
    out.append(
        _p(
            "按时：在期限（工作日）内完成；期限已过仍未完成或完成晚于期限的计为超期。"
            "尚未到期的环节不计入；未留电话的差评不需回访。",
            NOTE,
        )
    )
    return out


def misconduct_section(d: QuarterData) -> list[Flowable]:
    """违规违纪（一票否决）: the verified records behind a unit's place on the black list."""
    records = [x for x in d.records.misconduct if not x.get("voided_at")]
    if not records:
        return []
    names = {u.code: u.name for u in d.standings.units}
    rows: list[list[Any]] = [["日期", "单位", "摘要", "编号", "核实人"]]
    for x in records:
        rows.append(
            [x.get("day", ""), names.get(x["unit"], x["unit"]), x.get("summary", ""),
             x.get("reference", ""), x.get("verified_by", "")]
        )  # fmt: skip
    w = [20 * mm, 40 * mm, 0.0, 25 * mm, 20 * mm]
    w[2] = WIDTH - sum(w)
    return [Spacer(1, 4 * mm), _p("经核实的违规违纪（一票否决）", H2), _table(rows, w)]


def rules_section(s: Standings) -> list[Flowable]:
    out: list[Flowable] = [CondPageBreak(50 * mm), Spacer(1, 6 * mm), _p("计分与上榜规则", H2)]
    for i, rule in enumerate(s.rules, start=1):
        out.append(_p(f"{i}. {rule}", _style(8.5)))
    return [KeepTogether(out)]


SECTIONS: tuple[Callable[[QuarterData], list[Flowable]], ...] = (
    summary_section,
    lambda d: lists_section(d.standings),
    misconduct_section,
    lambda d: standings_section(d.standings),
    lambda d: hardest_section(d.standings) if d.sections is None else hardest_sections(d.sections),
    lambda d: weekly_section(d.standings),
    lambda d: inspections_section(d.standings),
    follow_up_section,
    lambda d: rules_section(d.standings),
)


def write_report(path: Path, data: QuarterData) -> None:
    """Write the report for ``data`` to ``path`` (A4 portrait, Chinese embedded)."""
    _register_font()
    title = f"{data.hall['name']} {data.quarter_words}好差评报告"
    band = "暂定结果 PROVISIONAL · 本季度结果尚未发布，数据可能变动" if data.provisional else ""

    def page(canvas: Canvas, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 7.5)
        canvas.setFillColor(MUTED)
        canvas.drawString(15 * mm, 10 * mm, title)
        canvas.drawRightString(A4[0] - 15 * mm, 10 * mm, f"第 {doc.page} 页")
        if band:
            canvas.setFillColor(RED)
            canvas.setFont(FONT, 9)
            canvas.drawCentredString(A4[0] / 2, A4[1] - 10 * mm, band)
        canvas.restoreState()

    doc = SimpleDocTemplate(
        str(path),
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=title,
        author=data.hall["name"],
        subject="provisional" if data.provisional else "published",
        creator="Hall Ratings",
    )
    story: list[Flowable] = []
    for section in SECTIONS:
        story += section(data)
    doc.build(story, onFirstPage=page, onLaterPages=page)
