"""The hardest sections of a quarter (最难办事科室群众评): pure Python, no Qt, no I/O.

``compute_hardest_sections(aggregates)`` reads the store's aggregates (``docs/design.md``) and
ranks the hall's **sections** (科室) — not its units — from two kinds of evidence: the quarter's
public review (people who dealt with a section say it was hard on 冷 懒 推 乱 贪, or that it
had no problem) and the 差评 of kiosk and phone ratings that named the section. A hall with no
sections gets ``None``: its board keeps the unit view of ``board.standings``. Every number below
is a hall setting (roster ``setting`` rows); defaults in brackets.

Rules
-----
1. **Who is ranked.** The sections taking part in the quarter's review; with no review, every
   section of the roster.
2. **Evidence.** For a section: ``R`` review answers about it, ``P`` of them naming at least one
   problem; ``N`` scored ratings that named it, ``D`` of them 差评 (the bottom two levels;
   flagged ratings are not scored).
3. **Combination.** Each share is shrunk toward "no problem" by a prior worth a few answers, so
   that two answers cannot make a section the hardest by luck:
   review share ``P / (R + review_prior)`` [5], rating share ``D / (N + rating_prior)`` [20].
   **Hardness** = ``(w_review · review share + w_ratings · rating share) / (w_review +
   w_ratings)`` [0.7 and 0.3: the review is the instrument; 差评 at the counter support it].
   Both are shares of the section's own evidence, so a busy counter's many good ratings neither
   hide nor inflate what the review says, and no section's figures move another's.
4. **Minimum evidence.** A section is ranked only with at least ``min_answers`` [3] review answers
   about it or ``min_ratings`` [30] scored ratings, and at least one answer naming a problem or
   one 差评. Others are listed as "not enough evidence" with what they lack.
5. **Order and ties.** Highest hardness first; ties: more answers naming a problem, then more
   差评, then section code (alphabetical) — deterministic. The top ``hardest_count`` [10] are the
   hardest sections.
6. **Misconduct.** A section with a verified misconduct (吃拿卡要 and the like, found true after a
   report: ``section_misconduct``) is placed at rank 1 directly, whatever its evidence; several
   such sections take the first places by section code, and the ranked ones follow.
7. **Main problems.** Per section the indicators counted over review answers (each answer may
   mark several) plus the reasons of its 差评 (冷 懒 推 乱 贪 and the hall's own); up to three,
   most counted first, ties in the order 冷 懒 推 乱 贪, then the hall's reasons, then code.
8. **Consequences** (Nanchuan). Any place in the top 10 → 约谈 (a talk with the section head)
   and no promotion for ``no_promotion_months`` [3] months. ``escalate_head_after`` [2] quarters
   in a row in the top 3 → 免去科室负责人 (the section head is removed);
   ``escalate_leader_after`` [3] in a row → 免去分管领导 (the supervising leader is removed).
   Streaks count consecutive calendar quarters ending with this one, from ``history``
   (``QuarterOutcome``'s ``section_top3``); a quarter missing from the history breaks a streak.
9. **Naming.** The hall's ``naming`` setting [named]: in ``anonymous`` mode (匿名) a listed
   section is shown by its unit's window category only (``label``), never by the section's or
   the unit's name, as the black list does; ``named`` shows ``section · unit``.
10. **Explanations.** Every section listed gets sentences: its evidence, the arithmetic, the rule
   that placed it and its consequences; ``rules`` gives these rules in words for the board.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from board.lenient import mapping, rows
from sync.quarter import Quarter

if TYPE_CHECKING:
    from board.standings import QuarterOutcome

__all__ = [
    "HardestSettings",
    "SectionEntry",
    "SectionRanking",
    "compute_hardest_sections",
]

PROBLEM_ORDER = ("leng", "lan", "tui", "luan", "tan")
_PROBLEM_NAMES = {"leng": "冷", "lan": "懒", "tui": "推", "luan": "乱", "tan": "贪"}


@dataclass(frozen=True)
class HardestSettings:
    """The hall's settings for the hardest-sections ranking (rules in the module docstring)."""

    hardest_count: int = 10
    review_prior: float = 5.0
    rating_prior: float = 20.0
    w_review: float = 0.7
    w_ratings: float = 0.3
    min_answers: int = 3
    min_ratings: int = 30
    escalate_head_after: int = 2
    escalate_leader_after: int = 3
    no_promotion_months: int = 3

    @classmethod
    def from_mapping(cls, values: Mapping[str, object]) -> HardestSettings:
        """The roster's setting strings; unknown keys ignored, a bad value keeps the default."""
        kwargs: dict[str, float | int] = {}
        defaults = cls()
        for name in (
            "hardest_count",
            "review_prior",
            "rating_prior",
            "w_review",
            "w_ratings",
            "min_answers",
            "min_ratings",
            "escalate_head_after",
            "escalate_leader_after",
            "no_promotion_months",
        ):
            raw = values.get(name)
            if raw is None or str(raw).strip() == "":
                continue
            try:
                number = float(str(raw).strip())
            except ValueError:
                continue
            default = getattr(defaults, name)
            if number < 0 or number != number:
                continue
            kwargs[name] = int(number) if isinstance(default, int) else number
        s = cls(**kwargs)  # type: ignore[arg-type]
        if s.w_review + s.w_ratings <= 0:
            return cls()
        return s


@dataclass(frozen=True)
class SectionEntry:
    """A section's quarter: its evidence, hardness, place, problems and consequences."""

    code: str
    name: str
    unit: str
    unit_name: str
    label: str  # what the wall shows: "section · unit", or the window category when anonymous
    answers: int  # R: review answers about it
    with_problems: int  # P: of them, naming a problem
    ratings: int  # N: scored ratings that named it
    negative: int  # D: of them, 差评
    review_share: float
    rating_share: float
    hardness: float
    rank: int | None  # place among the hardest, None when not on the list
    misconduct: bool
    enough: bool  # rule 4
    problems: list[tuple[str, str, int]]  # (code, name, count), most counted first
    top3_streak: int = 0
    escalation: str | None = None  # the most severe consequence
    consequences: list[str] = field(default_factory=list)
    explanation: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SectionRanking:
    """The quarter's hardest sections as the wall board shows them."""

    quarter: str
    settings: HardestSettings
    review: Mapping[str, object] | None  # {id, title, invitations, responses} or None
    hardest: list[SectionEntry]  # the top hardest_count, by rank
    others: list[SectionEntry]  # every other section with any evidence, hardest first
    rules: list[str]
    anonymous: bool = False  # rule 9: labels name the window category only

    @property
    def top3(self) -> frozenset[str]:
        return frozenset(e.code for e in self.hardest if e.rank is not None and e.rank <= 3)

    @property
    def top10(self) -> frozenset[str]:
        return frozenset(e.code for e in self.hardest)


@dataclass
class _Calc:
    code: str
    name: str
    unit: str
    unit_name: str
    category_name: str = ""
    answers: int = 0
    with_problems: int = 0
    ratings: int = 0
    negative: int = 0
    problems: dict[str, int] = field(default_factory=dict)
    misconduct: bool = False
    review_share: float = 0.0
    rating_share: float = 0.0
    hardness: float = 0.0
    enough: bool = False


def compute_hardest_sections(
    aggregates: Mapping[str, object],
    *,
    settings: HardestSettings | None = None,
    history: Sequence[QuarterOutcome] = (),
) -> SectionRanking | None:
    """The hardest sections of the aggregates' quarter, or None for a hall without sections."""
    sections = rows(aggregates, "sections")
    if not sections:
        return None
    s = settings or HardestSettings.from_mapping(mapping(aggregates, "settings"))
    quarter = str(aggregates.get("quarter", ""))
    reason_names = dict(_PROBLEM_NAMES)
    reason_order = {code: i for i, code in enumerate(PROBLEM_ORDER)}
    for r in rows(aggregates, "reasons"):
        code = str(r.get("code"))
        reason_names.setdefault(code, str(r.get("name") or code))
        reason_order.setdefault(code, len(reason_order))

    review_raw = aggregates.get("review")
    review = review_raw if isinstance(review_raw, Mapping) else None
    calcs, taking_part = _taking_part(aggregates, sections, review)
    _evidence(calcs, taking_part, aggregates, review)
    _shares(calcs, s)
    on_list, others = _places(calcs, taking_part, s)

    # Rule 8: streaks from the earlier quarters.
    past = {o.quarter: o for o in history}
    ranks = {c.code: i for i, c in enumerate(on_list, start=1)}
    naming = str(mapping(aggregates, "settings").get("naming") or "named").strip().lower()
    anonymous = naming in ("anonymous", "匿名")
    entries = [
        _entry(c, ranks.get(c.code), s, quarter, past, reason_names, reason_order, anonymous)
        for c in on_list + others
    ]
    review_info = (
        {k: review.get(k) for k in ("id", "title", "invitations", "responses")} if review else None
    )
    return SectionRanking(
        quarter=quarter,
        settings=s,
        review=review_info,
        hardest=entries[: len(on_list)],
        others=entries[len(on_list) :],
        rules=_rules(s),
        anonymous=anonymous,
    )


def _taking_part(
    aggregates: Mapping[str, object],
    sections: list[Mapping[str, object]],
    review: Mapping[str, object] | None,
) -> tuple[dict[str, _Calc], set[str]]:
    """Every section of the roster, and the codes of those this quarter's review lists (all of
    them when there is no review, or it lists none)."""
    units = {
        str(u.get("code")): str(u.get("name") or u.get("code")) for u in rows(aggregates, "units")
    }
    categories = {
        str(c.get("code")): str(c.get("name") or "") for c in rows(aggregates, "categories")
    }
    unit_category = {
        str(u.get("code")): categories.get(str(u.get("category") or ""), "")
        for u in rows(aggregates, "units")
    }
    calcs: dict[str, _Calc] = {}
    for row in sections:
        code = str(row.get("code"))
        unit = str(row.get("unit") or "")
        calcs[code] = _Calc(
            code,
            str(row.get("name") or code),
            unit,
            units.get(unit, unit),
            unit_category.get(unit, ""),
        )
    taking_part = set(calcs)
    if review is not None:
        listed = review.get("sections")
        if isinstance(listed, list) and listed:
            taking_part = {str(c) for c in listed} & set(calcs)
    return calcs, taking_part


def _evidence(
    calcs: dict[str, _Calc],
    taking_part: set[str],
    aggregates: Mapping[str, object],
    review: Mapping[str, object] | None,
) -> None:
    """Rule 2: the review's answers and problems, the ratings' 差评 and reasons, misconduct
    (which puts a section on the list whether the review listed it or not)."""
    if review is not None:
        for a in rows(review, "answers"):
            c = calcs.get(str(a.get("section")))
            if c is not None:
                c.answers += _count(a.get("n"))
                c.with_problems += _count(a.get("with_problems"))
        for p in rows(review, "problem_counts"):
            c = calcs.get(str(p.get("section")))
            if c is not None:
                key = str(p.get("problem"))
                c.problems[key] = c.problems.get(key, 0) + _count(p.get("n"))
    for row in rows(aggregates, "section_counts"):
        c = calcs.get(str(row.get("section")))
        level = _count(row.get("level"))
        if c is None or not 1 <= level <= 5:
            continue
        n = _count(row.get("n"))
        c.ratings += n
        if level <= 2:
            c.negative += n
    for row in rows(aggregates, "section_reason_counts"):
        c = calcs.get(str(row.get("section")))
        if c is not None:
            key = str(row.get("reason"))
            c.problems[key] = c.problems.get(key, 0) + _count(row.get("n"))
    misconduct_raw = aggregates.get("section_misconduct") or []
    if isinstance(misconduct_raw, Iterable) and not isinstance(misconduct_raw, str | bytes):
        for code in misconduct_raw:
            c = calcs.get(str(code))
            if c is not None:
                c.misconduct = True
                taking_part.add(c.code)


def _shares(calcs: dict[str, _Calc], s: HardestSettings) -> None:
    """Rules 3-4: each share shrunk by its prior, the weighted hardness, enough evidence."""
    wsum = s.w_review + s.w_ratings
    for c in calcs.values():
        c.review_share = c.with_problems / (c.answers + s.review_prior) if c.answers else 0.0
        c.rating_share = c.negative / (c.ratings + s.rating_prior) if c.ratings else 0.0
        c.hardness = (s.w_review * c.review_share + s.w_ratings * c.rating_share) / wsum
        c.enough = (c.answers >= s.min_answers or c.ratings >= s.min_ratings) and (
            c.with_problems + c.negative > 0
        )


def _places(
    calcs: dict[str, _Calc], taking_part: set[str], s: HardestSettings
) -> tuple[list[_Calc], list[_Calc]]:
    """Rules 5-6: misconduct first, then the hardest with enough evidence, at most
    ``hardest_count``; and the rest that had any evidence, in the same order."""
    pool = [calcs[code] for code in taking_part]
    first = sorted((c for c in pool if c.misconduct), key=lambda c: c.code)
    ranked = sorted(
        (c for c in pool if c.enough and not c.misconduct),
        key=lambda c: (-c.hardness, -c.with_problems, -c.negative, c.code),
    )
    on_list = (first + ranked)[: s.hardest_count]
    listed = {c.code for c in on_list}
    others = [
        c
        for c in sorted(pool, key=lambda c: (-c.hardness, -c.with_problems, -c.negative, c.code))
        if c.code not in listed and (c.answers or c.ratings)
    ]
    return on_list, others


def _entry(
    c: _Calc,
    rank: int | None,
    s: HardestSettings,
    quarter: str,
    past: Mapping[str, QuarterOutcome],
    reason_names: Mapping[str, str],
    reason_order: Mapping[str, int],
    anonymous: bool = False,
) -> SectionEntry:
    problems = sorted(
        ((code, reason_names.get(code, code), n) for code, n in c.problems.items() if n > 0),
        key=lambda p: (-p[2], reason_order.get(p[0], len(reason_order)), p[0]),
    )[:3]
    in_top3 = rank is not None and rank <= 3
    streak = _streak(c.code, quarter, in_top3, past) if in_top3 else 0
    consequences: list[str] = []
    escalation: str | None = None
    if rank is not None:
        consequences.append(f"约谈科室负责人，{s.no_promotion_months}个月内不得提拔重用")
        escalation = "约谈"
    if streak >= s.escalate_leader_after:
        consequences.append(f"连续{streak}次位列前3：免去分管领导职务")
        escalation = "免去分管领导"
    elif streak >= s.escalate_head_after:
        consequences.append(f"连续{streak}次位列前3：免去科室负责人职务")
        escalation = "免去科室负责人"
    return SectionEntry(
        code=c.code,
        name=c.name,
        unit=c.unit,
        unit_name=c.unit_name,
        label=(c.category_name or "未分类窗口") if anonymous else f"{c.name} · {c.unit_name}",
        answers=c.answers,
        with_problems=c.with_problems,
        ratings=c.ratings,
        negative=c.negative,
        review_share=c.review_share,
        rating_share=c.rating_share,
        hardness=c.hardness,
        rank=rank,
        misconduct=c.misconduct,
        enough=c.enough,
        problems=problems,
        top3_streak=streak,
        escalation=escalation,
        consequences=consequences,
        explanation=_explain(c, rank, s, streak, problems, consequences),
    )


def _streak(code: str, quarter: str, now: bool, past: Mapping[str, QuarterOutcome]) -> int:
    if not now:
        return 0
    try:
        q = Quarter.parse(quarter)
    except ValueError:
        return 1
    n = 1
    while True:
        q = q.previous()
        o = past.get(str(q))
        if o is None or code not in o.section_top3:
            return n
        n += 1


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _explain(
    c: _Calc,
    rank: int | None,
    s: HardestSettings,
    streak: int,
    problems: list[tuple[str, str, int]],
    consequences: list[str],
) -> list[str]:
    out: list[str] = []
    if c.misconduct:
        out.append("经查实存在违规违纪问题（如吃拿卡要），直接列最难办事科室第 1 名。")
    out.append(
        f"群众评议：{c.answers} 份答卷评价了该科室，其中 {c.with_problems} 份指出问题；"
        f"窗口和扫码评价：{c.ratings} 条，其中差评 {c.negative} 条。"
    )
    w = s.w_review + s.w_ratings
    out.append(
        f"难办指数 = {s.w_review / w:.2f} × {c.with_problems}/({c.answers}+{s.review_prior:g})"
        f" + {s.w_ratings / w:.2f} × {c.negative}/({c.ratings}+{s.rating_prior:g})"
        f" = {_pct(c.hardness)}。"
    )
    if problems:
        out.append("主要问题：" + "、".join(f"{name} {n}次" for _, name, n in problems) + "。")
    if rank is not None and not c.misconduct:
        out.append(f"难办指数排第 {rank} 名，列入最难办事科室前 {s.hardest_count} 名。")
    elif rank is None and not c.enough:
        if c.with_problems + c.negative == 0:
            out.append("没有答卷指出问题，也没有差评，不参与排名。")
        else:
            out.append(
                f"证据不足，暂不排名：需要至少 {s.min_answers} 份答卷评价该科室"
                f"（现有 {c.answers} 份），或 {s.min_ratings} 条有效评价（现有 {c.ratings} 条）。"
            )
    elif rank is None:
        out.append(f"难办指数未进入前 {s.hardest_count} 名。")
    if streak >= 2:
        out.append(f"已连续 {streak} 个季度位列前 3 名。")
    out.extend(f"处理：{x}。" for x in consequences)
    return out


def _rules(s: HardestSettings) -> list[str]:
    w = s.w_review + s.w_ratings
    return [
        "参评对象：本季度群众评议的参评科室（未开展评议时为名册中的全部科室）。",
        f"难办指数 = {s.w_review / w:.0%} × 评议中指出问题的答卷占比 + {s.w_ratings / w:.0%} × "
        f"窗口和扫码评价的差评占比；两项占比分别按先计入 {s.review_prior:g} 份“没有问题”答卷、"
        f"{s.rating_prior:g} 条非差评计算，少量答卷不会因偶然排在前面。",
        f"至少 {s.min_answers} 份答卷评价过、或有 {s.min_ratings} 条有效评价，且有人指出问题的科室"
        f"参与排名；同分时依次比较指出问题的答卷数、差评数、科室代码。",
        "经查实存在违规违纪（吃拿卡要等）的科室直接列第 1 名。",
        f"进入前 {s.hardest_count} 名：约谈科室负责人，{s.no_promotion_months} 个月内不得提拔重用；"
        f"连续 {s.escalate_head_after} 次位列前 3：免去科室负责人职务；"
        f"连续 {s.escalate_leader_after} 次：免去分管领导职务。",
    ]


def _count(v: object) -> int:
    if isinstance(v, bool):
        return 0
    if isinstance(v, int):
        return max(v, 0)
    if isinstance(v, float) and v.is_integer():
        return max(int(v), 0)
    return 0
