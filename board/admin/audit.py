"""``hall-admin audit``: who changed what, from the store's hash-chained audit log.

    hall-admin audit                                  # the latest 50 entries, newest first
    hall-admin audit --actor wang.fang --since 2026-12-01 --until 2026-12-08
    hall-admin audit --action 'operator.*' --target operator:yjj.liu --json
    hall-admin audit --verify                         # exit 1 if an entry was edited or deleted

``--since``/``--until`` are dates or date-times in this machine's time zone unless they name
one. ``--json`` prints only JSON: the entries (with before/after), or the check.
"""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import Any

from board.admin._cli import Commands, SetupError, admin_client
from board.admin._output import add_json_flag, print_json


def _when(value: str | None, option: str) -> datetime | None:
    if value is None:
        return None
    try:
        t = datetime.fromisoformat(value)
    except ValueError:
        raise SetupError(
            f"{option} {value!r}: give a date like 2026-12-01 or 2026-12-01T08:30"
        ) from None
    return t if t.tzinfo is not None else t.astimezone()  # local time of this machine


def _change(e: dict[str, Any]) -> str:
    before, after = e.get("before"), e.get("after")
    if isinstance(before, dict) and isinstance(after, dict):
        changed = [k for k in after if k in before and before[k] != after[k] and k != "file"]
        return ", ".join(f"{k}: {before[k]} → {after[k]}" for k in changed[:4])
    return ""


def cmd_audit(args: argparse.Namespace) -> int:
    with admin_client(args) as admin:
        if args.verify:
            check = admin.verify_audit()
            if args.json:
                print_json(check)
            elif check["ok"]:
                print(
                    f"audit log intact: {check['entries']} entries, each chained to the one before"
                )
            else:
                print(
                    f"AUDIT LOG BROKEN: {check['problem']} ({check['entries']} entries check out)"
                )
            return 0 if check["ok"] else 1
        rows = admin.audit(
            hall=args.hall,
            actor=args.actor,
            action=args.action,
            target=args.target,
            since=_when(args.since, "--since"),
            until=_when(args.until, "--until"),
            limit=args.limit,
        )
    if args.json:
        print_json(rows)
        return 0
    if not rows:
        print("no audit entries match")
        return 0
    for e in rows:
        at = datetime.fromisoformat(e["at"]).astimezone()
        change = _change(e)
        print(
            f"{e['seq']:>6}  {at:%Y-%m-%d %H:%M:%S}  {e['actor']:<16} {e['action']:<26} "
            f"{e['target']}" + (f"  ({change})" if change else "")
        )
    return 0


def register(commands: Commands) -> None:
    c = commands.add("audit", cmd_audit, "who changed what: the audit log, newest first")
    c.add_argument("--actor", help="an operator's name, 'admin', a terminal id")
    c.add_argument("--action", help="e.g. operator.create, or a prefix: 'operator.*'")
    c.add_argument("--target", help="e.g. terminal:k1, or a prefix: 'operator:*'")
    c.add_argument("--hall")
    c.add_argument("--since", help="from this date or time on (local time)")
    c.add_argument("--until", help="before this date or time")
    c.add_argument("--limit", type=int, default=50, help="how many entries (default 50)")
    c.add_argument("--verify", action="store_true", help="check the hash chain instead")
    add_json_flag(c)
