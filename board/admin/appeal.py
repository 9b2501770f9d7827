"""``hall-admin appeal file|list|accept|reject``: appeals against a 差评 (申诉复核).

hall-admin appeal file --rating 5f0c… --reason "系统故障导致，非工作人员原因"
hall-admin appeal list --status pending
hall-admin appeal accept 3 --note "核实系统故障记录属实"
hall-admin appeal reject 4 --note "录像显示工作人员态度生硬"
"""

from __future__ import annotations

import argparse
from typing import Any

from board.admin._cli import Commands
from board.admin._records import add_hall, add_json, emit, hall_of, local, office_client


def _line(a: dict[str, Any]) -> str:
    decided = f" — {a['decision_note']} ({a['decided_by']})" if a["decided_by"] else ""
    return (
        f"{a['id']:>4}  {a['unit']:<6} rating {a['rating']} level {a['level']}  filed "
        f"{local(a['filed_at'])} by {a['filed_by']}: {a['reason']}  [{a['status']}]{decided}"
    )


def cmd_file(args: argparse.Namespace) -> int:
    with office_client(args) as office:
        a = office.file_appeal(args.rating, args.reason)
    if args.json:
        emit(a)
    else:
        print(f"appeal {a['id']} filed; the office decides")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    with office_client(args) as office:
        rows = office.appeals(hall_of(args, office), quarter=args.quarter, status=args.status)
    if args.json:
        emit(rows)
        return 0
    if not rows:
        print("no appeals")
    for a in rows:
        print(_line(a))
    return 0


def _decide(accept: bool) -> Any:
    def cmd(args: argparse.Namespace) -> int:
        with office_client(args) as office:
            a = office.decide_appeal(args.id, accept, args.note)
        if args.json:
            emit(a)
        elif accept:
            print(
                f"appeal {a['id']} accepted: the 差评 leaves the scores (kept) and its case is closed"
            )
        else:
            print(f"appeal {a['id']} rejected: the 差评 stays in the scores")
        return 0

    return cmd


def register(commands: Commands) -> None:
    group = commands.group("appeal", "appeals against a 差评 (申诉复核)")
    c = group.add("file", cmd_file, "a unit appeals one of its 差评, with a reason")
    c.add_argument("--rating", required=True, help="the rating's id (from 'case show')")
    c.add_argument("--reason", required=True)
    add_json(c)
    c = group.add("list", cmd_list, "appeals, pending first")
    add_hall(c)
    c.add_argument("--quarter")
    c.add_argument("--status", choices=["pending", "accepted", "rejected"])
    add_json(c)
    for name, accept, what in (
        ("accept", True, "accept: the 差评 leaves the scores, its case is closed"),
        ("reject", False, "reject: the 差评 stays"),
    ):
        c = group.add(name, _decide(accept), what)
        c.add_argument("id", type=int)
        c.add_argument("--note", required=True, help="what the review found")
        add_json(c)
