"""``hall-admin flagged list|release|exclude``: ratings flagged as misuse wait for a decision.

hall-admin flagged list [--state pending]
hall-admin flagged release RATING --note "时钟错误，评价真实"
hall-admin flagged exclude RATING --note "同一人连按"
"""

from __future__ import annotations

import argparse
from typing import Any

from board.admin._cli import Commands
from board.admin._records import add_hall, add_json, emit, hall_of, local, office_client


def cmd_list(args: argparse.Namespace) -> int:
    with office_client(args) as office:
        rows = office.flagged(hall_of(args, office), quarter=args.quarter, state=args.state)
    if args.json:
        emit(rows)
        return 0
    if not rows:
        print("no flagged ratings" + (f" ({args.state})" if args.state else ""))
    for r in rows:
        flags = ",".join(r["flags"] + r["server_flags"])
        note = f" — {r['note']}" if r["note"] else ""
        print(
            f"{r['id']}  {local(r['received_at'])}  {r['unit']:<6} {r['window']:<5} level "
            f"{r['level']}  [{flags}]  {r['state']}{note}"
        )
    return 0


def _decide(decision: str) -> Any:
    def cmd(args: argparse.Namespace) -> int:
        with office_client(args) as office:
            r = office.decide_flagged(args.rating, decision, args.note or "")
        if args.json:
            emit(r)
        elif decision == "release":
            print(f"rating {r['id']} released: it counts in the scores")
        else:
            print(f"rating {r['id']} confirmed excluded: kept, not scored")
        return 0

    return cmd


def register(commands: Commands) -> None:
    group = commands.group("flagged", "ratings flagged as misuse: release or confirm excluded")
    c = group.add("list", cmd_list, "flagged ratings with the office's decision, newest first")
    add_hall(c)
    c.add_argument("--quarter")
    c.add_argument("--state", choices=["pending", "released", "excluded"])
    add_json(c)
    c = group.add("release", _decide("release"), "let a flagged rating count after all")
    c.add_argument("rating")
    c.add_argument("--note", help="why (e.g. the clock was wrong, the citizen real)")
    add_json(c)
    c = group.add("exclude", _decide("exclude"), "confirm a flagged rating stays out of scores")
    c.add_argument("rating")
    c.add_argument("--note", required=True, help="why")
    add_json(c)
