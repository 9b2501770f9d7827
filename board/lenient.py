"""Reading the store's aggregates leniently: the board must show something even for an odd answer.

A field of the wrong type reads as absent (an empty mapping or list, None), never as an error;
the engines that use these (``board.standings``, ``board.hardest``) list what they skipped.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

__all__ = ["mapping", "number", "rows", "whole"]


def mapping(d: Mapping[str, object], key: str) -> Mapping[str, object]:
    v = d.get(key)
    return v if isinstance(v, Mapping) else {}


def rows(d: Mapping[str, object], key: str) -> list[Mapping[str, object]]:
    v = d.get(key)
    if not isinstance(v, Iterable) or isinstance(v, str | bytes | Mapping):
        return []
    return [r for r in v if isinstance(r, Mapping)]


def whole(row: Mapping[str, object], key: str, default: int | None = None) -> int | None:
    v = row.get(key, default)
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, str):
        try:
            return int(v.strip())
        except ValueError:
            return None
    return None


def number(row: Mapping[str, object], key: str) -> float | None:
    v = row.get(key)
    if isinstance(v, bool) or not isinstance(v, int | float | str):
        return None
    try:
        f = float(v)
    except ValueError:
        return None
    return f if math.isfinite(f) else None
