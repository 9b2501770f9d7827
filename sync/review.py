"""The quarterly public review of the hardest sections (最难办事科室群众评): its codes, its
indicators, its invitation lists. Standard library only (the office's XLSX through openpyxl).

How a review runs (Nanchuan, seed 001): each quarter the office invites people who dealt with
the hall's sections — a list of service recipients (定向评议) and blank invitations for an open
sample — to name the sections they found hard and on which of the five indicators 冷 懒 推 乱 贪.
Every invitation carries one **code**: 16 digits, the first 15 random (``secrets``), the last a
Luhn check digit, so a digit mistyped from a paper form is caught before the store is asked.
A code is single-use and bound to one review; the store keeps only its SHA-256.

The invitation list is a table (CSV UTF-8 or XLSX) with a header row naming the columns
``name`` (姓名), ``address`` (地址), ``phone`` (电话) and ``sections`` (科室, optional): each row
needs an address or a phone; ``sections`` lists what the person dealt with, by section code, by
its name when that is unique among the review's sections, or as ``unit name/section name``,
separated by ``;`` ``；`` or ``、``. A bad file is refused whole, every problem named by line
and column.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sync.roster import Problem, RosterError, table_rows

__all__ = [
    "CODE_DIGITS",
    "PROBLEMS",
    "InvitationListError",
    "Recipient",
    "SectionRef",
    "code_hash",
    "format_code",
    "is_valid_code",
    "new_code",
    "normalise_code",
    "parse_invitation_list",
]

CODE_DIGITS = 16
# The five indicators, as the letters and the phone page name them: code -> (character, words).
PROBLEMS: dict[str, tuple[str, str]] = {
    "leng": ("冷", "态度冷淡，漠视群众"),
    "lan": ("懒", "拖着不办，效率低下"),
    "tui": ("推", "推诿扯皮，来回跑"),
    "luan": ("乱", "办事无章，随意执法"),
    "tan": ("贪", "吃拿卡要，索要好处"),
}
MAX_RECIPIENTS = 5000

_SPLIT = re.compile(r"[;；、\n]")
_HEADERS = {
    "name": ("name", "姓名", "名称", "收件人"),
    "address": ("address", "地址", "通讯地址", "邮寄地址"),
    "phone": ("phone", "电话", "手机", "手机号", "联系电话"),
    "sections": ("sections", "section", "科室", "办理科室"),
}


def _luhn_digit(digits: str) -> str:
    """The Luhn check digit for ``digits`` (the one bank cards use)."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:  # doubled: these are the odd positions once the check digit is appended
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return str((10 - total % 10) % 10)


def new_code() -> str:
    """A fresh invitation code: 15 random digits and a Luhn check digit."""
    body = f"{secrets.randbelow(10 ** (CODE_DIGITS - 1)):0{CODE_DIGITS - 1}d}"
    return body + _luhn_digit(body)


def normalise_code(text: str) -> str:
    """The digits of a code as typed or scanned (spaces, dashes and full-width digits allowed)."""
    digits = "".join(
        str(ord(ch) - 0xFF10) if "０" <= ch <= "９" else ch for ch in text if ch not in " -\u3000\t"
    )
    return digits


def is_valid_code(code: str) -> bool:
    """16 digits whose check digit fits (a typo in one digit, or two swapped, fails)."""
    return (
        len(code) == CODE_DIGITS
        and code.isascii()
        and code.isdigit()
        and _luhn_digit(code[:-1]) == code[-1]
    )


def format_code(code: str) -> str:
    """``1234 5678 9012 3456``: readable on paper and over the phone."""
    return " ".join(code[i : i + 4] for i in range(0, len(code), 4))


def code_hash(code: str) -> str:
    """What the store keeps of a code (its SHA-256, hex)."""
    return hashlib.sha256(("review-code:" + code).encode()).hexdigest()


@dataclass(frozen=True)
class SectionRef:
    """A section as a list may name it: its code, its name, its unit's name."""

    code: str
    name: str
    unit_name: str


@dataclass(frozen=True)
class Recipient:
    """One line of an invitation list: who gets a letter, and what they dealt with."""

    line: int
    name: str
    address: str
    phone: str
    sections: tuple[str, ...]


class InvitationListError(RosterError):
    """An invitation list that cannot be used; ``problems`` names every bad row."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        super().__init__(source, problems)
        lines = "\n".join(f"  {source}: {p}" for p in problems[:20])
        self.args = (f"invitation list {source} refused, no invitation made:\n{lines}",)


def parse_invitation_list(
    data: bytes, filename: str, sections: Iterable[SectionRef]
) -> list[Recipient]:
    """The recipients of an invitation list (rules in the module docstring)."""
    try:
        rows = table_rows(data, filename)
    except RosterError as e:
        raise InvitationListError(e.source, e.problems) from None
    return parse_recipient_rows(rows, sections, source=filename)


def parse_recipient_rows(
    rows: Iterable[tuple[int, list[str]]], sections: Iterable[SectionRef], source: str = "list"
) -> list[Recipient]:
    """Validate (line number, cells) rows; the first non-empty row is the header."""
    lookup = _SectionLookup(sections)
    problems: list[Problem] = []
    it = iter(rows)
    header: list[str] | None = None
    for _, cells in it:
        if any(c.strip() for c in cells):
            header = [c.strip().lower() for c in cells]
            break
    if header is None:
        raise InvitationListError(source, [Problem(1, "-", "the file is empty")])
    idx: dict[str, int] = {}
    for key, names in _HEADERS.items():
        for i, h in enumerate(header):
            if h in names:
                idx.setdefault(key, i)
    if "address" not in idx and "phone" not in idx:
        raise InvitationListError(
            source,
            [Problem(1, "address", "the header needs an address (地址) or a phone (电话) column")],
        )
    out: list[Recipient] = []
    for line, cells in it:
        if not any(c.strip() for c in cells):
            continue

        def cell(key: str, cells: list[str] = cells) -> str:
            i = idx.get(key)
            return cells[i].strip() if i is not None and i < len(cells) else ""

        name, address, phone = cell("name"), cell("address"), cell("phone")
        if not address and not phone:
            problems.append(Problem(line, "address", "needs an address or a phone number"))
            continue
        if len(name) > 100 or len(address) > 300 or len(phone) > 40:
            problems.append(Problem(line, "name", "name, address or phone is too long"))
            continue
        codes: list[str] = []
        for part in (p.strip() for p in _SPLIT.split(cell("sections"))):
            if not part:
                continue
            code, why = lookup.find(part)
            if code is None:
                problems.append(Problem(line, "sections", why))
            elif code not in codes:
                codes.append(code)
        out.append(Recipient(line, name, address, phone, tuple(codes)))
    if not problems and not out:
        problems.append(Problem(1, "-", "the list names nobody"))
    if len(out) > MAX_RECIPIENTS:
        problems.append(Problem(1, "-", f"at most {MAX_RECIPIENTS} recipients per list"))
    if problems:
        raise InvitationListError(source, problems)
    return out


class _SectionLookup:
    def __init__(self, sections: Iterable[SectionRef]) -> None:
        self.by_code: dict[str, str] = {}
        self.by_name: dict[str, list[str]] = {}
        self.by_full: dict[str, str] = {}
        for s in sections:
            self.by_code[s.code] = s.code
            self.by_name.setdefault(s.name, []).append(s.code)
            self.by_full[f"{s.unit_name}/{s.name}"] = s.code

    def find(self, text: str) -> tuple[str | None, str]:
        if text in self.by_code:
            return text, ""
        full = re.sub(r"\s*[/／]\s*", "/", text)
        if full in self.by_full:
            return self.by_full[full], ""
        named = self.by_name.get(text, [])
        if len(named) == 1:
            return named[0], ""
        if len(named) > 1:
            return None, (
                f"{text!r} is the name of several sections ({', '.join(named)}): "
                "use the code, or write 'unit name/section name'"
            )
        return None, f"no section {text!r} takes part in this review"


def section_refs(rows: Iterable[Mapping[str, str]]) -> list[SectionRef]:
    """``SectionRef`` from dicts with ``code``, ``name`` and ``unit_name``."""
    return [SectionRef(r["code"], r["name"], r["unit_name"]) for r in rows]
