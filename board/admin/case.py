"""``hall-admin case list|show|callback|rectify|close``: 差评 follow-up on working-day deadlines.

    hall-admin case list [--unit CGJ] [--status open] [--overdue]
    hall-admin case show 17
    hall-admin case callback 17 --note "已致电，群众反映排队久，已致歉"
    hall-admin case rectify 17 --note "增开一个窗口"
    hall-admin case close 17 --note "已电话告知整改结果，群众满意"

Lists put what is due first on top. The phone number a citizen left shows only for the office
and the unit's own operators (the server decides), and only with ``show``.
"""

from __future__ import annotations

import argparse
from typing import Any

from board.admin._cli import Commands
from board.admin._records import add_hall, add_json, emit, hall_of, local, office_client, when

STATUS_ZH = {"new": "待回访", "called_back": "已回访", "rectified": "已整改", "closed": "已办结"}
STEP_ZH = {"called_back": "回访", "rectified": "整改", "closed": "办结"}


def _due(c: dict[str, Any]) -> str:
    if c["deadline_problem"]:
        return f"no due date: {c['deadline_problem']}"
    if c["next_due"]:
        late = "  OVERDUE" if c["overdue"] else ""
        return f"{STEP_ZH[c['next_step']]} due {c['next_due']}{late}"
    return "waiting to be closed" if c["status"] == "rectified" else ""


def cmd_list(args: argparse.Namespace) -> int:
    with office_client(args) as office:
        rows = office.cases(
            hall_of(args, office),
            unit=args.unit,
            status=args.status,
            quarter=args.quarter,
            overdue=args.overdue,
        )
    if args.json:
        emit(rows)
        return 0
    if not rows:
        print("no cases" + (" overdue" if args.overdue else ""))
    for c in rows:
        reasons = ",".join(c["reasons"]) or "-"
        print(
            f"{c['id']:>5}  {c['day']}  {c['unit']:<6} {c['window']:<5} level {c['level']} "
            f"({reasons})  {STATUS_ZH[c['status']]:<4} {_due(c)}"
        )
    return 0


def _show(c: dict[str, Any]) -> None:
    print(f"case {c['id']}: 差评 level {c['level']} at window {c['window']} of {c['unit']}")
    print(f"  arrived   {local(c['received_at'])} (day {c['day']}, quarter {c['quarter']})")
    print(f"  reasons   {', '.join(c['reasons']) or '-'}")
    if c.get("phone"):
        print(f"  phone     {c['phone']}")
    elif c["has_phone"]:
        print("  phone     (left, not shown to this operator)")
    else:
        print("  phone     none left: no call-back needed")
    print(f"  status    {c['status']} ({STATUS_ZH[c['status']]})  {_due(c)}")
    print(f"  due       call back {c['callback_due'] or '-'}, rectify {c['rectify_due'] or '-'}")
    for s in c["steps"]:
        late = " (late)" if s["late"] else ""
        print(f"  {local(s['at'])}  {s['step']}{late} by {s['by']}: {s['note']}")
    if c["appeal"]:
        a = c["appeal"]
        print(f"  appeal {a['id']}: {a['status']} — {a['reason']}")


def cmd_show(args: argparse.Namespace) -> int:
    with office_client(args) as office:
        c = office.case(args.id)
    if args.json:
        emit(c)
    else:
        _show(c)
    return 0


def _step(step: str) -> Any:
    def cmd(args: argparse.Namespace) -> int:
        with office_client(args) as office:
            c = office.case_step(args.id, step, args.note, at=args.at)
        if args.json:
            emit(c)
        else:
            print(f"case {c['id']}: {step} recorded; now {c['status']} ({STATUS_ZH[c['status']]})")
        return 0

    return cmd


def register(commands: Commands) -> None:
    group = commands.group("case", "差评 cases: call back, rectify, close")
    c = group.add("list", cmd_list, "cases, what is due first on top")
    add_hall(c)
    c.add_argument("--unit")
    c.add_argument(
        "--status", choices=["new", "called_back", "rectified", "closed", "open"], default=None
    )
    c.add_argument("--quarter")
    c.add_argument("--overdue", action="store_true", help="only cases past a due date")
    add_json(c)
    c = group.add("show", cmd_show, "one case with its steps (and the phone, if allowed)")
    c.add_argument("id", type=int)
    add_json(c)
    for name, step, what in (
        ("callback", "called_back", "record the call back and its outcome"),
        ("rectify", "rectified", "record what was done to put it right"),
        ("close", "closed", "record that the citizen was told the outcome"),
    ):
        c = group.add(name, _step(step), what)
        c.add_argument("id", type=int)
        c.add_argument("--note", required=True)
        c.add_argument("--at", type=when, help="when it happened (default now)")
        add_json(c)
