"""The citizen's phone page (``GET /rate?window=A01``): one self-contained HTML file.

No build step, no CDN: ``rate.html`` carries its CSS and JS inline; the five faces are the
kiosk's own SVGs (``assets/faces``) inlined at render time. Everything from the roster is
HTML-escaped; the data the script needs travels as JSON in a ``<script type="application/json">``
block with ``<``, ``>`` and ``&`` escaped, so a hall or reason name can never close the tag.
"""

from __future__ import annotations

import html
import json
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from assets import face_file
from sync.schema import LEVEL_WORDS_EN, LEVEL_WORDS_ZH, Level

__all__ = ["Page", "ReasonItem", "message_page", "rate_page", "review_page"]

WEB_DIR = Path(__file__).resolve().parent
_SLOT = re.compile(r"\{\{(\w+)\}\}")


@dataclass(frozen=True)
class Page:
    """A rendered page, its status, and the nonce its CSP must allow."""

    body: str
    status: int
    nonce: str

    @property
    def headers(self) -> dict[str, str]:
        return {
            "Content-Security-Policy": (
                "default-src 'none'; img-src data:; connect-src 'self'; "
                f"style-src 'nonce-{self.nonce}'; script-src 'nonce-{self.nonce}'; "
                "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
            ),
            "Cache-Control": "no-store",
            "Referrer-Policy": "no-referrer",
            "X-Content-Type-Options": "nosniff",
        }


@dataclass(frozen=True)
class ReasonItem:
    code: str
    name: str
    line: str
    line_en: str


def rate_page(
    *,
    hall: str,
    hall_name: str,
    window: str,
    window_name: str,
    unit_name: str,
    reasons: Sequence[ReasonItem],
    api_url: str,
) -> Page:
    """The rating page of one window: faces, then reasons after a 差评, then thanks."""
    nonce = secrets.token_urlsafe(16)
    faces = "\n".join(_face_button(level) for level in sorted(Level, reverse=True))
    reason_buttons = "\n".join(_reason_button(r) for r in reasons)
    context = {
        "hall": hall,
        "window": window,
        "api": api_url,
        "levels": {int(lv): {"zh": LEVEL_WORDS_ZH[lv], "en": LEVEL_WORDS_EN[lv]} for lv in Level},
    }
    body = _fill(
        _template("rate.html"),
        nonce=nonce,
        hall_name=_e(hall_name),
        window_name=_e(window_name),
        unit_name=_e(unit_name),
        faces=faces,
        reasons=reason_buttons,
        context=_json_block(context),
    )
    return Page(body, 200, nonce)


def review_page(
    *,
    hall_name: str,
    title: str,
    review: int,
    code: str,
    sections: Sequence[dict[str, str]],
    hinted: Sequence[str],
    problems: Sequence[tuple[str, str, str]],
    api_url: str,
) -> Page:
    """The review page behind a letter's QR code: pick sections, mark 冷懒推乱贪, send.

    ``sections``: ``{code, name, unit_name}`` in roster order; ``hinted``: the codes the
    invitation list said this person dealt with (pre-selected); ``problems``: (code, character,
    words). The sections are listed and searched by the page's script from the JSON context.
    """
    nonce = secrets.token_urlsafe(16)
    context = {
        "review": review,
        "code": code,
        "api": api_url,
        "sections": [
            {"code": s["code"], "name": s["name"], "unit_name": s["unit_name"]} for s in sections
        ],
        "hinted": list(hinted),
        "problems": [{"code": c, "char": ch, "words": w} for c, ch, w in problems],
    }
    body = _fill(
        _template("review.html"),
        nonce=nonce,
        hall_name=_e(hall_name),
        title=_e(title),
        context=_json_block(context),
    )
    return Page(body, 200, nonce)


def message_page(status: int, title: str, text: str, title_en: str, text_en: str) -> Page:
    """A friendly page for a window that is not there (404) or not rating by phone (403)."""
    nonce = secrets.token_urlsafe(16)
    body = _fill(
        _template("message.html"),
        nonce=nonce,
        title=_e(title),
        text=_e(text),
        title_en=_e(title_en),
        text_en=_e(text_en),
    )
    return Page(body, status, nonce)


def _face_button(level: Level) -> str:
    svg = _face_svg(level)
    return (
        f'<button type="button" class="face" data-level="{int(level)}">{svg}'
        f'<span class="word" data-en="{_e(level.en)}">{_e(level.zh)}</span></button>'
    )


def _reason_button(r: ReasonItem) -> str:
    return (
        f'<button type="button" class="reason" data-reason="{_e(r.code)}" aria-pressed="false">'
        '<span class="tick" aria-hidden="true"></span>'
        f'<span class="name">{_e(r.name)}</span>'
        f'<span class="line" data-en="{_e(r.line_en)}">{_e(r.line)}</span></button>'
    )


@cache
def _face_svg(level: Level) -> str:
    """The kiosk's face, made decorative (the word beside it is the label) and CSS-sized."""
    svg = face_file(level).read_text(encoding="utf-8").strip()
    svg = re.sub(r"<title>.*?</title>\s*", "", svg, flags=re.S)
    svg = re.sub(r'\s(width|height)="\d+"', "", svg, count=2)
    return svg.replace("<svg ", '<svg aria-hidden="true" focusable="false" ', 1)


@cache
def _template(name: str) -> str:
    return (WEB_DIR / name).read_text(encoding="utf-8")


def _fill(template: str, **values: str) -> str:
    def slot(match: re.Match[str]) -> str:
        return values[match.group(1)]  # a missing value is a bug: KeyError

    return _SLOT.sub(slot, template)


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _json_block(data: Any) -> str:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
