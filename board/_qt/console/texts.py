"""The console's words in Chinese (the default) and English; no Qt here.

``Tr("zh")("terminals")`` -> ``终端``. A key missing from a language falls back to Chinese and
then to the key itself, so a missing word shows as itself instead of crashing the window; the
tests check that both languages define every key.
"""

from __future__ import annotations

from typing import Literal

__all__ = ["LANGS", "TEXTS", "Lang", "Tr"]

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")

# key: (zh, en)
TEXTS: dict[str, tuple[str, str]] = {
    # window
    "app_title": ("服务评价 · 办公室控制台", "Hall Ratings · office console"),
    "hall": ("大厅", "Hall"),
    "quarter": ("季度", "Quarter"),
    "refresh": ("刷新 (F5)", "Refresh (F5)"),
    "language": ("English", "中文"),
    "sign_out": ("退出登录", "Sign out"),
    "signed_in_as": ("{name} · {role}", "{name} · {role}"),
    "role_office": ("办公室", "office"),
    "role_inspector": ("督查员", "inspector"),
    "role_unit": ("单位", "unit"),
    "role_admin": ("管理员令牌", "admin token"),
    "loading": ("正在读取…", "Loading…"),
    "updated_at": ("更新于 {time}", "Updated {time}"),
    "dismiss": ("知道了", "Dismiss"),
    "server_said": ("服务器：{message}", "Server: {message}"),
    "unreachable": (
        "无法连接服务器 {server}，请检查网络或服务器地址。",
        "Cannot reach the server at {server}. Check the network or the address.",
    ),
    "nav_hint": (
        "Ctrl+1…9 切换页面 · F5 刷新 · Ctrl+L 切换语言",
        "Ctrl+1…9 pages · F5 refresh · Ctrl+L language",
    ),
    "cancel": ("取消", "Cancel"),
    "confirm": ("确定", "OK"),
    "close": ("关闭", "Close"),
    "yes": ("是", "Yes"),
    "no": ("否", "No"),
    "filter": ("筛选：", "Filter:"),
    "filter_placeholder": ("输入文字筛选表格", "Type to filter the table"),
    "all": ("全部", "All"),
    "note": ("备注", "Note"),
    "note_placeholder": ("写明理由（必填）", "Say why (required)"),
    "note_required": ("请填写备注。", "Please write a note."),
    "never": ("从未", "never"),
    "none_rows": ("（无）", "(none)"),
    # sign in
    "signin_title": ("登录办公室控制台", "Sign in to the office console"),
    "server": ("服务器地址", "Server address"),
    "operator": ("用户名", "Name"),
    "password": ("密码", "Password"),
    "sign_in": ("登录", "Sign in"),
    "signing_in": ("正在登录…", "Signing in…"),
    "signin_hint": (
        "服务器地址和用户名会被记住，密码不会保存。",
        "The server address and your name are remembered; the password never is.",
    ),
    "signin_missing": (
        "请填写服务器地址、用户名和密码。",
        "Fill in the server, name and password.",
    ),
    "signin_wrong": ("用户名或密码不正确。", "Wrong name or password."),
    "signin_locked": (
        "该账号已被暂时锁定：{message}",
        "This account is locked for now: {message}",
    ),
    "signin_wait": (
        "尝试次数过多，请稍后再试：{message}",
        "Too many attempts; wait a moment: {message}",
    ),
    "signin_disabled": ("该账号已停用：{message}", "This account is disabled: {message}"),
    "signin_unreachable": (
        "无法连接服务器 {server}。请检查地址是否正确、服务器是否在运行。",
        "Cannot reach the server at {server}. Check the address and that the server runs.",
    ),
    "signin_unsupported": (
        "该服务器尚不支持用户名登录；请在服务器上用管理员令牌打开控制台（hall-admin --token）。",
        "This server does not offer name sign-in yet; open the console with the admin token "
        "(hall-admin --token).",
    ),
    # pages
    "page_today": ("今日待办", "Today"),
    "page_cases": ("差评处理", "Cases"),
    "page_inspections": ("督查扣分", "Inspections"),
    "page_appeals": ("申诉复核", "Appeals"),
    "page_flagged": ("异常评价", "Flagged"),
    "page_standings": ("季度排名", "Standings"),
    "page_roster": ("名册", "Roster"),
    "page_terminals": ("终端", "Terminals"),
    "page_export": ("导出", "Export"),
    "page_audit": ("操作日志", "Audit"),
    # today
    "today_heading": ("今日待办 · {date}", "Today · {date}"),
    "today_nothing": ("今天没有待办事项。", "Nothing waits today."),
    "today_flagged": (
        "{n} 条异常评价等待决定（最早 {first}）",
        "{n} flagged ratings wait for a decision (oldest {first})",
    ),
    "today_silent": (
        "终端 {terminal}（窗口 {window}）已 {since} 未联系",
        "Terminal {terminal} (window {window}) silent since {since}",
    ),
    "today_never": (
        "终端 {terminal}（窗口 {window}）登记后从未联系",
        "Terminal {terminal} (window {window}) never reported since enrolment",
    ),
    "today_backlog": (
        "终端 {terminal}（窗口 {window}）：序号 {contiguous} 之后有评价未到达（最高收到 {max}）",
        "Terminal {terminal} (window {window}): ratings after seq {contiguous} have not arrived "
        "(highest received {max})",
    ),
    "today_anomaly": (
        "终端 {terminal}：{kind}（序号 {seq_from}–{seq_to}）",
        "Terminal {terminal}: {kind} (seq {seq_from}–{seq_to})",
    ),
    "today_open_hint": ("回车或双击打开", "Enter or double-click opens it"),
    "section_flagged": ("异常评价", "Flagged ratings"),
    "section_terminals": ("终端", "Terminals"),
    "section_anomalies": ("数据异常", "Anomalies"),
    "section_cases_overdue": ("已逾期的差评", "Overdue cases"),
    "section_cases_due": ("今天到期的差评", "Cases due today"),
    "section_appeals": ("待复核的申诉", "Appeals waiting"),
    "kind_seq_gap": ("序号缺口", "sequence gap"),
    "kind_chain_break": ("哈希链断裂", "hash chain break"),
    # terminals
    "terminals_heading": ("终端", "Terminals"),
    "col_terminal": ("终端", "Terminal"),
    "col_window": ("窗口", "Window"),
    "col_enrolled": ("登记时间", "Enrolled"),
    "col_last_seen": ("最近联系", "Last contact"),
    "col_seq": ("连续收到至", "Complete up to"),
    "col_backlog": ("最高序号", "Highest seq"),
    "col_anomalies": ("异常", "Anomalies"),
    "col_state": ("状态", "State"),
    "state_active": ("在用", "active"),
    "state_revoked": ("已停用", "revoked"),
    "enrol": ("登记新终端…", "Enrol a terminal…"),
    "revoke": ("停用终端…", "Revoke…"),
    "enrol_title": ("登记新终端", "Enrol a terminal"),
    "enrol_window": ("窗口", "Window"),
    "enrol_minutes": ("有效时间（分钟）", "Valid for (minutes)"),
    "enrol_create": ("生成登记码", "Create the code"),
    "enrol_code_for": ("窗口 {window} 的一次性登记码", "One-time code for window {window}"),
    "enrol_valid_until": (
        "有效期至 {time}，只能使用一次。在终端上扫码或输入：hall-kiosk --enroll {code}",
        "Valid once, until {time}. On the kiosk scan it or run: hall-kiosk --enroll {code}",
    ),
    "revoke_confirm": (
        "停用终端 {terminal}（窗口 {window}）？\n它的令牌将立即失效，已收到的评价保留。",
        "Revoke terminal {terminal} (window {window})?\nIts token stops working at once; "
        "its ratings stay.",
    ),
    "revoked_done": ("终端 {terminal} 已停用。", "Terminal {terminal} revoked."),
    "anomalies_heading": ("数据异常（未解决）", "Anomalies (open)"),
    "col_detected": ("发现时间", "Detected"),
    "col_kind": ("类型", "Kind"),
    "col_seqs": ("序号", "Seq"),
    "col_detail": ("说明", "Detail"),
    # flagged
    "flagged_heading": ("异常评价（未计分）", "Flagged ratings (not scored)"),
    "flagged_hint": (
        "这些评价因过快、连按、非办公时间或时钟异常被标记，不计入得分，除非放行。",
        "These ratings were flagged (too fast, bursts, outside hours, odd clock) and are not "
        "scored unless released.",
    ),
    "col_time": ("时间", "Time"),
    "col_unit": ("单位", "Unit"),
    "col_staff": ("工号", "Staff"),
    "col_level": ("评价", "Level"),
    "col_reasons": ("原因", "Reasons"),
    "col_flags": ("标记", "Flags"),
    "col_decision": ("决定", "Decision"),
    "release": ("放行计分…", "Release…"),
    "release_title": ("放行这条评价？", "Release this rating?"),
    "release_text": (
        "评价 {level}（{time}，窗口 {window}）将计入 {unit} 的得分。",
        "The rating {level} ({time}, window {window}) will count for {unit}.",
    ),
    "released": ("已放行", "released"),
    "waiting": ("待决定", "waiting"),
    "show_released": ("显示已放行的", "Show released ones"),
    "flag_interval": ("间隔过短", "too fast"),
    "flag_burst": ("连续快速评价", "burst"),
    "flag_after_hours": ("非办公时间", "outside hours"),
    "flag_clock": ("终端时钟异常", "device clock implausible"),
    "flag_clock_future": ("时间在未来", "time in the future"),
    "flag_clock_before_enrolment": ("早于终端登记", "before enrolment"),
    "flag_unknown_unit": ("单位不在名册", "unit not in roster"),
    # levels
    "level_5": ("非常满意", "very satisfied"),
    "level_4": ("满意", "satisfied"),
    "level_3": ("基本满意", "fairly satisfied"),
    "level_2": ("不满意", "dissatisfied"),
    "level_1": ("非常不满意", "very dissatisfied"),
    # standings
    "standings_heading": ("{quarter} 排名", "Standings {quarter}"),
    "standings_live": ("实时（未发布）", "live (not published)"),
    "explanation": ("说明", "Explanation"),
    "explanation_hint": (
        "选中一个单位查看它的名次说明。",
        "Select a unit to see why it stands there.",
    ),
    "red_list": ("红榜", "Red list"),
    "black_list": ("黑榜", "Black list"),
    "black_empty": ("黑榜空缺", "Black list empty"),
    "rank_n": ("第 {n} 名", "No. {n}"),
    "not_ranked": ("未参与排名", "not ranked"),
    "std_rank": ("名次", "Rank"),
    "std_unit": ("单位", "Unit"),
    "std_n": ("评价数", "Ratings"),
    "std_citizen": ("群众评分", "Citizens"),
    "std_quarter": ("季度得分", "Quarter"),
    "std_status": ("状态", "Status"),
    "status_red": ("★ 红榜", "★ red list"),
    "status_black": ("▼ 黑榜", "▼ black list"),
    "status_ranked": ("参与排名", "ranked"),
    "status_not_enough": ("评价不足，还差 {n} 条", "too few ratings, {n} more needed"),
    "status_misconduct": (" · 一票否决", " · misconduct"),
    # roster
    "roster_heading": ("名册", "Roster"),
    "roster_units": ("单位", "Units"),
    "roster_windows": ("窗口", "Windows"),
    "roster_staff": ("工作人员", "Staff"),
    "roster_categories": ("窗口类别", "Categories"),
    "roster_reasons": ("差评原因", "Reasons"),
    "roster_import": ("导入名册文件…", "Import a roster file…"),
    "roster_save": ("另存为 XLSX…", "Save as XLSX…"),
    "col_code": ("编码", "Code"),
    "col_name": ("名称", "Name"),
    "col_category": ("类别", "Category"),
    "col_windows": ("窗口", "Windows"),
    "col_description": ("说明", "Description"),
    "import_title": ("导入名册：{file}", "Import roster: {file}"),
    "import_problems": (
        "文件有 {n} 个问题，未导入任何内容。请在 Excel 中改正后重新导入：",
        "The file has {n} problem(s); nothing was imported. Correct them in Excel and import "
        "again:",
    ),
    "import_ok": (
        "文件检查通过：大厅 {hall}，{units} 个单位，{windows} 个窗口，{staff} 名工作人员。",
        "The file checks out: hall {hall}, {units} units, {windows} windows, {staff} staff.",
    ),
    "import_changes": ("与当前名册相比：", "Compared with the current roster:"),
    "import_apply": ("导入", "Import"),
    "import_done": ("名册已导入：{summary}", "Roster imported: {summary}"),
    "col_line": ("行", "Line"),
    "col_column": ("列", "Column"),
    "col_problem": ("问题", "Problem"),
    "added": ("新增", "added"),
    "removed": ("删除", "removed"),
    "saved_to": ("已保存到 {path}", "Saved to {path}"),
    # export / audit / cases placeholders for later pages
}


class Tr:
    """Look up a key in one language and fill its ``{fields}``."""

    def __init__(self, lang: Lang = "zh") -> None:
        self.lang: Lang = lang

    def __call__(self, key: str, **fields: object) -> str:
        pair = TEXTS.get(key)
        if pair is None:
            text = key
        else:
            text = pair[1] if self.lang == "en" and pair[1] else pair[0]
        return text.format(**fields) if fields else text

    def level(self, level: int) -> str:
        return self(f"level_{level}")
