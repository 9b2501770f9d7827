"""The digest that ties published standings to the aggregates they were ranked from.

Closing a quarter (``POST /halls/{hall}/quarters/{quarter}/close``) sends the standings the
office's client computed together with ``aggregates_digest`` of the aggregates it ranked; the
store closes the quarter only if the digest of its aggregates *now* is the same, so nothing can
change between ranking and publishing unseen. Both sides compute it here.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

__all__ = ["aggregates_digest"]

_LEFT_OUT = ("generated_at", "published")  # when the answer was made; what was published


def aggregates_digest(aggregates: Mapping[str, Any]) -> str:
    """SHA-256 of the aggregates' canonical JSON (sorted keys), leaving out ``generated_at``."""
    content = {k: v for k, v in aggregates.items() if k not in _LEFT_OUT}
    blob = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()
