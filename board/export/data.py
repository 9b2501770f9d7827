"""What an export is made of: the quarter as the API gives it, and each rating as a row.

``load_quarter(client, hall, quarter)`` asks the central store (with the office credential,
never the database) for the roster, the quarter's aggregates, the earlier quarters for the
streaks and the terminals, and ranks the quarter with the one standings engine the wall board
uses: every number in the CSV, the workbook and the report comes from that ``Standings``.
``RatingRows`` turns each rating of ``client.iter_ratings`` into the export's row (names, words,
local time), one at a time, so memory stays flat however large the quarter.

The ratings' columns are listed once, in ``rating_columns()``, with their Chinese header and
their documented English key (docs/design.md); the CSV and the workbook both use that list.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from board.export.records import (
    FLAG_DECISION_WORDS,
    OfficeRecords,
    appeal_words,
    case_words,
)
from board.hardest import SectionRanking, compute_hardest_sections
from board.history import fetch_history
from board.published import is_published, standings_of
from board.standings import Standings
from sync.client import AdminClient, ApiError, OfficeClient, TerminalInfo
from sync.quarter import Quarter
from sync.roster import Roster
from sync.schema import LEVEL_WORDS_ZH, Level

__all__ = [
    "CHANNEL_WORDS",
    "FLAG_WORDS",
    "Column",
    "ExportError",
    "QuarterData",
    "RatingRows",
    "load_quarter",
    "rating_columns",
]

Kind = Literal["text", "int", "float", "datetime"]


# The kiosk's misuse flags and the server's, in the office's words.
FLAG_WORDS = {
    "interval": "间隔过短",
    "burst": "连续按键",
    "after_hours": "非办公时间",
    "clock": "终端时钟异常",
    "clock_future": "时间超前",
    "clock_before_enrolment": "早于终端启用",
    "clock_backwards": "时间倒退",
    "unknown_unit": "单位不在名册",
}
CHANNEL_WORDS = {"kiosk": "窗口评价器", "qr": "扫码评价"}
STATUS_WORDS = {"provisional": "暂定（本季度结果未发布）", "published": "已发布"}


class ExportError(Exception):
    """Something the office must fix before it can export (bad quarter, unknown hall …).

    ``status`` is the HTTP status when the server refused (0 when it could not be reached,
    None for a problem found here); the command line turns it into its exit status.
    """

    def __init__(self, message: str, status: int | None = None) -> None:
        self.status = status
        super().__init__(message)


@dataclass(frozen=True)
class Column:
    """A column of the ratings table: English key, Chinese header, meaning, cell kind."""

    key: str
    header: str
    meaning: str
    kind: Kind = "text"
    width: float = 12


def rating_columns(include_contacts: bool = False) -> list[Column]:
    """The ratings table's columns, in order (the phone only with contacts)."""
    cols = [
        Column("time", "评价时间", "local date and time in the hall's zone", "datetime", 19),
        Column("hall", "大厅", "hall name", "text", 16),
        Column("window", "窗口", "window code", "text", 7),
        Column("window_name", "窗口名称", "window name", "text", 16),
        Column("unit", "单位代码", "unit code", "text", 9),
        Column("unit_name", "单位名称", "unit name", "text", 20),
        Column("section", "科室", "section (科室) the kiosk named, blank for none", "text", 14),
        Column("staff_no", "工号", "staff number (工号) signed in, blank for none", "text", 9),
        Column("staff_name", "工作人员", "staff member's name", "text", 10),
        Column("level", "评价等级", "非常满意 / 满意 / 基本满意 / 不满意 / 非常不满意", "text", 10),
        Column("points", "分值", "points of the level (hall setting, default 100…20)", "float", 6),
        Column("reasons", "差评原因", "reasons of a 差评, as words, joined by 、", "text", 14),
        Column("channel", "评价渠道", "窗口评价器 (kiosk) or 扫码评价 (phone via QR)", "text", 11),
        Column("flags", "异常标记", "misuse flags (kiosk and server), as words", "text", 14),
        Column(
            "flag_decision", "标记处理", "for a flagged rating: released or excluded", "text", 14
        ),
        Column("counted", "是否计分", "是 if the rating counts in the scores, else 否", "text", 8),
        Column(
            "appeal",
            "申诉结果",
            "申诉中 / 申诉成立，不计分 / 申诉驳回 (a unit's appeal)",
            "text",
            14,
        ),
        Column(
            "case",
            "差评工单",
            "待回访 / 已回访 / 已整改 / 已办结, with （超期） when late",
            "text",
            14,
        ),
    ]
    if include_contacts:
        cols.append(
            Column(
                "phone",
                "联系电话",
                "phone number the citizen left (--include-contacts)",
                "text",
                13,
            )
        )
    cols += [
        Column("status", "数据状态", "暂定 (quarter not published) or 已发布", "text", 12),
        Column("rating_id", "评价编号", "the rating's id", "text", 36),
        Column(
            "terminal", "终端", "terminal id (a kiosk, or qr-… for a window's phones)", "text", 20
        ),
        Column("seq", "终端序号", "the terminal's sequence number", "int", 8),
    ]
    return cols


@dataclass(frozen=True)
class QuarterData:
    """A hall's quarter as the export needs it: standings, roster, terminals, status."""

    hall: Mapping[str, str]  # code, name, tz
    quarter: str
    aggregates: Mapping[str, Any]
    standings: Standings
    roster: Roster
    terminals: list[TerminalInfo]
    status: Literal["provisional", "published"]
    generated_at: datetime  # the server's time, in the hall's zone
    include_contacts: bool = False
    records: OfficeRecords = field(default_factory=OfficeRecords)
    # The hardest sections as the wall shows them; None for a hall without sections (unit view).
    sections: SectionRanking | None = None

    @property
    def provisional(self) -> bool:
        return self.status == "provisional"

    @property
    def quarter_words(self) -> str:
        """``2026年第三季度``."""
        return Quarter.parse(self.quarter).label_zh

    @property
    def status_words(self) -> str:
        return STATUS_WORDS[self.status]

    @property
    def total_ratings(self) -> int:
        """Every stored rating of the quarter, scored and flagged (from the rollups)."""
        return sum(int(c.get("n", 0)) + int(c.get("flagged", 0)) for c in self.aggregates["counts"])

    @property
    def reason_names(self) -> dict[str, str]:
        return {r["code"]: r["name"] for r in self.aggregates.get("reasons", [])}

    def filename(self, kind: Literal["ratings", "quarter", "report"]) -> str:
        ext = {"ratings": "csv", "quarter": "xlsx", "report": "pdf"}[kind]
        return f"{kind}-{self.hall['code']}-{self.quarter}.{ext}"


def check_quarter(quarter: str) -> Quarter:
    try:
        return Quarter.parse(quarter)
    except ValueError:
        raise ExportError(
            f"{quarter!r} is not a quarter: write it like 2026Q3 (Q1 to Q4)"
        ) from None


# The office's lists have no cursor: a hall's quarter holds far fewer cases, inspections or
# flagged ratings than this, and an export that would need more says so instead of cutting.
RECORDS_LIMIT = 10000


def load_quarter(
    client: AdminClient, hall: str, quarter: str, *, include_contacts: bool = False
) -> QuarterData:
    """Everything but the ratings themselves, read through the API; ``ExportError`` for a
    quarter that is malformed or has not begun, an unknown hall, a refusal or no server."""
    wanted = check_quarter(quarter)
    try:
        server_time = datetime.fromisoformat(client.health()["server_time"])
        roster = client.roster(hall)
        tz = ZoneInfo(roster.hall.tz)
        now = server_time.astimezone(tz)
        current = Quarter.of(now)
        if wanted > current:
            raise ExportError(
                f"{quarter} has not begun in hall {hall}: it is {now:%Y-%m-%d} there "
                f"({current} is the current quarter)"
            )
        result = client.aggregates(hall, quarter)
        assert result.data is not None
        aggregates = result.data
        history = fetch_history(client, hall, quarter)
        terminals = client.list_terminals(hall)
        records = load_records(OfficeClient.sharing(client), hall, quarter)
    except ApiError as e:
        raise _api_problem(e, hall) from None
    # A closed quarter exports what was published; an open one is ranked now, provisionally.
    standings = standings_of(aggregates, history=history)
    return QuarterData(
        hall=dict(aggregates["hall"]),
        quarter=quarter,
        aggregates=aggregates,
        standings=standings,
        roster=roster,
        terminals=terminals,
        status="published" if is_published(aggregates) else "provisional",
        generated_at=now,
        include_contacts=include_contacts,
        records=records,
        sections=compute_hardest_sections(aggregates, history=history),
    )


def load_records(client: OfficeClient, hall: str, quarter: str) -> OfficeRecords:
    """The quarter's 差评 cases, inspections, misconduct (voided ones too, marked), appeals and
    flagged ratings with their decisions."""
    lists = {
        "cases": client.cases(hall, quarter=quarter, limit=RECORDS_LIMIT),
        "inspections": client.inspections(
            hall, quarter=quarter, include_voided=True, limit=RECORDS_LIMIT
        ),
        "flagged": client.flagged(hall, quarter=quarter, limit=RECORDS_LIMIT),
    }
    for what, rows in lists.items():
        if len(rows) >= RECORDS_LIMIT:
            raise ExportError(
                f"hall {hall} has {RECORDS_LIMIT} or more {what} in {quarter}: more than the "
                "store lists at once, so the export would be incomplete"
            )
    return OfficeRecords.of(
        cases=lists["cases"],
        inspections=lists["inspections"],
        misconduct=client.misconduct(hall, quarter=quarter, include_voided=True),
        appeals=client.appeals(hall, quarter=quarter),
        flagged=lists["flagged"],
    )


def _api_problem(e: ApiError, hall: str) -> ExportError:
    if e.status == 0:
        return ExportError(e.detail, 0)
    if e.status == 404:
        return ExportError(f"the server has no hall {hall!r} ({e.detail})", 404)
    if e.status in (401, 403):
        return ExportError(
            f"the server refused the credential: {e.detail} (the export needs the office's "
            "admin credential)",
            e.status,
        )
    return ExportError(f"the server refused: {e.detail} (HTTP {e.status})", e.status)


class RatingRows:
    """Turns the API's ratings into the export's rows (values in ``rating_columns`` order)."""

    def __init__(self, data: QuarterData) -> None:
        self.columns = rating_columns(data.include_contacts)
        self._contacts = data.include_contacts
        self._tz = ZoneInfo(data.hall["tz"])
        self._hall = data.hall["name"]
        roster = data.roster
        self._windows = {code: w.name for code, w in roster.windows.items()}
        self._units = {code: u.name for code, u in roster.units.items()}
        self._staff = {code: s.name for code, s in roster.staff.items()}
        self._sections = {code: x.name for code, x in roster.sections.items()}
        self._reasons = data.reason_names
        self._channels = {t.id: t.channel for t in data.terminals}
        self._points = data.standings.settings.level_points
        self._level_words = {int(lv): w for lv, w in LEVEL_WORDS_ZH.items()}
        self._status = STATUS_WORDS[data.status]
        self._records = data.records

    def row(self, r: Mapping[str, Any]) -> list[Any]:
        """One rating as the export's row: text, numbers and a naive local datetime."""
        level = int(r["level"])
        flags = [*r.get("flags", []), *r.get("server_flags", [])]
        flagged = bool(r.get("flagged"))
        released = bool(r.get("released"))
        appealed = bool(r.get("appealed"))
        decision = ""
        if flagged:
            state = self._records.flag_of.get(r["id"], {}).get("state")
            decision = FLAG_DECISION_WORDS.get(state or ("released" if released else "pending"), "")
        points = self._points[level - 1] if 1 <= level <= 5 else None
        staff = r.get("staff") or ""
        channel = self._channels.get(r["terminal"], "kiosk")
        local = datetime.fromisoformat(r["time"]).astimezone(self._tz).replace(tzinfo=None)
        out: list[Any] = [
            local,
            self._hall,
            r["window"],
            self._windows.get(r["window"], ""),
            r["unit"],
            self._units.get(r["unit"], ""),
            self._sections.get(r.get("section") or "", r.get("section") or ""),
            staff,
            self._staff.get(staff, "") if staff else "",
            self._level_words.get(level, str(level)),
            int(points) if points is not None and float(points).is_integer() else points,
            "、".join(self._reasons.get(c, c) for c in r.get("reasons", [])),
            CHANNEL_WORDS.get(channel, channel),
            "、".join(FLAG_WORDS.get(f, f) for f in flags),
            decision,
            "否" if (flagged and not released) or appealed else "是",
            appeal_words(self._records.appeal_of.get(r["id"])),
            case_words(self._records.case_of.get(r["id"])),
        ]
        if self._contacts:
            out.append(r.get("phone") or "")
        out += [self._status, r["id"], r["terminal"], int(r["seq"])]
        return out

    def rows(self, ratings: Iterator[Mapping[str, Any]]) -> Iterator[list[Any]]:
        for r in ratings:
            yield self.row(r)


def level_word(level: int) -> str:
    return LEVEL_WORDS_ZH[Level(level)]
