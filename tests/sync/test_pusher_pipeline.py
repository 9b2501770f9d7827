"""The pusher reads the next batch while one is in flight: still one request at a time, still
nothing marked sent but from an answer, and faults mid-backlog lose or double nothing."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable

import httpx
import pytest

from sync.pusher import Pusher
from tests.sync import test_pusher as base
from tests.sync.test_pusher import FakeCentral, MemoryOutbox, make_records, wait_until

central = base.central  # the fixtures of the pusher's own tests
make_pusher = base.make_pusher


class OneAtATime:
    """Wraps the fake central; records the most requests ever in flight at once."""

    def __init__(self, central: FakeCentral, outbox: MemoryOutbox) -> None:
        self.central = central
        self.outbox = outbox
        self.lock = threading.Lock()
        self.in_flight = 0
        self.most = 0
        self.sent_before_answer: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            self.in_flight += 1
            self.most = max(self.most, self.in_flight)
        try:
            before = set(self.outbox.sent)
            response = self.central(request)
            # The outbox may not mark these records before the answer has left the server.
            ids = {r["id"] for r in json.loads(request.content)["records"]}
            self.sent_before_answer += sorted(ids & (set(self.outbox.sent) - before))
            return response
        finally:
            with self.lock:
                self.in_flight -= 1


@pytest.mark.parametrize("faults", [[], ["ok", "drop", "500", "ok", "timeout", "drop"]])
def test_backlog_drains_exactly_once_one_request_at_a_time(
    central: FakeCentral, make_pusher: Callable[..., Pusher], faults: list[str]
) -> None:
    recs = make_records(5200)
    central.faults = list(faults)
    outbox = MemoryOutbox(recs)  # asserts no record is marked sent twice
    handler = OneAtATime(central, outbox)
    p = make_pusher(outbox, transport=httpx.MockTransport(handler), poll_interval=3600)
    p.start()
    wait_until(lambda: outbox.backlog() == 0, timeout=20, what="backlog drained")
    assert outbox.sent == {r.id for r in recs}
    assert set(central.stored) == {r.id for r in recs}
    assert central.inserts == 5200  # each stored once; lost answers came back as duplicates
    assert handler.most == 1
    assert handler.sent_before_answer == []
    assert central.batch_sizes[-1] == 200  # 5200 in full batches, then the rest
