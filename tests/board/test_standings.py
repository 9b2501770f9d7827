"""The standings engine, rule by rule, on small halls whose numbers are worked out by hand.

Defaults unless a test says otherwise: points 100/80/60/40/20, prior m = 20, μ0 = 90,
min_ratings = 30, red 4, black 1 below 85, weights 0.4/0.2/0.2/0.2, z = 1.96.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

import pytest

from board.standings import (
    QuarterOutcome,
    Settings,
    SettingsError,
    Standings,
    compute_standings,
)
from board.standings_text import TEXTS
from sync.roster import parse_roster

Counts = Mapping[int, int]  # level -> scored ratings

# 30 ratings worth 2800 points: 20 × 100 + 10 × 80.  S = (20·90 + 2800) / 50 = 92.0
GOOD: Counts = {5: 20, 4: 10}
# 30 ratings worth 2700 points: 15 × 100 + 15 × 80.  S = (1800 + 2700) / 50 = 90.0
FAIR: Counts = {5: 15, 4: 15}
# 40 ratings, all 基本满意 (60): 2400 points.  S = (1800 + 2400) / 60 = 70.0
POOR: Counts = {3: 40}
# 40 ratings, all 非常满意: 4000 points.  S = (1800 + 4000) / 60 = 96.666…
BEST: Counts = {5: 40}


def make_aggregates(
    units: Mapping[str, Counts],
    *,
    flagged: Mapping[str, int] | None = None,
    inspections: list[dict[str, object]] | None = None,
    reasons: list[dict[str, object]] | None = None,
    misconduct: list[str] | None = None,
    prior_mean: float | None = None,
    settings: Mapping[str, str] | None = None,
    categories: Mapping[str, str] | None = None,
    quarter: str = "2026Q3",
) -> dict[str, object]:
    """An aggregates answer as the store sends it; every unit in category WZB unless told."""
    categories = categories or {}
    counts = []
    for code, by_level in units.items():
        for level, n in by_level.items():
            counts.append(
                {"unit": code, "week": "2026-07-06", "level": level, "n": n, "flagged": 0}
            )
    for code, n in (flagged or {}).items():
        counts.append({"unit": code, "week": "2026-07-13", "level": 5, "n": 0, "flagged": n})
    return {
        "hall": {"code": "TL", "name": "铜梁区市民服务中心", "tz": "Asia/Shanghai"},
        "quarter": quarter,
        "settings": dict(settings or {}),
        "generated_at": "2026-08-01T02:00:00+00:00",
        "categories": [
            {"code": "WZB", "name": "无差别综合窗口"},
            {"code": "BDC", "name": "不动产登记专区"},
        ],
        "units": [
            {"code": code, "name": f"{code}局", "category": categories.get(code, "WZB")}
            for code in units
        ],
        "reasons": [
            {"code": "leng", "name": "冷"},
            {"code": "lan", "name": "懒"},
            {"code": "tui", "name": "推"},
            {"code": "luan", "name": "乱"},
            {"code": "tan", "name": "贪"},
            {"code": "queue", "name": "排队太久"},
        ],
        "counts": counts,
        "reason_counts": reasons or [],
        "inspections": inspections or [],
        "misconduct": misconduct or [],
        "prior_mean": prior_mean,
    }


def codes(entries: list[object]) -> list[str | None]:
    return [getattr(e, "unit_code") for e in entries]  # noqa: B009


# --- settings --------------------------------------------------------------------------------


def test_demo_roster_settings_parse_to_the_documented_defaults(demo_roster_path: Path) -> None:
    roster = parse_roster(demo_roster_path)
    s = Settings.from_mapping(roster.settings)  # the kiosk's keys (min_interval_s …) are ignored
    # The demo hall weights the citizens' score more than the default 0.4 (see the roster).
    weights = (s.w_quality, s.w_image, s.w_behaviour, s.w_discipline)
    assert weights == (0.55, 0.15, 0.15, 0.15)
    assert s == replace(
        Settings(), w_quality=0.55, w_image=0.15, w_behaviour=0.15, w_discipline=0.15
    )
    assert s.level_points == (20, 40, 60, 80, 100)
    assert (s.min_ratings, s.prior_m, s.prior_mean) == (30, 20, 90)
    assert (s.red_count, s.black_count, s.black_threshold) == (4, 1, 85)


def test_settings_strings_are_parsed_best_level_first_and_naming_in_chinese() -> None:
    s = Settings.from_mapping(
        {
            "level_points": "10/8/6/4/2",
            "prior_mean": "9",
            "naming": "匿名",
            "w_quality": "0.5",
            "min_ratings": "50",
        }
    )
    assert s.level_points == (2, 4, 6, 8, 10)
    assert s.naming == "anonymous"
    assert s.w_quality == 0.5
    assert s.min_ratings == 50
    assert Settings.from_mapping({"red_count": ""}).red_count == 4  # an empty cell: default


@pytest.mark.parametrize(
    ("key", "value", "words"),
    [
        ("black_threshold", "abc", "expected a number"),
        ("min_ratings", "2.5", "whole number"),
        ("naming", "secret", "named"),
        ("level_points", "100/80/60", "five numbers"),
        ("level_points", "20/40/60/80/100", "strictly higher"),
        ("prior_mean", "120", "between 20 and 100"),
        ("w_image", "-1", "negative"),
        ("min_ratings", "0", "at least 1"),
        ("z", "0", "above 0"),
    ],
)
def test_a_bad_setting_is_refused_naming_the_key(key: str, value: str, words: str) -> None:
    with pytest.raises(SettingsError, match=words) as e:
        Settings.from_mapping({key: value})
    assert e.value.key == key
    assert f"setting {key}" in str(e.value)


def test_aggregates_settings_apply_unless_the_caller_passes_its_own() -> None:
    agg = make_aggregates({"A": GOOD}, settings={"min_ratings": "31"})
    assert compute_standings(agg).unit("A").status == "not_enough"
    assert compute_standings(agg, settings=Settings()).unit("A").status == "red"


# --- rule 1-3: counts and the citizen score ---------------------------------------------------


def test_citizen_score_is_the_bayesian_average_and_flagged_ratings_do_not_count() -> None:
    st = compute_standings(make_aggregates({"A": GOOD}, flagged={"A": 7}))
    a = st.unit("A")
    assert dict(a.counts) == {1: 0, 2: 0, 3: 0, 4: 10, 5: 20}
    assert (a.n, a.flagged, a.negative) == (30, 7, 0)
    assert a.raw_mean == pytest.approx(2800 / 30)  # 93.33
    assert a.citizen_score == pytest.approx(92.0)  # (1800 + 2800) / 50
    assert "群众满意度 = (20 × 90.0 + 评价总分 2800) ÷ (20 + 30) = 92.0（原始平均 93.3）。" in (
        a.explanation
    )
    assert any("另有 7 条疑似误用" in line for line in a.explanation)


def test_prior_mean_from_the_store_replaces_the_configured_one() -> None:
    # μ0 = 80: S = (20·80 + 2800) / 50 = 88.0
    st = compute_standings(make_aggregates({"A": GOOD}, prior_mean=80.0))
    assert st.unit("A").citizen_score == pytest.approx(88.0)


def test_a_unit_without_ratings_scores_the_prior_mean() -> None:
    st = compute_standings(make_aggregates({"A": {}}))
    a = st.unit("A")
    assert (a.n, a.citizen_score, a.raw_mean, a.needs_more) == (0, 90.0, None, 30)
    assert st.hall_mean == 90.0  # no ratings in the hall: μ0


def test_another_units_ratings_move_no_other_units_score() -> None:
    before = compute_standings(make_aggregates({"A": GOOD, "B": FAIR}))
    after = compute_standings(make_aggregates({"A": GOOD, "B": {5: 15, 4: 15, 1: 40}}))
    assert after.unit("A").citizen_score == before.unit("A").citizen_score
    assert after.unit("A").quarter_score == before.unit("A").quarter_score


def test_hall_totals_and_weekly_means() -> None:
    agg = make_aggregates({"A": GOOD, "B": POOR})
    agg["counts"].append(  # type: ignore[attr-defined]
        {"unit": "A", "week": "2026-07-13", "level": 1, "n": 2, "flagged": 0}
    )
    st = compute_standings(agg)
    assert dict(st.level_distribution) == {1: 2, 2: 0, 3: 40, 4: 10, 5: 20}
    # (2800 + 40 + 2400) / 72 = 72.777…
    assert st.hall_mean == pytest.approx(5240 / 72)
    assert st.unit("A").weekly == [
        ("2026-07-06", pytest.approx(2800 / 30), 30),
        ("2026-07-13", 20.0, 2),
    ]


# --- rules 4-5: inspections and the quarter score ---------------------------------------------


def test_inspections_deduct_and_add_within_limits_and_weigh_into_the_quarter_score() -> None:
    inspections = [
        {"unit": "A", "dimension": "discipline", "points": -5, "note": "迟到早退"},
        {"unit": "A", "dimension": "工作纪律", "points": -3, "note": "未参加周一礼仪培训"},
        {"unit": "A", "dimension": "image", "points": 2, "note": "坚持服务到最后一位群众"},
        {"unit": "B", "dimension": "image", "points": 15, "note": "表扬"},
        {"unit": "B", "dimension": "behavior", "points": -120, "note": "群众投诉"},
    ]
    st = compute_standings(make_aggregates({"A": GOOD, "B": GOOD}, inspections=inspections))
    a, b = st.unit("A"), st.unit("B")
    assert (a.image, a.behaviour, a.discipline) == (102, 100, 92)
    # 0.4·92 + 0.2·102 + 0.2·100 + 0.2·92 = 36.8 + 20.4 + 20 + 18.4 = 95.6
    assert a.quarter_score == pytest.approx(95.6)
    assert (b.image, b.behaviour) == (110, 0)  # clamped to [0, 100 + bonus cap 10]
    assert "工作纪律 = 100 − 5 − 3 = 92（迟到早退 −5；未参加周一礼仪培训 −3）。" in a.explanation
    assert "综合得分 = 0.4×92.0 + 0.2×102 + 0.2×100 + 0.2×92 = 95.6。" in a.explanation


def test_weights_are_normalised() -> None:
    # 2/1/1/1 is 0.4/0.2/0.2/0.2 once divided by the sum 5.
    agg = make_aggregates(
        {"A": GOOD}, inspections=[{"unit": "A", "dimension": "image", "points": -10}]
    )
    plain = compute_standings(agg).unit("A").quarter_score
    scaled = compute_standings(
        agg, settings=Settings(w_quality=2, w_image=1, w_behaviour=1, w_discipline=1)
    ).unit("A")
    assert scaled.quarter_score == pytest.approx(plain)
    assert plain == pytest.approx(0.4 * 92 + 0.2 * 90 + 0.2 * 100 + 0.2 * 100)  # 94.8


def test_odd_rows_are_skipped_with_a_warning_not_a_crash() -> None:
    agg = make_aggregates(
        {"A": GOOD}, inspections=[{"unit": "A", "dimension": "quality", "points": -5}]
    )
    agg["counts"] += [  # type: ignore[operator]
        {"unit": "A", "week": "2026-07-06", "level": 7, "n": 3},
        {"unit": "A", "week": "2026-07-06", "level": 5, "n": -1},
        {"unit": "GHOST", "week": "2026-07-06", "level": 5, "n": 2},
    ]
    st = compute_standings(agg)
    assert st.unit("A").n == 30 and st.unit("A").image == 100
    assert st.unit("GHOST").name == "GHOST"  # a unit no longer in the roster still shows
    assert len(st.warnings) == 4
    assert any("GHOST" in w for w in st.warnings)


# --- rule 6: ranking and its tie-breaks -------------------------------------------------------


def test_ranking_ties_break_on_citizen_score_then_ratings_then_negatives_then_code() -> None:
    # Weights quality 1, image 1: quarter score = (S + image) / 2.
    #   X: S 92 (GOOD), image 98  -> 95.0      Y: S 90 (FAIR), image 100 -> 95.0
    #   tie on 95.0; X has the higher citizen score.
    # MANY: 80 ratings, 40×100 + 40×80 = 7200 -> S = (1800 + 7200) / 100 = 90.0, quarter 95.0
    #   ties Y on both scores; more ratings goes first.
    # NEG: 30 ratings 22×100 + 2×80 + 5×60 + 1×40 = 2700 -> S 90.0, one 差评: after Y.
    # P, Q: identical to Y -> after NEG? No: zero 差评 like Y, so Y, P, Q by code, then NEG.
    settings = Settings(w_quality=1, w_image=1, w_behaviour=0, w_discipline=0)
    units = {
        "Y": FAIR,
        "Q": FAIR,
        "NEG": {5: 22, 4: 2, 3: 5, 2: 1},
        "MANY": {5: 40, 4: 40},
        "P": FAIR,
        "X": GOOD,
    }
    inspections = [{"unit": "X", "dimension": "image", "points": -2, "note": ""}]
    st = compute_standings(make_aggregates(units, inspections=inspections), settings=settings)
    assert {u.code: u.quarter_score for u in st.units} == dict.fromkeys(units, 95.0)
    assert [u.code for u in st.units] == ["X", "MANY", "P", "Q", "Y", "NEG"]
    assert [u.rank for u in st.units] == [1, 2, 3, 4, 5, 6]


def test_a_unit_below_min_ratings_is_not_ranked_and_told_how_many_it_needs() -> None:
    st = compute_standings(make_aggregates({"A": GOOD, "FEW": {5: 18}, "BAD": {1: 29}}))
    few, bad = st.unit("FEW"), st.unit("BAD")
    assert (few.rank, few.status, few.needs_more) == (None, "not_enough", 12)
    assert "还需 12 条有效评价才能参与排名（已有 18 条，需 30 条）。" in few.explanation
    assert (bad.rank, bad.status) == (None, "not_enough")  # 29 非常不满意: still on no list
    assert codes(st.red_list) == ["A"] and st.black_list == [] and codes(st.hardest) == []
    assert [u.code for u in st.units] == ["A", "BAD", "FEW"]  # ranked, then by ratings


# --- rules 8-10: black list and red list --------------------------------------------------------


def test_black_list_takes_a_unit_below_the_line_and_credibly_worse_than_the_hall() -> None:
    # POOR: S = 70.0; discipline 100 − 20 = 80 -> quarter 0.4·70 + 20 + 20 + 16 = 84.0 < 85.
    # Wilson upper bound, p = (70 − 20)/80 = 0.625, n = 40, z = 1.96:
    #   centre = (0.625 + 1.96²/80) / (1 + 1.96²/40) = 0.614047
    #   half   = 1.96·√(0.625·0.375/40 + 1.96²/6400) / 1.096040 = 0.143726
    #   upper  = 20 + 80·0.757773 = 80.62
    # Hall mean: (2400 + 3·4000) / 160 = 90.0 > 80.62, so credibly worse.
    units = {"A": BEST, "B": BEST, "C": BEST, "POOR": POOR}
    inspections = [{"unit": "POOR", "dimension": "discipline", "points": -20, "note": "擅自离岗"}]
    st = compute_standings(make_aggregates(units, inspections=inspections))
    poor = st.unit("POOR")
    assert poor.quarter_score == pytest.approx(84.0)
    assert poor.interval_high == pytest.approx(80.62, abs=0.01)
    assert poor.interval_low < poor.citizen_score < poor.interval_high
    assert st.hall_mean == pytest.approx(90.0)
    assert poor.status == "black" and codes(st.black_list) == ["POOR"]
    assert st.black_list_empty_reason is None
    entry = st.black_list[0]
    assert (entry.label, entry.n, entry.score) == ("POOR局", 40, pytest.approx(84.0))
    assert entry.reason == "综合得分 84.0 低于黑榜线 85，且满意度区间上限 80.6 低于全厅平均 90.0。"
    assert (
        "综合得分再高 1.0 分达到黑榜线 85，或满意度区间上限达到全厅平均 90.0，即可移出黑榜。"
        in (poor.explanation)
    )
    # A unit is never on both lists: three left for the red list of four.
    assert codes(st.red_list) == ["A", "B", "C"]


def test_no_black_list_when_everybody_is_above_the_line() -> None:
    # Without the deduction POOR scores 0.4·70 + 60 = 88.0 >= 85.
    st = compute_standings(make_aggregates({"A": BEST, "POOR": POOR}))
    assert st.black_list == []
    assert st.black_list_empty_reason == (
        "本季度无单位列入黑榜：所有参与排名单位的综合得分均不低于黑榜线 85 分。"
    )
    assert st.unit("POOR").status == "red"  # two ranked units, four red places


def test_low_score_without_evidence_is_not_black_listed() -> None:
    # NOISY: FAIR ratings (S 90.0); image −40, behaviour −20:
    #   quarter 0.4·90 + 0.2·60 + 0.2·80 + 0.2·100 = 36 + 12 + 16 + 20 = 84.0 < 85.
    # Wilson upper for S 90, n 30 (p 0.875): 96.14 >= hall mean (2700 + 4000) / 70 = 95.71.
    units = {"A": BEST, "NOISY": FAIR}
    inspections = [
        {"unit": "NOISY", "dimension": "image", "points": -40, "note": "着装不规范"},
        {"unit": "NOISY", "dimension": "behaviour", "points": -20, "note": "解释不清"},
    ]
    st = compute_standings(make_aggregates(units, inspections=inspections))
    noisy = st.unit("NOISY")
    assert noisy.quarter_score == pytest.approx(84.0)
    assert noisy.interval_high == pytest.approx(96.14, abs=0.01)
    assert st.hall_mean == pytest.approx(6700 / 70)
    assert st.black_list == []
    assert st.black_list_empty_reason == (
        "本季度无单位列入黑榜：综合得分低于 85 分的 1 个单位，满意度区间上限均不低于全厅平均 95.7，证据不足。"
    )
    assert any("证据不足，不列入黑榜" in line for line in noisy.explanation)


def test_the_walk_from_the_bottom_skips_a_unit_without_evidence() -> None:
    # NOISY: 0.4·90 + 0.2·50 + 0.2·80 + 0.2·100 = 36 + 10 + 16 + 20 = 82.0 (last)
    # POOR:  0.4·70 + 0.2·100 + 0.2·100 + 0.2·75 = 28 + 20 + 20 + 15 = 83.0 (second to last)
    # Hall mean (4·4000 + 2700 + 2400) / 230 = 91.74: POOR's upper bound 80.62 is below it,
    # NOISY's 96.14 is not. NOISY is skipped; POOR goes on the list.
    units = {"A": BEST, "B": BEST, "C": BEST, "D": BEST, "NOISY": FAIR, "POOR": POOR}
    inspections = [
        {"unit": "NOISY", "dimension": "image", "points": -50, "note": ""},
        {"unit": "NOISY", "dimension": "behaviour", "points": -20, "note": ""},
        {"unit": "POOR", "dimension": "discipline", "points": -25, "note": ""},
    ]
    st = compute_standings(make_aggregates(units, inspections=inspections))
    assert [u.code for u in st.units][-2:] == ["POOR", "NOISY"]
    assert st.unit("NOISY").quarter_score == pytest.approx(82.0)
    assert st.unit("POOR").quarter_score == pytest.approx(83.0)
    assert codes(st.black_list) == ["POOR"]
    assert st.unit("NOISY").status == "ranked"


def test_black_count_caps_the_list_and_the_worst_comes_first() -> None:
    # P1: 28 + 20 + 20 + 0.2·80 = 84.0; P2: 28 + 20 + 20 + 0.2·70 = 82.0.
    # Hall mean (4·4000 + 2·2400) / 240 = 86.67 > 80.62: both credibly worse.
    units = {"A": BEST, "B": BEST, "C": BEST, "D": BEST, "P1": POOR, "P2": POOR}
    inspections = [
        {"unit": "P1", "dimension": "discipline", "points": -20, "note": ""},
        {"unit": "P2", "dimension": "discipline", "points": -30, "note": ""},
    ]
    agg = make_aggregates(units, inspections=inspections)
    one = compute_standings(agg)
    assert codes(one.black_list) == ["P2"]
    assert any(
        "黑榜名额（1 个）已由排名更低的单位占用" in line for line in one.unit("P1").explanation
    )
    two = compute_standings(agg, settings=Settings(black_count=2))
    assert codes(two.black_list) == ["P2", "P1"]
    none = compute_standings(agg, settings=Settings(black_count=0))
    assert none.black_list == []
    assert none.black_list_empty_reason == "本季度无单位列入黑榜：黑榜名额设为 0。"


def test_misconduct_goes_on_the_black_list_first_even_with_few_ratings() -> None:
    # TOP: 50 × 100 -> S = (1800 + 5000) / 70 = 97.14, the best score in the hall.
    units = {"A": BEST, "B": BEST, "C": BEST, "POOR": POOR, "BAD": {5: 3}, "TOP": {5: 50}}
    inspections = [{"unit": "POOR", "dimension": "discipline", "points": -20, "note": ""}]
    st = compute_standings(
        make_aggregates(units, inspections=inspections, misconduct=["BAD", "TOP"])
    )
    # Misconduct (worst quarter score first: BAD 0.4·(1800+300)/23 + 60 = 96.5 < TOP 98.9),
    # then the evidence rule's one place.
    assert codes(st.black_list) == ["BAD", "TOP", "POOR"]
    assert (
        st.black_list[0].reason
        == "经核实存在违规违纪行为，一票否决，直接列入黑榜（不看得分和评价数）。"
    )
    bad, top = st.unit("BAD"), st.unit("TOP")
    assert (bad.status, bad.rank, bad.misconduct) == ("black", None, True)
    assert (top.status, top.rank) == ("black", 1)  # still ranked first by score, but vetoed
    assert codes(st.red_list) == ["A", "B", "C"]  # TOP never on the red list
    # Nanchuan: misconduct goes to the top of the hardest list too.
    assert codes(st.hardest)[:2] == ["BAD", "TOP"]


def test_red_list_is_the_top_four_and_tells_the_next_unit_the_gap() -> None:
    # Citizen scores: BEST 96.667, GOOD 92.0, FAIR 90.0 -> quarter 0.4·S + 60.
    units = {"A": BEST, "B": BEST, "C": GOOD, "D": GOOD, "E": FAIR, "F": FAIR}
    st = compute_standings(make_aggregates(units))
    assert codes(st.red_list) == ["A", "B", "C", "D"]
    assert [e.reason for e in st.red_list][0] == "综合得分第 1 名，列入红榜。"
    # E: 96.0 vs D 96.8 -> gap 0.8
    assert "再高 0.8 分可进入红榜。" in st.unit("E").explanation
    assert "领先第 5 名 0.8 分。" in st.unit("D").explanation
    assert st.unit("E").status == "ranked"
    small = compute_standings(make_aggregates({"A": BEST, "B": GOOD}))
    assert codes(small.red_list) == ["A", "B"]  # fewer ranked than places


# --- rule 11: naming ----------------------------------------------------------------------------


def test_anonymous_mode_shows_the_window_category_only() -> None:
    units = {"A": BEST, "B": BEST, "C": BEST, "POOR": POOR}
    inspections = [{"unit": "POOR", "dimension": "discipline", "points": -20, "note": ""}]
    agg = make_aggregates(
        units,
        inspections=inspections,
        categories={"POOR": "BDC"},
        settings={"naming": "anonymous"},
        reasons=[{"unit": "POOR", "week": "2026-07-06", "reason": "tui", "n": 1}],
    )
    st = compute_standings(agg)
    (entry,) = st.black_list
    assert (entry.label, entry.unit_code) == ("不动产登记专区", None)
    assert "POOR" not in entry.reason
    assert codes(st.red_list) == ["A", "B", "C"]  # the red list names units
    assert st.rules[-1] == "本季度黑榜和最难办事名单只公布窗口类别，不公布单位名称。"


def test_anonymous_mode_hides_units_on_the_hardest_list_too() -> None:
    units = {"A": {5: 28, 1: 2}, "B": {5: 29, 2: 1}}
    st = compute_standings(make_aggregates(units, settings={"naming": "anonymous"}))
    assert [(e.label, e.unit_code) for e in st.hardest] == [
        ("无差别综合窗口", None),
        ("无差别综合窗口", None),
    ]


# --- rule 12: hardest sections ------------------------------------------------------------------


def test_hardest_sections_by_share_of_negative_ratings_with_main_problems() -> None:
    units = {
        "H1": {5: 20, 1: 10},  # 10/30 = 33.3 %
        "H2": {5: 40, 2: 20},  # 20/60 = 33.3 %, more 差评 -> before H1
        "H3": {5: 35, 1: 5},  # 12.5 %
        "OK": {5: 40},  # no 差评: not a "hardest" section at all
        "FEW": {1: 10},  # 100 % but only 10 ratings
    }
    reasons = [
        {"unit": "H1", "week": "2026-07-06", "reason": "lan", "n": 4},
        {"unit": "H1", "week": "2026-07-13", "reason": "lan", "n": 3},
        {"unit": "H1", "week": "2026-07-06", "reason": "queue", "n": 7},  # the hall's own
        {"unit": "H1", "week": "2026-07-06", "reason": "tan", "n": 2},
        {"unit": "H1", "week": "2026-07-06", "reason": "leng", "n": 1},
        {"unit": "H2", "week": "2026-07-06", "reason": "tui", "n": 5},
    ]
    st = compute_standings(make_aggregates(units, reasons=reasons))
    assert codes(st.hardest) == ["H2", "H1", "H3"]
    h1 = st.hardest[1]
    assert (h1.rank, h1.n, h1.negative) == (2, 30, 10)
    assert h1.share == pytest.approx(1 / 3)
    # lan 7 and queue 7 tie: the aggregates' reason order (built-ins first) decides.
    assert h1.problems == [("lan", "懒", 7), ("queue", "排队太久", 7), ("tan", "贪", 2)]
    assert h1.reason == "差评 10 条，占 33.3%（共 30 条）。"
    assert "最难办事科室第 2 名：差评占比 33.3%，主要问题：懒 7、排队太久 7、贪 2。" in (
        st.unit("H1").explanation
    )
    assert st.unit("FEW").hardest_rank is None
    assert (
        len(compute_standings(make_aggregates(units), settings=Settings(hardest_count=2)).hardest)
        == 2
    )


# --- rule 13: streaks ---------------------------------------------------------------------------


def _black_poor(quarter: str) -> dict[str, object]:
    units = {"A": BEST, "B": BEST, "C": BEST, "POOR": POOR}
    inspections = [{"unit": "POOR", "dimension": "discipline", "points": -20, "note": ""}]
    return make_aggregates(units, inspections=inspections, quarter=quarter)


def test_streaks_count_consecutive_quarters_across_the_year_and_escalate() -> None:
    q4 = compute_standings(_black_poor("2025Q4"))
    q1 = compute_standings(_black_poor("2026Q1"), history=[q4])
    assert q1.unit("POOR").streak == 2
    assert q1.unit("POOR").escalation == "约谈/免去科室负责人"
    assert (
        "已连续 2 个季度列入黑榜或最难办事前三：约谈/免去科室负责人。"
        in q1.unit("POOR").explanation
    )
    # History in any order, Standings and QuarterOutcome mixed; a plain set is fine.
    q2 = compute_standings(
        _black_poor("2026Q2"), history=[q1, QuarterOutcome("2025Q4", black={"POOR"})]
    )
    poor = q2.unit("POOR")
    assert (poor.streak, poor.black_streak, poor.escalation) == (3, 3, "问责分管领导")
    assert q2.black_list[0].streak == 3 and q2.black_list[0].escalation == "问责分管领导"
    assert q2.unit("A").streak == 0 and q2.unit("A").escalation is None


def test_a_missing_quarter_breaks_the_streak_and_hardest_top3_counts() -> None:
    earlier = QuarterOutcome("2026Q1", black={"POOR"})
    st = compute_standings(_black_poor("2026Q3"), history=[earlier])  # 2026Q2 missing
    assert st.unit("POOR").streak == 1
    top3 = QuarterOutcome("2026Q2", hardest_top3={"POOR"})
    st = compute_standings(_black_poor("2026Q3"), history=[top3])
    poor = st.unit("POOR")
    assert (poor.streak, poor.black_streak, poor.hardest_streak) == (2, 1, 0)


def test_outcome_round_trips_the_lists() -> None:
    st = compute_standings(_black_poor("2026Q3"))
    assert st.outcome() == QuarterOutcome("2026Q3", black=frozenset({"POOR"}))


# --- rule 14: explanations and rules ----------------------------------------------------------


def test_every_unit_is_explained_and_the_rules_are_in_words() -> None:
    st = compute_standings(_black_poor("2026Q3"))
    for u in st.units:
        assert u.explanation[0].startswith(f"本季度有效评价 {u.n} 条：非常满意")
    assert (
        st.rules[0]
        == "五级评价计分：非常满意 100、满意 80、基本满意 60、不满意 40、非常不满意 20；不满意、非常不满意为差评。"
    )
    assert any("低于 85 分" in r and "95%" in r for r in st.rules)


def test_english_explanations_on_request() -> None:
    st = compute_standings(make_aggregates({"A": GOOD, "FEW": {5: 18}}), lang="en")
    assert "Needs 12 more scored ratings to be ranked (18 of 30)." in st.unit("FEW").explanation
    assert st.rules[4] == "Red list: the top 4."


def test_both_languages_say_everything() -> None:
    """A key missing in one language would raise KeyError on the wall, not in review."""
    assert set(TEXTS["zh"]) == set(TEXTS["en"])
    for key in TEXTS["zh"]:
        fields_zh = {f for _, f, _, _ in string.Formatter().parse(TEXTS["zh"][key]) if f}
        fields_en = {f for _, f, _, _ in string.Formatter().parse(TEXTS["en"][key]) if f}
        assert fields_zh == fields_en, key


def test_standings_carry_the_hall_and_quarter() -> None:
    st = compute_standings(make_aggregates({"A": GOOD}))
    assert isinstance(st, Standings)
    assert (st.hall["code"], st.quarter, st.generated_at) == (
        "TL",
        "2026Q3",
        "2026-08-01T02:00:00+00:00",
    )


# --- the hall office's records: inspections, misconduct, appeals ------------------------------


def test_a_deduction_moves_a_unit_down_past_another() -> None:
    # Citizens alone: A 0.4·92 + 60 = 96.8 ranks above B 0.4·90 + 60 = 96.0.
    before = compute_standings(make_aggregates({"A": GOOD, "B": FAIR}))
    assert [u.code for u in before.units] == ["A", "B"]
    # An inspector deducts 15 in discipline (three late arrivals and an unapproved absence):
    # A = 0.4·92 + 0.2·100 + 0.2·100 + 0.2·85 = 93.8 < B 96.0.
    deductions = [
        {"unit": "A", "dimension": "discipline", "points": -3, "note": "迟到 3 次"},
        {"unit": "A", "dimension": "discipline", "points": -12, "note": "未经批准请假"},
    ]
    after = compute_standings(make_aggregates({"A": GOOD, "B": FAIR}, inspections=deductions))
    assert [u.code for u in after.units] == ["B", "A"]
    a = after.unit("A")
    assert a.quarter_score == pytest.approx(93.8)
    assert (a.deductions("discipline"), a.bonuses("discipline")) == (-15, 0)
    assert "工作纪律 = 100 − 12 − 3 = 85（未经批准请假 −12；迟到 3 次 −3）。" in a.explanation


def test_bonuses_stop_at_the_documented_maximum() -> None:
    # Rule 4: a dimension may reach 100 + bonus_cap (10 by default), never more.
    bonuses = [
        {"unit": "A", "dimension": "behaviour", "points": 8, "note": "群众表扬"},
        {"unit": "A", "dimension": "behaviour", "points": 7, "note": "坚持服务至最后一位群众"},
    ]
    st = compute_standings(make_aggregates({"A": GOOD, "B": GOOD}, inspections=bonuses))
    a = st.unit("A")
    assert a.behaviour == 110
    assert a.bonuses("behaviour") == 15  # what was given, before the cap
    assert (
        "服务行为 = 100 + 7 + 8 = 110（坚持服务至最后一位群众 +7；群众表扬 +8；超出上下限，按 110 计）。"
        in a.explanation
    )
    # 0.4·92 + 0.2·100 + 0.2·110 + 0.2·100 = 98.8
    assert a.quarter_score == pytest.approx(98.8)
    capped = compute_standings(
        make_aggregates({"A": GOOD}, inspections=bonuses, settings={"bonus_cap": "5"})
    )
    assert capped.unit("A").behaviour == 105
    assert any("最高 105" in rule for rule in capped.rules)


def test_misconduct_lists_the_unit_with_the_top_citizen_score_and_says_what_was_verified() -> None:
    units = {"TOP": BEST, "A": GOOD, "B": GOOD, "C": FAIR, "D": FAIR}
    record = {
        "unit": "TOP",
        "day": "2026-08-12",
        "summary": "窗口人员收受办事群众财物",
        "reference": "投诉 2026-0812-01",
        "verified_by": "区纪委监委驻厅纪检组",
    }
    agg = make_aggregates(units)
    agg["misconduct_records"] = [record]
    st = compute_standings(agg)
    top = st.unit("TOP")
    assert top.citizen_score == max(u.citizen_score for u in st.units)
    assert (top.status, top.rank) == ("black", 1)
    assert codes(st.black_list) == ["TOP"]
    assert "TOP" not in codes(st.red_list)
    assert (
        "核实情况：2026-08-12 窗口人员收受办事群众财物（投诉 2026-0812-01；区纪委监委驻厅纪检组）。"
        in top.explanation
    )


def test_ratings_removed_on_appeal_are_said_apart_from_misuse() -> None:
    agg = make_aggregates({"A": GOOD}, flagged={"A": 5})
    agg["appealed"] = [{"unit": "A", "n": 2}]
    a = compute_standings(agg).unit("A")
    assert a.appealed == 2 and a.flagged == 5
    assert (
        "另有 3 条疑似误用的评价（过快、连按、非办公时间或时钟异常）保留备查，未计分。"
        in a.explanation
    )
    assert "另有 2 条差评经申诉复核核销，保留备查，未计分。" in a.explanation
