"""The phone page behind a window's QR code, in a real browser against a real ``hall-server``.

Debian's Chromium, headless, at a phone's viewport (412 × 915 CSS px): first the plain
``--screenshot`` / ``--dump-dom`` of ``/rate?window=A01`` (what a citizen sees on opening it);
then a citizen's whole 差评 driven through the DevTools protocol over ``--remote-debugging-pipe``
(stdlib only): tap 非常不满意, pick reasons, leave a phone number, send, see the thanks, and the
board's aggregates count it. Screenshots of every screen go to ``tmp_path`` for a person to look at.

Needs ``chromium`` and a CJK font (``fonts-wqy-microhei``), both installed by ``scripts/setup``;
without them the test fails, it does not skip.
"""

from __future__ import annotations

import base64
import json
import os
import queue
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from assets import DEMO_ROSTER
from sync.client import AdminClient
from tests.helpers.programs import program
from tests.helpers.server import ServerProcess, start_server

PHONE = (412, 915)
BRAND = (0x0B, 0x4F, 0x8A)  # the page's header colour
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


def _require_browser() -> None:
    program("chromium")
    fonts = subprocess.run([program("fc-list"), ":lang=zh"], capture_output=True, text=True).stdout
    if not fonts.strip():
        pytest.fail("no Chinese font: run scripts/setup (apt-get install fonts-wqy-microhei)")


@pytest.fixture
def hall_server(tmp_path: Path) -> Iterator[ServerProcess]:
    """A real hall-server (SQLite) with the demo hall's roster imported by the admin client."""
    _require_browser()
    with start_server(tmp_path) as srv:
        with AdminClient(srv.url, srv.admin_token) as admin:
            admin.import_roster_file(DEMO_ROSTER)
        yield srv


def _chromium(tmp_path: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / f"profile-{time.monotonic_ns()}"
    return subprocess.run(
        [program("chromium"), *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def _png_stats(path: Path) -> tuple[int, int, int, float, bool]:
    """Width, height, distinct colours (sampled), share of non-background pixels, brand header."""
    from PySide6.QtGui import QColor, QImage

    img = QImage(str(path))
    assert not img.isNull(), f"{path} is not a readable PNG"
    w, h = img.width(), img.height()
    colours: set[int] = set()
    background = img.pixel(w - 2, h - 2)
    busy = total = 0
    for y in range(0, h, 3):
        for x in range(0, w, 3):
            p = img.pixel(x, y)
            colours.add(p)
            busy += p != background
            total += 1
    top = QColor(img.pixel(w // 3, 4))
    header = abs(top.red() - BRAND[0]) + abs(top.green() - BRAND[1]) + abs(top.blue() - BRAND[2])
    return w, h, len(colours), busy / total, header < 30


def test_the_qr_page_opens_on_a_phone(hall_server: ServerProcess, tmp_path: Path) -> None:
    url = f"{hall_server.url}/rate?window=A01"
    png = tmp_path / "rate-A01.png"
    shot = _chromium(tmp_path, f"--window-size={PHONE[0]},{PHONE[1]}", f"--screenshot={png}", url)
    assert png.exists(), shot.stderr[-2000:]
    w, h, colours, busy, header = _png_stats(png)
    assert (w, h) == PHONE
    assert colours > 50, "the screenshot is (nearly) blank"
    assert 0.1 < busy < 0.9
    assert header, "the hall's header band is missing at the top"

    # After the script ran: the window and its unit by name, five faces with their words.
    dom = _chromium(tmp_path, "--virtual-time-budget=3000", "--dump-dom", url).stdout
    assert 'data-ready="1"' in dom, "the page's script did not run"
    assert "区应急管理局" in dom and "1号窗口" in dom and "铜梁区市民服务和营商环境促进中心" in dom
    for word in ("非常满意", "满意", "基本满意", "不满意", "非常不满意"):
        assert f">{word}</span>" in dom

    missing = _chromium(tmp_path, "--dump-dom", f"{hall_server.url}/rate?window=Z99").stdout
    assert "没有找到这个窗口" in missing


def test_a_citizen_complains_from_the_phone_and_the_board_counts_it(
    hall_server: ServerProcess, tmp_path: Path
) -> None:
    with Browser(tmp_path) as page:
        page.open(f"{hall_server.url}/rate?window=A01")
        page.wait_for("document.documentElement.dataset.ready === '1'")
        page.screenshot(tmp_path / "1-faces.png")

        page.click('.face[data-level="1"]')
        page.wait_for("!document.getElementById('screen-why').hidden")
        assert page.text("#chosen") == "非常不满意"
        assert "态度冷淡，不耐烦" in page.text(".reasons")
        assert "等候时间太长" in page.text(".reasons")  # the hall's own reason
        page.click('.reason[data-reason="leng"]')
        page.click('.reason[data-reason="H01"]')
        page.type("#phone", "138 0013 8000")
        page.screenshot(tmp_path / "2-reasons.png")

        page.click("#send")
        page.wait_for("!document.getElementById('screen-done').hidden")
        assert "1个工作日内" in page.text("#done-text")
        page.screenshot(tmp_path / "3-thanks.png")

        # The same phone again at once: refused in Chinese, nothing stored twice.
        page.open(f"{hall_server.url}/rate?window=A01")
        page.wait_for("document.documentElement.dataset.ready === '1'")
        page.click("#lang")
        assert page.text("#ask") == "How was the service you just received?"
        page.click("#lang")
        page.click('.face[data-level="5"]')
        page.wait_for("!document.getElementById('error').hidden")
        assert "您刚刚已评价过本窗口" in page.text("#error")
        page.screenshot(tmp_path / "4-too-soon.png")

    for name in ("1-faces", "2-reasons", "3-thanks", "4-too-soon"):
        _, _, colours, _, header = _png_stats(tmp_path / f"{name}.png")
        assert colours > 20 and header, name

    with AdminClient(hall_server.url, hall_server.admin_token) as admin:
        agg = admin.aggregates("TL").data
    assert agg is not None
    ratings = httpx.get(
        f"{hall_server.url}/api/v1/admin/ratings", headers=hall_server.admin_headers
    ).json()
    counted = [(c["unit"], c["level"], c["n"]) for c in agg["counts"]]
    assert counted == [("YJJ", 1, 1)]
    reasons = {(c["unit"], c["reason"]): c["n"] for c in agg["reason_counts"]}
    assert reasons == {("YJJ", "leng"): 1, ("YJJ", "H01"): 1}
    assert len(ratings) == 1
    assert ratings[0]["phone"] == "13800138000" and ratings[0]["staff"] is None
    assert ratings[0]["terminal"] == "qr-TL-A01"
    # The rater stays anonymous: neither the phone number nor the address reaches the log.
    log = hall_server.log_text()
    assert "13800138000" not in log and "138 0013 8000" not in log
    access = [line for line in log.splitlines() if '"POST /api/v1/public/ratings' in line]
    assert len(access) == 2  # the complaint and the refused second rating
    assert not any("127.0.0.1" in line for line in access), access


# ---------------------------------------------------------------- a tiny DevTools client


class Browser:
    """Headless Chromium driven over ``--remote-debugging-pipe`` (fd 3 in, fd 4 out; JSON
    messages ending in NUL), with one page at a phone's viewport."""

    def __init__(
        self, tmp_path: Path, timeout: float = 20.0, viewport: tuple[int, int] = PHONE
    ) -> None:
        self.timeout = timeout
        self.viewport = viewport
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()

        def wire_pipes() -> None:  # in the child: our pipes become its fds 3 and 4
            a, b = os.dup(to_chrome_r), os.dup(from_chrome_w)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.proc = subprocess.Popen(
            [
                program("chromium"),
                *FLAGS,
                "--remote-debugging-pipe",
                f"--user-data-dir={tmp_path / 'cdp-profile'}",
                f"--window-size={viewport[0]},{viewport[1]}",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            close_fds=False,
            preexec_fn=wire_pipes,
        )
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._next_id = 0
        self._answers: dict[int, dict[str, Any]] = {}
        self._events: queue.Queue[dict[str, Any]] = queue.Queue()
        self._inbox: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        targets = self.call("Target.getTargets")["targetInfos"]
        page = next(t for t in targets if t["type"] == "page")
        self.session = self.call("Target.attachToTarget", targetId=page["targetId"], flatten=True)[
            "sessionId"
        ]
        self.call("Page.enable", session=True)
        self.call(
            "Emulation.setDeviceMetricsOverride",
            session=True,
            width=viewport[0],
            height=viewport[1],
            deviceScaleFactor=1,
            mobile=True,
        )

    def _read(self) -> None:
        buf = b""
        while True:
            try:
                chunk = os.read(self._from_chrome, 65536)
            except OSError:
                chunk = b""
            if not chunk:
                self._inbox.put(None)
                return
            buf += chunk
            while b"\0" in buf:
                raw, buf = buf.split(b"\0", 1)
                self._inbox.put(json.loads(raw))

    def call(self, method: str, session: bool = False, **params: Any) -> dict[str, Any]:
        self._next_id += 1
        msg: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if session:
            msg["sessionId"] = self.session
        os.write(self._to_chrome, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while self._next_id not in self._answers:
            try:
                got = self._inbox.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                raise TimeoutError(f"no answer to {method} within {self.timeout} s") from None
            if got is None:
                raise RuntimeError(f"Chromium closed the pipe during {method}")
            if "id" in got:
                self._answers[got["id"]] = got
            else:
                self._events.put(got)
        answer = self._answers.pop(self._next_id)
        if "error" in answer:
            raise RuntimeError(f"{method}: {answer['error']}")
        result: dict[str, Any] = answer.get("result", {})
        return result

    def evaluate(self, expression: str) -> Any:
        out = self.call(
            "Runtime.evaluate",
            session=True,
            expression=expression,
            returnByValue=True,
            awaitPromise=True,
        )
        if "exceptionDetails" in out:
            raise RuntimeError(f"{expression}: {out['exceptionDetails']}")
        return out["result"].get("value")

    def open(self, url: str) -> None:
        self.call("Page.navigate", session=True, url=url)
        self.wait_for("document.readyState === 'complete' && location.href !== 'about:blank'")

    def wait_for(self, condition: str) -> None:
        """Poll a JS condition until it holds (deadline: the browser's timeout)."""
        deadline = time.monotonic() + self.timeout
        while not self.evaluate(f"Boolean({condition})"):
            if time.monotonic() > deadline:
                raise TimeoutError(f"still not true after {self.timeout} s: {condition}")
            time.sleep(0.05)

    def click(self, selector: str) -> None:
        """A real tap at the element's centre (a touch a citizen would make), not el.click()."""
        box = self.evaluate(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)});"
            " e.scrollIntoView({block: 'center'}); const r = e.getBoundingClientRect();"
            " return [r.x + r.width / 2, r.y + r.height / 2, r.width, r.height]; })()"
        )
        x, y, w, h = box
        assert w >= 48 and h >= 48, f"{selector} is {w:.0f}×{h:.0f} px, under 48 px to tap"
        for kind in ("mousePressed", "mouseReleased"):
            self.call(
                "Input.dispatchMouseEvent",
                session=True,
                type=kind,
                x=x,
                y=y,
                button="left",
                clickCount=1,
            )

    def type(self, selector: str, text: str) -> None:
        self.click(selector)
        self.call("Input.insertText", session=True, text=text)

    def text(self, selector: str) -> str:
        value = self.evaluate(f"document.querySelector({json.dumps(selector)}).innerText")
        return str(value).strip()

    def screenshot(self, path: Path) -> None:
        """The whole page, top to bottom (a long reasons list scrolls on a phone)."""
        size = self.call("Page.getLayoutMetrics", session=True)["cssContentSize"]
        width, height = self.viewport
        clip = {"x": 0, "y": 0, "width": width, "height": max(height, size["height"])}
        data = self.call(
            "Page.captureScreenshot",
            session=True,
            format="png",
            captureBeyondViewport=True,
            clip=clip | {"scale": 1},
        )["data"]
        path.write_bytes(base64.b64decode(data))

    def close(self) -> None:
        try:
            self.call("Browser.close")
        except (RuntimeError, TimeoutError, OSError):
            pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
        os.close(self._to_chrome)
        self._reader.join(5)
        os.close(self._from_chrome)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
