"""Conditional GETs: a roster or a quarter unchanged since the client's ``ETag`` is a 304."""

from __future__ import annotations

import hashlib
import json
from typing import Any

__all__ = ["etag_for", "etag_matches"]


def etag_for(data: Any) -> str:
    """A strong ETag over data's JSON form."""
    blob = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return '"' + hashlib.sha256(blob.encode()).hexdigest()[:32] + '"'


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """Whether ``If-None-Match`` names ``etag`` (weak comparison, lists and ``*`` allowed)."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    bare = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == bare for tag in if_none_match.split(","))
