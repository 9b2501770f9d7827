"""What the kiosk says, in Chinese and English. No Qt: the flow's tests can read it too.

The screens show Chinese by default and English after the citizen's toggle; the level words
and the five indicators come from ``sync.schema`` so the record and the screen never disagree.
"""

from __future__ import annotations

from typing import Any

from sync.schema import LEVEL_WORDS_EN, LEVEL_WORDS_ZH, Level

__all__ = ["STRINGS", "level_word", "other_language_label", "tr"]

STRINGS: dict[str, tuple[str, str]] = {
    # idle
    "invite": ("请为本次服务评价", "Please rate our service"),
    "invite_tap": ("轻触下方一个表情即可", "Touch one of the faces below"),
    "staff_no": ("工号 {code}", "No. {code}"),
    "staff_on_duty": ("当班工作人员", "Staff on duty"),
    "nobody_on_duty": ("本窗口暂无工作人员签到", "No staff member signed in"),
    "scan_to_rate": ("扫码评价", "Scan to rate"),
    "scan_hint": ("用手机扫码评价或投诉", "Rate or complain on your phone"),
    "idle_countdown": (
        "{s} 秒后将切换为 {default} · 轻触屏幕可继续",
        "Switching to {default} in {s} s · touch the screen to stay",
    ),
    # why
    "why_title": ("请告诉我们哪里不满意", "Please tell us what went wrong"),
    "why_hint": ("可多选，选好后点“提交”", "Choose any that apply, then Submit"),
    "skip": ("跳过", "Skip"),
    "submit": ("提交", "Submit"),
    "leave_phone": ("留下电话以便回访", "Leave a number for a call back"),
    "phone_set": ("回访电话 {phone}  (点此修改)", "Call-back number {phone}  (touch to change)"),
    "why_countdown": (
        "{s} 秒后将提交您已选的内容 · 轻触屏幕可继续选择",
        "Submitting what you chose in {s} s · touch the screen to keep choosing",
    ),
    "more_reasons": ("更多 ›", "More ›"),
    "page_of": ("第 {page}/{pages} 页", "Page {page}/{pages}"),
    "selected": ("已选", "Chosen"),
    # phone pad
    "phone_title": ("请输入您的电话号码", "Enter your phone number"),
    "phone_hint": (
        "只用于就本次评价给您回电，不会公开",
        "Used only to call you back about this rating; never shown",
    ),
    "phone_invalid": (
        "号码不对：手机号是以 1 开头的 11 位数字；固定电话请加区号",
        "Not a valid number: mobiles have 11 digits starting with 1; add the area code for a landline",
    ),
    "phone_empty": ("请先输入号码", "Please enter a number first"),
    "ok": ("确定", "OK"),
    "cancel": ("取消", "Cancel"),
    "delete": ("⌫ 删除", "⌫ Delete"),
    "clear": ("清空", "Clear"),
    # thanks
    "thanks_title": ("感谢您的评价！", "Thank you for your feedback!"),
    "thanks_hint": ("您的评价已保存", "Your rating has been saved"),
    # out of service
    "oos_title": ("终端暂停服务", "This terminal is out of service"),
    "oos_hint": ("请告知工作人员", "Please tell a member of staff"),
    # staff
    "pin_title": ("工作人员验证", "Staff access"),
    "pin_hint": ("请输入工作人员密码", "Enter the staff PIN"),
    "pin_wrong": ("密码不对，请重试", "Wrong PIN, please try again"),
    "staff_title": ("工作人员面板", "Staff panel"),
    "signed_in_as": ("当前签到：{name}（工号 {code}）", "Signed in: {name} (No. {code})"),
    "nobody_signed_in": (
        "当前无人签到，评价计入 {unit}",
        "Nobody signed in; ratings count for {unit}",
    ),
    "sign_in_hint": ("点自己的姓名签到：", "Touch your name to sign in:"),
    "sign_out": ("签退", "Sign out"),
    "today_count": ("今日评价：{n} 条", "Ratings today: {n}"),
    "today_unknown": ("今日评价：无法读取", "Ratings today: unavailable"),
    "store_ok": ("本地存储：正常", "Local storage: OK"),
    "store_bad": ("本地存储：暂停服务 — {reason}", "Local storage: out of service — {reason}"),
    "recovered": (
        "注意：损坏的数据文件已移至 {path}",
        "Note: a corrupt data file was moved to {path}",
    ),
    "sync_local": ("同步：未配置服务器（仅本机保存）", "Sync: no server configured (local only)"),
    "sync_online": ("同步：在线 · 待上传 {n} 条", "Sync: online · {n} waiting"),
    "sync_offline": (
        "同步：离线（自 {since}）· 待上传 {n} 条",
        "Sync: offline (since {since}) · {n} waiting",
    ),
    "sync_revoked": ("同步：终端已被注销，请联系管理员", "Sync: terminal revoked; call the admin"),
    "sync_not_enrolled": ("同步：终端尚未注册", "Sync: terminal not enrolled"),
    "sync_wrong_window": (
        "同步：终端注册的窗口与配置不符，评价已保存在本机，请联系管理员",
        "Sync: enrolled for another window than configured; ratings kept here; call the admin",
    ),
    "sync_rejected": ("，{n} 条被拒收", ", {n} rejected"),
    "demo_pin": (
        "提示：仍在使用演示密码，请在配置文件中设置 staff_pin",
        "Note: the demo PIN is in use; set staff_pin in the config file",
    ),
    "retry_store": ("重试存储", "Retry storage"),
    "default_lang": ("默认语言：中文", "Default language: English"),
    "close_app": ("关闭程序", "Close app"),
    "done": ("完成", "Done"),
    # config error
    "config_error_title": (
        "配置有误，终端无法启动",
        "Configuration error: the terminal cannot start",
    ),
    "config_error_hint": (
        "请管理员改正配置文件后重新启动",
        "Please ask the administrator to fix the file and restart",
    ),
    "close": ("关闭", "Close"),
}


def tr(key: str, language: str, **fmt: Any) -> str:
    """The text for ``key`` in ``language`` ("zh" or "en"), formatted with ``fmt``."""
    zh, en = STRINGS[key]
    text = en if language == "en" else zh
    return text.format(**fmt) if fmt else text


def level_word(level: int, language: str) -> str:
    lvl = Level(level)
    return (LEVEL_WORDS_EN if language == "en" else LEVEL_WORDS_ZH)[lvl]


def other_language_label(language: str) -> str:
    """The toggle names the language it switches to, in that language."""
    return "中文" if language == "en" else "English"
