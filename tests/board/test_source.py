"""The board's data source against a scripted store (httpx.MockTransport): no sockets, no sleeps."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable

import httpx
import pytest

from board._qt.qt_board import BoardWindow
from board._qt.source import BoardSource
from board.sample import sample_aggregates
from board.source import AggregatesPoller, BoardData, SourceStatus

QUARTER = "2026Q3"
AGG = sample_aggregates(QUARTER)
AGG_LATER = sample_aggregates(QUARTER, seed=8)


class Store:
    """A scripted aggregates endpoint: 'ok', 'ok2' (changed data), 'down'; honours ETags."""

    def __init__(self, script: list[str]) -> None:
        self.script = script
        self.requests: list[httpx.Request] = []
        self.history_requests: list[str | None] = []
        self.lock = threading.Lock()

    def handler(self, request: httpx.Request) -> httpx.Response:
        quarter = request.url.params.get("quarter")
        if quarter != QUARTER:  # an earlier quarter, asked for streaks: the store has one
            self.history_requests.append(quarter)
            body = sample_aggregates(quarter, seed=7)
            return httpx.Response(200, content=json.dumps(body).encode(), headers={"ETag": '"h"'})
        with self.lock:
            self.requests.append(request)
            step = self.script.pop(0) if len(self.script) > 1 else self.script[0]
        if step == "down":
            raise httpx.ConnectError("connection refused", request=request)
        body, etag = (AGG, '"v1"') if step == "ok" else (AGG_LATER, '"v2"')
        if request.headers.get("If-None-Match") == etag:
            return httpx.Response(304, headers={"ETag": etag})
        return httpx.Response(200, content=json.dumps(body).encode(), headers={"ETag": etag})


def _poller(store: Store) -> AggregatesPoller:
    return AggregatesPoller(
        "http://store.test", "tok", "TL", QUARTER, transport=httpx.MockTransport(store.handler)
    )


def test_poller_sends_token_quarter_and_etag() -> None:
    store = Store(["ok", "ok", "down", "ok2"])
    p = _poller(store)
    first = p.poll()
    assert first.aggregates is not None and first.aggregates["quarter"] == QUARTER
    second = p.poll()
    assert second.unchanged and second.aggregates is None
    third = p.poll()
    assert third.error and "cannot reach the server" in third.error
    fourth = p.poll()
    assert fourth.aggregates is not None
    r = store.requests
    assert r[0].url.path == "/api/v1/halls/TL/aggregates"
    assert r[0].url.params["quarter"] == QUARTER
    assert r[0].headers["Authorization"] == "Bearer tok"
    assert "If-None-Match" not in r[0].headers
    assert r[1].headers["If-None-Match"] == '"v1"'
    p.close()


def test_poller_reports_http_errors_in_words() -> None:
    def deny(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"detail": "board token revoked"})

    p = AggregatesPoller("http://s", "t", "TL", QUARTER, transport=httpx.MockTransport(deny))
    result = p.poll()
    assert result.error == "HTTP 401: board token revoked"
    p.close()


@pytest.fixture
def make_source(qtbot):  # type: ignore[no-untyped-def]
    made: list[BoardSource] = []

    def make(store: Store, **kwargs: object) -> BoardSource:
        s = BoardSource(_poller(store), interval_s=0.02, **kwargs)  # type: ignore[arg-type]
        made.append(s)
        return s

    yield make
    for s in made:
        s.stop()
    assert not [t for t in threading.enumerate() if t.name == "board-source"]


def test_source_keeps_last_data_reports_offline_and_recovers(qtbot, make_source) -> None:
    # The store stays down (its last step repeats) until the test has looked at the offline board.
    store = Store(["ok", "ok", "down"])
    source = make_source(store)
    window = BoardWindow(rotate_s=3600)
    qtbot.addWidget(window)
    window.attach(source)
    statuses: list[SourceStatus] = []
    datas: list[BoardData] = []
    source.status_changed.connect(statuses.append)
    source.standings_changed.connect(datas.append)

    source.start()
    qtbot.waitUntil(lambda: any(not s.online for s in statuses), timeout=5000)
    # 200 then 304: one ranking, and the board shows it.
    assert len(datas) == 1
    assert window.current_page == "lists"
    shown = window.lists.red.labels()
    assert len(shown) == 4
    lost = next(s for s in statuses if not s.online)
    assert lost.updated_at is not None and lost.lost_since is not None
    assert "连接已中断" in window.header.status_label.text()
    assert window.lists.red.labels() == shown  # the last standings stay up

    with store.lock:
        store.script = ["ok2"]
    qtbot.waitUntil(lambda: len(datas) == 2 and statuses[-1].online, timeout=5000)
    assert datas[1].aggregates is not AGG
    assert "连接已中断" not in window.header.status_label.text()
    assert any(r.headers.get("If-None-Match") == '"v1"' for r in store.requests)
    window.stop()


def test_a_ranking_failure_keeps_the_last_data(qtbot, make_source) -> None:
    calls: list[int] = []

    def compute(agg: dict, history: object = ()) -> BoardData:  # type: ignore[type-arg]
        from board.source import compute_board_data

        calls.append(1)
        if len(calls) > 1:
            raise ValueError("bad settings")
        return compute_board_data(agg)

    store = Store(["ok", "ok2"])
    source = make_source(store, compute=compute)
    datas: list[BoardData] = []
    statuses: list[SourceStatus] = []
    source.standings_changed.connect(datas.append)
    source.status_changed.connect(statuses.append)
    source.start()
    qtbot.waitUntil(
        lambda: any(s.error and "bad settings" in s.error for s in statuses), timeout=5000
    )
    assert len(datas) == 1


def test_stop_ends_the_thread_promptly(make_source) -> None:
    store = Store(["ok"])
    source = make_source(store)
    source.start()
    source.stop()
    assert not [t for t in threading.enumerate() if t.name == "board-source"]


StatusSink = Callable[[SourceStatus], None]


def test_poller_brings_earlier_quarters_for_streaks_and_caches_them() -> None:
    store = Store(["ok", "ok2"])
    poller = _poller(store)
    first, second = poller.poll(), poller.poll()
    # The sample hall's worst unit was black-listed in each earlier quarter too.
    assert [h.quarter for h in first.history] == ["2025Q4", "2026Q1", "2026Q2"]
    assert all("CGJ" in h.black for h in first.history)
    assert second.history == first.history
    assert store.history_requests == ["2026Q2", "2026Q1", "2025Q4"]  # once, not per poll
    from board.source import compute_board_data

    data = compute_board_data(first.aggregates or {}, first.history)
    (worst,) = [u for u in data.standings.units if u.code == "CGJ"]
    assert worst.status == "black" and worst.streak == 4
