"""Published standings: the engine's output as JSON, and back; the standings of an answer.

When the office closes a quarter (``hall-admin quarter close``) the standings of that moment
are stored on the central store with the digest of the aggregates they were ranked from. From
then on the store's aggregates for that quarter carry ``published`` and every reader — the
wall board, the poster, the streaks of later quarters — shows what was published, not a new
ranking: a published list does not change when the engine or a late rating would change it.

``standings_of(aggregates)`` is the one place that decides between the two.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from board.standings import (
    BoardEntry,
    HardestEntry,
    QuarterOutcome,
    Settings,
    Standings,
    UnitStanding,
    compute_standings,
)
from board.standings_text import Lang
from sync.defaults import DEFAULT_TZ

__all__ = [
    "is_published",
    "published_on",
    "standings_from_dict",
    "standings_of",
    "standings_to_dict",
]


def standings_to_dict(s: Standings) -> dict[str, Any]:
    """The standings as a JSON object (int keys become strings, tuples lists)."""
    d = dataclasses.asdict(s)
    d["settings"] = dataclasses.asdict(s.settings)
    d["level_distribution"] = {str(k): v for k, v in s.level_distribution.items()}
    for u in d["units"]:
        u["counts"] = {str(k): v for k, v in u["counts"].items()}
    d["hall"] = dict(s.hall)
    return _jsonable(d)  # type: ignore[no-any-return]


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    return value


def _build(cls: type[Any], d: Mapping[str, Any], **convert: Any) -> Any:
    kwargs = {}
    for f in dataclasses.fields(cls):
        if f.name in d:
            value = d[f.name]
            kwargs[f.name] = convert[f.name](value) if f.name in convert else value
    return cls(**kwargs)


def _tuples(rows: Sequence[Sequence[Any]]) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in rows]


def _int_keys(d: Mapping[str, int]) -> dict[int, int]:
    return {int(k): int(v) for k, v in d.items()}


def standings_from_dict(d: Mapping[str, Any]) -> Standings:
    """Standings from ``standings_to_dict``'s JSON; raises ``ValueError`` if it is not that."""
    try:
        settings = _build(
            Settings, d["settings"], level_points=lambda v: tuple(float(x) for x in v)
        )
        units = [
            _build(
                UnitStanding,
                u,
                counts=_int_keys,
                top_reasons=_tuples,
                weekly=_tuples,
                inspections=_tuples,
            )
            for u in d["units"]
        ]
        return _build(  # type: ignore[no-any-return]
            Standings,
            d,
            settings=lambda _: settings,
            units=lambda _: units,
            red_list=lambda rows: [_build(BoardEntry, r) for r in rows],
            black_list=lambda rows: [_build(BoardEntry, r) for r in rows],
            hardest=lambda rows: [_build(HardestEntry, r, problems=_tuples) for r in rows],
            level_distribution=_int_keys,
        )
    except (KeyError, TypeError, AttributeError) as e:
        raise ValueError(f"not published standings: {e}") from None


def is_published(aggregates: Mapping[str, Any]) -> bool:
    published = aggregates.get("published")
    return isinstance(published, Mapping) and published.get("state") == "closed"


def published_on(aggregates: Mapping[str, Any]) -> date | None:
    """The hall's local day a closed quarter was published, or None for an open quarter."""
    if not is_published(aggregates):
        return None
    try:
        at = datetime.fromisoformat(str(aggregates["published"]["closed_at"]))
        tz = ZoneInfo(str(aggregates.get("hall", {}).get("tz") or DEFAULT_TZ))
    except (ValueError, KeyError, ZoneInfoNotFoundError):
        return None
    return at.astimezone(tz).date()


def standings_of(
    aggregates: Mapping[str, Any],
    *,
    history: Sequence[Standings | QuarterOutcome] = (),
    lang: Lang = "zh",
) -> Standings:
    """What the board shows for these aggregates: the published standings of a closed
    quarter (in the words they were published in), else the engine's ranking of them now
    (with ``history`` for the streaks, explained in ``lang``)."""
    if is_published(aggregates):
        return standings_from_dict(aggregates["published"]["standings"])
    return compute_standings(aggregates, history=history, lang=lang)
