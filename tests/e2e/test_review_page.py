"""A review letter's QR code opened on a phone: headless Chromium at 360 × 640 CSS px (a small
Android phone) against a real ``hall-server``, driven like a citizen's thumb through the
DevTools harness of ``test_phone_page``: the sections the list named are already picked, a
search by unit finds another, both are marked, the answers are sent, thanks; the store has them
once, and the letter's URL then opens the "already used" page. Screenshots go to ``tmp_path``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assets import DEMO_ROSTER
from sync.client import AdminClient
from tests.e2e.test_phone_page import Browser, _png_stats, _require_browser
from tests.helpers.server import ServerProcess, start_server

SMALL_PHONE = (360, 640)


@pytest.fixture
def hall_server(tmp_path: Path) -> Iterator[ServerProcess]:
    _require_browser()
    with start_server(tmp_path) as srv:
        with AdminClient(srv.url, srv.admin_token) as admin:
            admin.import_roster_file(DEMO_ROSTER)
        yield srv


def test_a_citizen_answers_a_review_letter_on_a_small_phone(
    hall_server: ServerProcess, tmp_path: Path
) -> None:
    with AdminClient(hall_server.url, hall_server.admin_token) as admin:
        review = admin.start_review("TL", "2026Q4")
        made = admin.invite_from_list(
            review["id"], "姓名,地址,科室\n王芳,铜梁区龙城大道1号,BDC01\n".encode(), "list.csv"
        )
    (letter,) = made["invitations"]
    assert letter["url"] == f"{hall_server.url}/rate?code={letter['code']}"

    with Browser(tmp_path, viewport=SMALL_PHONE) as page:
        page.open(letter["url"])
        page.wait_for("document.documentElement.dataset.ready === '1'")
        assert page.evaluate("document.documentElement.clientWidth") == 360
        assert page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scroll
        # The section the list named is picked already.
        assert page.text("#count") == "已选 1 个科室"
        assert (
            page.evaluate(
                "document.querySelector('.pick[data-section=\"BDC01\"]').getAttribute('aria-pressed')"
            )
            == "true"
        )
        page.screenshot(tmp_path / "1-pick.png")

        # Searching by the unit's name finds its sections; pick the funeral parlour.
        page.type("#search", "民政")
        page.wait_for("document.querySelectorAll('.pick').length === 5")
        assert "殡仪馆" in page.text("#list") and "登记受理科" not in page.text("#list")
        page.click('.pick[data-section="MZJ03"]')
        assert page.text("#count") == "已选 2 个科室"
        page.screenshot(tmp_path / "2-search.png")

        page.click("#next")
        page.wait_for("!document.getElementById('screen-rate').hidden")
        # Sending with a section unmarked says which one.
        page.click('.card[data-section="BDC01"] .mark[data-problem="tui"]')
        page.click("#send")
        page.wait_for("!document.getElementById('error').hidden")
        assert "殡仪馆" in page.text("#error")
        page.click('.card[data-section="BDC01"] .mark[data-problem="lan"]')
        page.click('.card[data-section="MZJ03"] .mark[data-problem="none"]')
        page.type('.card[data-section="BDC01"] textarea', "材料退回三次，每次只说一条")
        page.screenshot(tmp_path / "3-rate.png")

        page.click("#send")
        page.wait_for("!document.getElementById('screen-done').hidden")
        assert "感谢您的评价" in page.text("#screen-done")
        page.screenshot(tmp_path / "4-thanks.png")

        # The letter's URL again (a second scan, another phone): a clear page, nothing stored.
        page.open(letter["url"])
        page.wait_for("document.body.innerText.includes('这个邀请码已经用过了')")
        page.screenshot(tmp_path / "5-used.png")

    for name in ("1-pick", "2-search", "3-rate", "4-thanks", "5-used"):
        w, _, colours, _, header = _png_stats(tmp_path / f"{name}.png")
        assert w == 360 and colours > 20 and header, name

    with AdminClient(hall_server.url, hall_server.admin_token) as admin:
        results = admin.review_results(review["id"])
        summary = admin.review(review["id"])
    rated = {s["code"]: s for s in results["sections"] if s["answers"]}
    assert set(rated) == {"BDC01", "MZJ03"}
    assert rated["BDC01"]["with_problems"] == 1
    assert {p for p, n in rated["BDC01"]["problems"].items() if n} == {"tui", "lan"}
    assert rated["BDC01"]["comments"] == ["材料退回三次，每次只说一条"]
    assert rated["MZJ03"]["with_problems"] == 0
    assert summary["responses"] == {"phone": 1, "paper": 0, "total": 1}
    assert summary["response_rate"] == 1.0
    # Neither the code nor the citizen's address reaches the server's log.
    log = hall_server.log_text()
    assert letter["code"] not in log
    lines = [ln for ln in log.splitlines() if "/rate?code" in ln or "review-answers" in ln]
    assert len(lines) >= 3 and not any("127.0.0.1" in ln for ln in lines), lines
