"""``hall-admin inspection items|add|list|void``: the points system (巡查扣分、加分).

hall-admin inspection items
hall-admin inspection add --unit CGJ --item late --note "8:35 到岗"
hall-admin inspection add --unit SWJ --dimension behaviour --points 2 --what "群众送锦旗"
hall-admin inspection list --quarter 2026Q4 [--unit CGJ] [--all]
hall-admin inspection void 12 --reason "记错单位"
"""

from __future__ import annotations

import argparse

from board.admin._cli import Commands
from board.admin._records import add_hall, add_json, day, emit, hall_of, office_client
from sync.roster import DIMENSIONS


def cmd_items(args: argparse.Namespace) -> int:
    with office_client(args) as office:
        items = office.inspection_items(hall_of(args, office))
    if args.json:
        emit(items)
        return 0
    if not items:
        print("the roster lists no inspection items (roster rows of kind 'item')")
    for i in items:
        print(
            f"{i['code']:<18} {i['points']:>+6g}  {DIMENSIONS.get(i['dimension'], '')}  {i['name']}"
        )
    return 0


def cmd_add(args: argparse.Namespace) -> int:
    with office_client(args) as office:
        row = office.record_inspection(
            hall_of(args, office),
            args.unit,
            args.day,
            item=args.item,
            dimension=args.dimension,
            points=args.points,
            staff=args.staff,
            what=args.what,
            note=args.note or "",
        )
    if args.json:
        emit(row)
        return 0
    print(
        f"inspection {row['id']} recorded: {row['unit']} {DIMENSIONS[row['dimension']]} "
        f"{row['points']:+g} on {row['day']} ({row['what']}), quarter {row['quarter']}"
    )
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    with office_client(args) as office:
        rows = office.inspections(
            hall_of(args, office), quarter=args.quarter, unit=args.unit, include_voided=args.all
        )
    if args.json:
        emit(rows)
        return 0
    if not rows:
        print("no inspections")
    for r in rows:
        void = f"  [voided: {r['void_reason']}]" if r["voided_at"] else ""
        staff = f" {r['staff']}" if r["staff"] else ""
        print(
            f"{r['id']:>5}  {r['day']}  {r['unit']}{staff}  {DIMENSIONS[r['dimension']]} "
            f"{r['points']:+g}  {r['what']}{'；' + r['note'] if r['note'] else ''}  "
            f"({r['recorded_by']}){void}"
        )
    return 0


def cmd_void(args: argparse.Namespace) -> int:
    with office_client(args) as office:
        row = office.void_inspection(args.id, args.reason)
    if args.json:
        emit(row)
        return 0
    print(f"inspection {row['id']} voided: {row['void_reason']} (the record stays)")
    return 0


def register(commands: Commands) -> None:
    group = commands.group("inspection", "inspection points (deductions and bonuses)")
    c = group.add("items", cmd_items, "the roster's list of what an inspector can record")
    add_hall(c)
    add_json(c)
    c = group.add("add", cmd_add, "record a deduction or a bonus for a unit")
    add_hall(c)
    c.add_argument("--unit", required=True, help="unit code")
    c.add_argument("--staff", help="工号, if it concerns one person")
    c.add_argument("--item", help="what happened, from 'inspection items' (sets the defaults)")
    c.add_argument("--dimension", choices=sorted(DIMENSIONS), help="default: the item's")
    c.add_argument("--points", type=float, help="negative: a deduction; default: the item's")
    c.add_argument("--what", help="what happened, in words (default: the item's name)")
    c.add_argument("--note")
    c.add_argument("--day", type=day, default="today", help="when (default today)")
    add_json(c)
    c = group.add("list", cmd_list, "the inspection records, newest first")
    add_hall(c)
    c.add_argument("--quarter", help="e.g. 2026Q4")
    c.add_argument("--unit")
    c.add_argument("--all", action="store_true", help="include voided records")
    add_json(c)
    c = group.add("void", cmd_void, "void a mistaken record (it stays, marked)")
    c.add_argument("id", type=int)
    c.add_argument("--reason", required=True)
    add_json(c)
