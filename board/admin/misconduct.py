"""``hall-admin misconduct add|list|void``: verified misconduct (一票否决).

    hall-admin misconduct add --unit CGJ --day 2026-11-12 --summary "…" \\
        --verified-by "区纪委监委驻厅纪检组" --reference "投诉 2026-1112-03"
"""

from __future__ import annotations

import argparse

from board.admin._cli import Commands
from board.admin._records import add_hall, add_json, day, emit, hall_of, office_client


def cmd_add(args: argparse.Namespace) -> int:
    with office_client(args) as office:
        row = office.record_misconduct(
            hall_of(args, office),
            args.unit,
            args.day,
            args.summary,
            args.verified_by,
            args.reference or "",
            section=args.section,
        )
    if args.json:
        emit(row)
        return 0
    where = f" (section {row['section']})" if row.get("section") else ""
    print(
        f"misconduct {row['id']} recorded for {row['unit']}{where} ({row['day']}): the unit "
        f"goes on the black list of {row['quarter']} whatever its score"
        + (", the section first among the hardest" if where else "")
    )
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    with office_client(args) as office:
        rows = office.misconduct(
            hall_of(args, office), quarter=args.quarter, unit=args.unit, include_voided=args.all
        )
    if args.json:
        emit(rows)
        return 0
    if not rows:
        print("no misconduct recorded")
    for r in rows:
        void = f"  [voided: {r['void_reason']}]" if r["voided_at"] else ""
        ref = f" [{r['reference']}]" if r["reference"] else ""
        print(
            f"{r['id']:>4}  {r['day']}  {r['unit']}  {r['summary']}{ref}  "
            f"verified by {r['verified_by']}{void}"
        )
    return 0


def cmd_void(args: argparse.Namespace) -> int:
    with office_client(args) as office:
        row = office.void_misconduct(args.id, args.reason)
    if args.json:
        emit(row)
        return 0
    print(f"misconduct {row['id']} voided: {row['void_reason']} (the record stays)")
    return 0


def register(commands: Commands) -> None:
    group = commands.group("misconduct", "verified misconduct (一票否决)")
    c = group.add("add", cmd_add, "record a verified misconduct: black list regardless")
    add_hall(c)
    c.add_argument("--unit", required=True)
    c.add_argument(
        "--section", help="the unit's section (科室) it was found in: first among the hardest"
    )
    c.add_argument("--day", type=day, default="today", help="when it happened (default today)")
    c.add_argument("--summary", required=True, help="what was verified")
    c.add_argument("--verified-by", required=True, help="who verified it")
    c.add_argument("--reference", help="e.g. the complaint's number")
    add_json(c)
    c = group.add("list", cmd_list, "misconduct records, newest first")
    add_hall(c)
    c.add_argument("--quarter")
    c.add_argument("--unit")
    c.add_argument("--all", action="store_true", help="include voided records")
    add_json(c)
    c = group.add("void", cmd_void, "void a record entered by mistake (it stays, marked)")
    c.add_argument("id", type=int)
    c.add_argument("--reason", required=True)
    add_json(c)
