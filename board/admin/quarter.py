"""``hall-admin quarter status|close|reopen``: publishing a quarter's standings.

    hall-admin quarter close --quarter 2026Q3
    hall-admin quarter reopen --quarter 2026Q3 --reason "申诉复核改判，需重新发布"

``close`` reads the quarter's aggregates, ranks them with the standings engine (with the
streaks of the quarters before), and sends the result with the digest of what it ranked; the
store refuses (exit 1) if anything changed in between. From then on the board, the poster and
later quarters' streaks show what was published.
"""

from __future__ import annotations

import argparse
from typing import Any

from board.admin._cli import Commands
from board.admin._records import add_hall, add_json, emit, hall_of, local, office_client, token_of
from sync.client import ApiError


def _state(q: dict[str, Any]) -> str:
    if q["state"] == "open":
        return f"quarter {q['quarter']} of hall {q['hall']} is open (not published)"
    line = f"quarter {q['quarter']} of hall {q['hall']} was published {local(q['closed_at'])} by {q['closed_by']}"
    if q["state"] == "reopened":
        line += f"; reopened {local(q['reopened_at'])} by {q['reopened_by']}: {q['reopen_reason']}"
    return line


def cmd_status(args: argparse.Namespace) -> int:
    with office_client(args) as office:
        hall = hall_of(args, office)
        rows = [office.quarter(hall, args.quarter)] if args.quarter else office.quarters(hall)
    if args.json:
        emit(rows)
        return 0
    if not rows:
        print("no quarter has been published yet")
    for q in rows:
        print(_state(q))
    return 0


def cmd_close(args: argparse.Namespace) -> int:
    from board.published import standings_to_dict
    from board.source import AggregatesPoller
    from board.standings import compute_standings
    from sync.publish import aggregates_digest

    token = token_of(args)
    with office_client(args) as office:
        hall = hall_of(args, office)
        poller = AggregatesPoller(args.server, token, hall, args.quarter)
        try:
            result = poller.poll()
        finally:
            poller.close()
        if result.aggregates is None:
            raise ApiError(0, f"could not read quarter {args.quarter}: {result.error}")
        standings = compute_standings(result.aggregates, history=result.history)
        published = office.close_quarter(
            hall,
            args.quarter,
            aggregates_digest(result.aggregates),
            standings_to_dict(standings),
        )
    if args.json:
        emit(published)
        return 0
    print(_state(published))
    print("  red list:   " + ("、".join(e.label for e in standings.red_list) or "(none)"))
    print("  black list: " + ("、".join(e.label for e in standings.black_list) or "(none)"))
    return 0


def cmd_reopen(args: argparse.Namespace) -> int:
    with office_client(args) as office:
        q = office.reopen_quarter(hall_of(args, office), args.quarter, args.reason)
    if args.json:
        emit(q)
    else:
        print(_state(q))
        print("  its records may change again; close it again to publish")
    return 0


def register(commands: Commands) -> None:
    group = commands.group("quarter", "publish a quarter's standings (close) or reopen it")
    c = group.add("status", cmd_status, "whether quarters are open, closed or reopened")
    add_hall(c)
    c.add_argument("--quarter", help="one quarter (default: every published one)")
    add_json(c)
    c = group.add("close", cmd_close, "publish the quarter's standings as they stand now")
    add_hall(c)
    c.add_argument("--quarter", required=True, help="e.g. 2026Q3 (it must have ended)")
    add_json(c)
    c = group.add("reopen", cmd_reopen, "reopen a published quarter so its records may change")
    add_hall(c)
    c.add_argument("--quarter", required=True)
    c.add_argument("--reason", required=True)
    add_json(c)
