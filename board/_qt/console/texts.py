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
    "session_ended": (
        "登录已失效，请重新登录（{message}）",
        "Your session ended; sign in again ({message})",
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
    "today_case_overdue": (
        "差评 #{id}（{unit}）{step}已逾期，期限 {due}",
        "Case #{id} ({unit}): {step} overdue, due {due}",
    ),
    "today_case_due": ("差评 #{id}（{unit}）今天须{step}", "Case #{id} ({unit}): {step} today"),
    "today_appeal": (
        "申诉 #{id}（{unit}，{by}）：{reason}",
        "Appeal #{id} ({unit}, {by}): {reason}",
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
    "flagged_pending": ("待决定", "waiting"),
    "flagged_released": ("已放行计分", "released"),
    "flagged_excluded": ("确认不计分", "kept out"),
    "exclude_text": (
        "评价 {level}（{time}，窗口 {window}）确认不计入 {unit} 的得分（保留备查）。",
        "The rating {level} ({time}, window {window}) stays out of {unit}'s score (kept).",
    ),
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
    "std_inspections": ("巡查扣分/加分", "Inspections"),
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
    # cases
    "cases_heading": ("差评处理", "Cases (差评 follow-up)"),
    "filter_unit": ("单位", "Unit"),
    "filter_status": ("状态", "Status"),
    "filter_overdue": ("只看逾期", "Overdue only"),
    "filter_quarter": ("只看本季度", "This quarter only"),
    "all_units": ("全部单位", "All units"),
    "status_open": ("未办结", "open"),
    "status_all": ("全部状态", "any status"),
    "case_new": ("待回访", "new"),
    "case_called_back": ("已回访", "called back"),
    "case_rectified": ("已整改", "rectified"),
    "case_closed": ("已办结", "closed"),
    "next_called_back": ("回访", "call back"),
    "next_rectified": ("整改", "rectify"),
    "next_closed": ("办结", "close"),
    "col_case": ("编号", "No."),
    "col_received": ("收到时间", "Received"),
    "col_status": ("状态", "Status"),
    "col_next": ("下一步", "Next step"),
    "col_due": ("期限", "Due"),
    "overdue_mark": ("⚠ 逾期", "⚠ overdue"),
    "due_today_mark": ("今天到期", "due today"),
    "step_called_back": ("已回访…", "Called back…"),
    "step_rectified": ("已整改…", "Rectified…"),
    "step_closed": ("已办结…", "Closed…"),
    "step_title_called_back": ("记录回访", "Record the call back"),
    "step_title_rectified": ("记录整改", "Record the rectification"),
    "step_title_closed": ("办结（已告知群众结果）", "Close (the citizen was told)"),
    "step_hint_called_back": ("回访结果：", "Outcome of the call:"),
    "step_hint_rectified": ("做了哪些整改：", "What was done:"),
    "step_hint_closed": ("如何告知群众结果：", "How the citizen was told:"),
    "case_detail": (
        "差评 #{id} · {unit} · 窗口 {window}{staff}",
        "Case #{id} · {unit} · window {window}{staff}",
    ),
    "case_rating": (
        "评价：{level}；原因：{reasons}；日期：{time}",
        "Rating: {level}; reasons: {reasons}; day {time}",
    ),
    "case_phone": ("群众留下的电话：{phone}", "Phone the citizen left: {phone}"),
    "case_phone_hidden": (
        "群众留有电话（仅办公室和本单位可见）",
        "The citizen left a phone number (office and the unit only)",
    ),
    "case_no_phone": ("群众未留电话，无需回访", "No phone number left: no call back needed"),
    "case_deadlines": (
        "回访期限：{callback}；整改期限：{rectify}（工作日）",
        "Call back by {callback}; rectify by {rectify} (working days)",
    ),
    "case_deadline_problem": ("期限无法计算：{problem}", "Deadline unknown: {problem}"),
    "case_steps": ("处理记录：", "Steps:"),
    "case_step_line": ("{time} {step}（{by}）{late}：{note}", "{time} {step} ({by}){late}: {note}"),
    "late": (" 逾期", " late"),
    "case_appeal": ("申诉：{status}（{by}）：{reason}", "Appeal: {status} ({by}): {reason}"),
    "file_appeal": ("申诉复核…", "Appeal…"),
    "appeal_title": ("对这条差评申诉复核", "Appeal this 差评"),
    "appeal_text": (
        "说明这条差评为何有误或属恶意评价；办公室复核后决定是否核销。",
        "Say why this 差评 is mistaken or malicious; the office decides whether it is excluded.",
    ),
    "appeal_filed": ("申诉已提交。", "Appeal filed."),
    "step_done": ("已记录：{step}", "Recorded: {step}"),
    "select_case": ("选择一条差评查看详情。", "Select a case to see it."),
    # inspections
    "inspections_heading": ("督查扣分", "Inspections"),
    "quick_entry": ("快速录入", "Quick entry"),
    "insp_unit": ("单位", "Unit"),
    "insp_staff": ("工作人员", "Staff"),
    "insp_nobody": ("（整个单位）", "(the whole unit)"),
    "insp_item": ("事项", "What happened"),
    "insp_custom": ("（其他，自行填写）", "(other: describe it)"),
    "insp_what": ("情况", "Description"),
    "insp_dimension": ("维度", "Dimension"),
    "insp_points": ("分值", "Points"),
    "insp_day": ("日期", "Date"),
    "insp_note": ("备注", "Note"),
    "insp_record": ("记录 (Ctrl+Enter)", "Record (Ctrl+Enter)"),
    "insp_recorded": (
        "已记录：{unit} {what} {points:+g} 分",
        "Recorded: {unit} {what} {points:+g} points",
    ),
    "insp_void": ("作废…", "Void…"),
    "insp_void_title": ("作废这条督查记录", "Void this inspection"),
    "insp_void_text": (
        "{unit} {day} {what} {points:+g} 分。记录不会删除，作废后不再计分。",
        "{unit} {day} {what} {points:+g} points. It is not deleted; once void it no longer counts.",
    ),
    "insp_voided": ("已作废", "void"),
    "insp_valid": ("有效", "counts"),
    "show_voided": ("显示已作废的", "Show void ones"),
    "dim_image": ("服务形象", "Image"),
    "dim_behaviour": ("服务行为", "Behaviour"),
    "dim_discipline": ("工作纪律", "Discipline"),
    "col_day": ("日期", "Date"),
    "col_dimension": ("维度", "Dimension"),
    "col_points": ("分值", "Points"),
    "col_what": ("情况", "What"),
    "col_by": ("记录人", "By"),
    "need_unit": ("请选择单位。", "Choose the unit."),
    "need_what": ("请选择事项或填写情况。", "Choose what happened or describe it."),
    # appeals
    "appeals_heading": ("申诉复核", "Appeals"),
    "appeal_pending": ("待复核", "pending"),
    "appeal_accepted": ("已采纳（核销）", "accepted"),
    "appeal_rejected": ("已驳回", "rejected"),
    "col_reason": ("申诉理由", "Reason"),
    "col_filed": ("提交", "Filed"),
    "col_decided": ("决定", "Decision"),
    "accept": ("采纳并核销…", "Accept…"),
    "reject": ("驳回…", "Reject…"),
    "accept_title": ("采纳申诉", "Accept the appeal"),
    "reject_title": ("驳回申诉", "Reject the appeal"),
    "accept_text": (
        "这条差评（{unit}，{level}）将不再计分（保留备查），对应差评办结。",
        "This 差评 ({unit}, {level}) leaves the scores (it is kept) and its case is closed.",
    ),
    "reject_text": (
        "这条差评（{unit}，{level}）继续计分。",
        "This 差评 ({unit}, {level}) stays in the scores.",
    ),
    "decided": ("已决定：{decision}", "Decided: {decision}"),
    # flagged decisions
    "exclude": ("确认不计分…", "Keep excluded…"),
    "exclude_title": ("确认这条评价不计分？", "Keep this rating out of the scores?"),
    # publishing
    "publish": ("发布本季度…", "Publish the quarter…"),
    "reopen": ("重新打开…", "Reopen…"),
    "publish_title": ("发布 {quarter} 的排名", "Publish the standings of {quarter}"),
    "publish_text": (
        "将发布以下结果，发布后红黑榜、海报和以后季度的连续上榜都以此为准；如需修改须先重新打开。",
        "This will be published; the wall, the poster and later streaks use it from now on. "
        "Changing records afterwards needs a reopen.",
    ),
    "publish_ranked": ("参与排名 {n} 个单位", "{n} units ranked"),
    "publish_digest": ("数据指纹 {digest}", "Data digest {digest}"),
    "published_state": ("已发布（{time}，{by}）", "published ({time}, {by})"),
    "reopened_state": ("已重新打开（{time}，{by}）：{reason}", "reopened ({time}, {by}): {reason}"),
    "published_done": ("{quarter} 已发布。", "{quarter} published."),
    "reopen_title": ("重新打开 {quarter}", "Reopen {quarter}"),
    "reopen_text": (
        "重新打开后记录可以修改，需再次发布。请写明原因。",
        "Once reopened its records may change and it must be published again. Say why.",
    ),
    # audit
    "audit_heading": ("操作日志", "Audit log"),
    "col_actor": ("操作人", "Who"),
    "col_action": ("操作", "What"),
    "col_target": ("对象", "On"),
    "col_change": ("变化", "Change"),
    "audit_verify": ("校验完整性", "Verify the chain"),
    "audit_ok": (
        "日志完整：{n} 条记录的哈希链未被改动。",
        "Intact: the hash chain of {n} entries is unbroken.",
    ),
    "audit_broken": ("日志被改动：{detail}", "The log was altered: {detail}"),
    # export
    "export_heading": ("导出本季度", "Export the quarter"),
    "export_folder": ("保存到", "Save into"),
    "export_choose": ("选择文件夹…", "Choose…"),
    "export_kinds": ("导出文件", "Files"),
    "export_kind_csv": ("评价明细 CSV", "Ratings CSV"),
    "export_kind_xlsx": ("季度工作簿 XLSX", "Quarter workbook XLSX"),
    "export_kind_pdf": ("季度报告 PDF", "Quarter report PDF"),
    "export_files": ("将写入以下文件：", "These files will be written:"),
    "export_contacts": (
        "包含群众电话（仅限内部使用）",
        "Include phone numbers (internal use only)",
    ),
    "export_overwrite": ("覆盖已有文件", "Overwrite existing files"),
    "export_start": ("开始导出", "Export"),
    "export_cancel": ("取消", "Cancel"),
    "export_open": ("打开文件夹", "Open folder"),
    "export_step_quarter": ("读取季度数据…", "Reading the quarter…"),
    "export_step_report": ("生成 PDF 报告…", "Writing the PDF report…"),
    "export_step_ratings": ("写入评价 {done}/{total}…", "Writing ratings {done}/{total}…"),
    "export_step_workbook": ("保存工作簿…", "Saving the workbook…"),
    "export_done": ("导出完成：{n} 条评价，{files} 个文件。", "Done: {n} ratings, {files} files."),
    "export_cancelled": ("已取消，没有留下任何文件。", "Cancelled; no file was left behind."),
    "export_failed": ("导出失败：{message}", "Export failed: {message}"),
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
